"""Benchmarks and quality gates without their data: one line naming the data and where it looked."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("script", "needs"),
    [
        ("extraction.py", "no extraction-bench at {missing}: it needs ground-truth.json"),
        ("metadata.py", "no metadata-bench at {missing}: it needs ground-truth.json"),
        ("throughput.py", "no extraction-bench at {missing}: it needs ground-truth.json"),
        ("javascript_pages.py", "no bench pages under {missing}: it needs extraction-bench/"),
    ],
)
def test_a_benchmark_without_its_data_says_what_it_needs(
    tmp_path: Path, script: str, needs: str
) -> None:
    missing = tmp_path / "no-bench-here"
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / script), "--bench-dir", str(missing)],
        cwd=tmp_path, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line.startswith(f"{script}: " + needs.format(missing=missing))
    assert "--bench-dir" in line


def test_the_quality_gates_name_the_data_they_skip_without(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "NEWSARCHIVE_BENCH_DIR": str(tmp_path / "none"),
        "NEWSARCHIVE_METADATA_BENCH_DIR": str(tmp_path / "none-either"),
    }
    gates = [
        "tests/crawler/extraction/test_quality_gate.py",
        "tests/crawler/extraction/test_metadata_gate.py",
    ]
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", *gates],
        cwd=REPO, env=env, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"no extraction bench at {tmp_path / 'none'} (needs ground-truth.json" in done.stdout
    assert f"no metadata bench at {tmp_path / 'none-either'} (needs ground-truth.json" in (
        done.stdout
    )
    assert "Error" not in done.stdout
