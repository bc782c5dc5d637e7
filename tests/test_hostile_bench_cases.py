"""benchmarks/hostile.py --case: a hostile case run alone, and only its row rewritten."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import hostile as bench

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "benchmarks" / "hostile.py"
DELAY = "Crawl-delay: 2 (3 pages)"


def test_named_cases_are_chosen_in_the_table_order() -> None:
    chosen = bench.chosen_cases(["empty body", DELAY])
    assert [name for name, _, _ in chosen] == [DELAY, "empty body"]
    assert bench.chosen_cases([]) == bench.CASES


def test_an_unknown_case_is_refused_with_the_names_there_are() -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--case", "no such case"],
        cwd=REPO, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stdout == ""
    assert "no case 'no such case'" in done.stderr
    assert DELAY in done.stderr


def test_writing_one_case_replaces_its_row_and_nothing_else() -> None:
    doc = (REPO / "docs" / "hostile.md").read_text()
    row = bench.Row(DELAY, "new", 120.0, 8.4)
    written = bench.with_rows(doc, [row])
    changed = [
        (old, new)
        for old, new in zip(doc.split("\n"), written.split("\n"), strict=True)
        if old != new
    ]
    assert len(changed) == 1
    old, new = changed[0]
    assert old.startswith(f"| {DELAY} | ")
    assert new == f"| {DELAY} | new | 120 | 8.4 |"


def test_a_case_missing_from_the_table_is_not_written() -> None:
    with pytest.raises(ValueError, match="not one row"):
        bench.with_rows("| case | outcome |\n|---|---|\n", [bench.Row(DELAY, "new", 1.0, 1.0)])


@pytest.mark.slow
def test_one_case_runs_alone_and_prints_its_row() -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--case", "robots.txt 404 (allow)"],
        cwd=REPO, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    header, rule, row = done.stdout.strip().split("\n")
    assert header.startswith("| case |")
    assert rule.startswith("|---")
    assert row.startswith("| robots.txt 404 (allow) | new | ")
