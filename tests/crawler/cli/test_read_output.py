"""Every read command prints exactly what it printed before the read path changed (issue 27).

Each case runs `newsarchive` in a fresh process on the archive of read_archive.py (and on
broken archives: missing, not SQLite, too new, too old on read-only media) and compares stdout,
stderr and the exit status, byte for byte, with read_output_expected.json. That file was
written by this module (`python -m tests.crawler.cli.test_read_output`) from main before the
SQLite read path stopped using SQLAlchemy; regenerate it only for a change of output meant
for users.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from storage import open_archive
from storage.timeutil import CLOCK_VARIABLE
from tests.crawler.cli.read_archive import (
    BRIDGE,
    BUDGET,
    CAFE,
    DUE_NOW,
    DUE_SITES,
    add_due_rows,
    build_read_archive,
)

REPO = Path(__file__).resolve().parents[3]
EXPECTED = Path(__file__).with_name("read_output_expected.json")
OTHER = "https://news.example/never-archived.html"

# name: (archive, arguments); archives: good, missing, notsqlite, toonew, oldreadonly, damaged,
# due
CASES: dict[str, tuple[str, list[str]]] = {
    "list": ("good", ["list"]),
    "list json": ("good", ["list", "--json"]),
    "list site": ("good", ["list", "--site", "news.example"]),
    "list site www": ("good", ["list", "--site", "www.news.example"]),
    "list site none": ("good", ["list", "--site", "nowhere.example"]),
    "list changed": ("good", ["list", "--changed-only", "--json"]),
    "list since until": ("good", ["list", "--since", "2026-11-16", "--until", "2026-11-20T12:00"]),
    "list limit": ("good", ["list", "--limit", "1"]),
    "list limit 0": ("good", ["list", "--limit", "0", "--json"]),
    "stats": ("good", ["stats"]),
    "stats json": ("good", ["stats", "--json"]),
    "search": ("good", ["search", "budget"]),
    "search json": ("good", ["search", "budget", "--json"]),
    "search all versions": ("good", ["search", "scheduled", "--all-versions", "--json"]),
    "search latest only": ("good", ["search", "scheduled"]),
    "search site": ("good", ["search", "budget", "--site", "other.example"]),
    "search dates": (
        "good",
        ["search", "bridge", "--all-versions", "--since", "2026-11-11", "--until", "2026-11-16"],
    ),
    "search changed": ("good", ["search", "budget", "--changed-only", "--json"]),
    "search limit": ("good", ["search", "council", "--all-versions", "--limit", "2"]),
    "search prefix": ("good", ["search", "renov*"]),
    "search phrase": ("good", ["search", '"town centre"', "--all-versions"]),
    "search title": ("good", ["search", "title:bridge", "--json"]),
    "search or not": ("good", ["search", "(bridge OR cafe) NOT repairs", "--all-versions"]),
    "search folded": ("good", ["search", "marche", "--json"]),
    "search nothing": ("good", ["search", "zeppelin"]),
    "search invalid": ("good", ["search", '"unclosed']),
    "search too long": ("good", ["search", "word " * 120]),
    "show": ("good", ["show", BUDGET]),
    "show json": ("good", ["show", BUDGET, "--json"]),
    "show version": ("good", ["show", BUDGET, "--version", "2"]),
    "show negative": ("good", ["show", BUDGET, "--version", "-2", "--json"]),
    "show at": ("good", ["show", BUDGET, "--at", "2026-11-20T16:00Z"]),
    "show at before": ("good", ["show", BUDGET, "--at", "2026-11-01"]),
    "show no such version": ("good", ["show", BUDGET, "--version", "9"]),
    "show alias": ("good", ["show", "http://WWW.news.example/politics/budget-vote.html?utm_x=1"]),
    "show backfilled": ("good", ["show", BRIDGE, "--version", "1"]),
    "show backfilled json": ("good", ["show", BRIDGE, "--version", "1", "--json"]),
    "show embedded": ("good", ["show", BRIDGE]),
    "show cafe": ("good", ["show", CAFE, "--json"]),
    "show unknown": ("good", ["show", OTHER]),
    "show bad url": ("good", ["show", "not a url"]),
    "history": ("good", ["history", BUDGET]),
    "history json": ("good", ["history", BUDGET, "--json"]),
    "history headline": ("good", ["history", BUDGET, "--changed-field", "headline"]),
    "history byline": ("good", ["history", BUDGET, "--changed-field", "byline", "--json"]),
    "history backfilled": ("good", ["history", BRIDGE]),
    "history backfilled json": ("good", ["history", BRIDGE, "--json"]),
    "history unknown": ("good", ["history", OTHER]),
    "diff": ("good", ["diff", BUDGET]),
    "diff json": ("good", ["diff", BUDGET, "--json"]),
    "diff range": ("good", ["diff", BUDGET, "1", "3"]),
    "diff colour": ("good", ["diff", BUDGET, "2", "3", "--color"]),
    "diff backfilled": ("good", ["diff", BRIDGE]),
    "diff one version": ("good", ["diff", CAFE]),
    "diff no such version": ("good", ["diff", BUDGET, "1", "7"]),
    "missing list": ("missing", ["list"]),
    "missing show": ("missing", ["show", BUDGET]),
    "not sqlite stats": ("notsqlite", ["stats"]),
    "not sqlite search": ("notsqlite", ["search", "budget"]),
    "too new history": ("toonew", ["history", BUDGET]),
    "too new list": ("toonew", ["list"]),
    "old read-only list": ("oldreadonly", ["list"]),
    "damaged show": ("damaged", ["show", BUDGET]),
    "damaged list": ("damaged", ["list"]),
    # `due` runs at DUE_NOW; its archive is "good" with frontier rows (read_archive.py).
    "due": ("due", ["due", "--config", "due-sites.toml"]),
    "due json": ("due", ["due", "--config", "due-sites.toml", "--json"]),
    "due no sites file": ("due", ["due"]),
    "due bad sites file": ("due", ["due", "--config", "absent.toml"]),
    "due queued": ("due", ["due", "--queued"]),
    "due queued json": ("due", ["due", "--queued", "--json"]),
    "due empty frontier": ("good", ["due", "--config", "due-sites.toml", "--json"]),
    "missing due": ("missing", ["due"]),
    "not sqlite due": ("notsqlite", ["due", "--queued"]),
    "too new due": ("toonew", ["due"]),
    "old read-only due": ("oldreadonly", ["due", "--json"]),
    "damaged due": ("damaged", ["due", "--config", "due-sites.toml"]),
}


def make_archives(folder: Path) -> None:
    """The archives the cases name, as files under ``folder`` (``<name>.db``)."""
    with open_archive(f"sqlite:///{folder / 'good.db'}") as archive:
        build_read_archive(archive)
    (folder / "notsqlite.db").write_bytes(b"my notes, not a database\n" * 100)
    for name, revision in (("toonew", "ffff_future"), ("oldreadonly", "0015")):
        (folder / f"{name}.db").write_bytes((folder / "good.db").read_bytes())
        connection = sqlite3.connect(folder / f"{name}.db")
        with connection:
            connection.execute("UPDATE alembic_version SET version_num = ?", (revision,))
        connection.close()
    with open_archive(f"sqlite:///{folder / 'due.db'}") as archive:
        build_read_archive(archive)
        add_due_rows(archive)
    (folder / "due-sites.toml").write_text(DUE_SITES)
    (folder / "oldreadonly.db").chmod(0o444)
    # A current archive missing tables (damaged by hand): the database's own error, one line.
    (folder / "damaged.db").write_bytes((folder / "good.db").read_bytes())
    with closing(sqlite3.connect(folder / "damaged.db")) as connection, connection:
        connection.execute("DROP TABLE article_aliases")
        connection.execute("DROP TABLE sites")


def run_case(folder: Path, archive: str, arguments: list[str]) -> dict[str, Any]:
    return run_read_command(f"sqlite:///{archive}.db", arguments, folder)


def run_read_command(db_url: str, arguments: list[str], folder: Path) -> dict[str, Any]:
    """The command's exit status and output, in ``folder``, with a fixed width and clock."""
    environment = {**os.environ, "COLUMNS": "100", "NO_COLOR": ""}
    environment.pop("NEWSARCHIVE_DB", None)
    environment.pop(CLOCK_VARIABLE, None)
    if arguments[0] == "due":  # what is due depends on the time
        environment[CLOCK_VARIABLE] = DUE_NOW
    done = subprocess.run(
        [sys.executable, "-m", "crawler", "--db", db_url, *arguments],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**environment, "PYTHONPATH": str(REPO)},
    )
    return {"exit": done.returncode, "stdout": done.stdout, "stderr": done.stderr}


@pytest.fixture(scope="module")
def archives(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("read-output")
    make_archives(folder)
    return folder


@pytest.fixture(scope="module")
def expected() -> dict[str, dict[str, Any]]:
    loaded: dict[str, dict[str, Any]] = json.loads(EXPECTED.read_text(encoding="utf-8"))
    return loaded


@pytest.mark.parametrize("name", list(CASES))
def test_read_command_prints_what_it_printed_before(
    archives: Path, expected: dict[str, dict[str, Any]], name: str
) -> None:
    archive, arguments = CASES[name]
    assert run_case(archives, archive, arguments) == expected[name]


def test_read_commands_never_create_an_archive(archives: Path) -> None:
    run_case(archives, "absent", ["list"])
    assert not (archives / "absent.db").exists()
    assert sorted(p.name for p in archives.iterdir() if p.name.startswith("absent")) == []


def test_every_case_has_its_expectation(expected: dict[str, dict[str, Any]]) -> None:
    assert set(expected) == set(CASES)
    # A case that cannot fail would compare nothing: each printed something.
    assert all(result["stdout"] or result["stderr"] for result in expected.values())


# What reads the same on PostgreSQL (search ranks by another function, so its scores differ).
SAME_ON_POSTGRES = [
    name
    for name, (archive, arguments) in CASES.items()
    if archive in ("good", "due")
    and arguments[0] in ("list", "stats", "show", "history", "diff", "due")
]


@pytest.mark.postgres_only
@pytest.mark.parametrize("name", SAME_ON_POSTGRES)
def test_read_commands_print_the_same_on_postgresql(
    postgres_db_url: str, expected: dict[str, dict[str, Any]], name: str, tmp_path: Path
) -> None:
    # The read queries' one definition, run through a session there (storage/reading.py).
    archive_name, arguments = CASES[name]
    with open_archive(postgres_db_url) as archive:  # a fresh database for each test
        build_read_archive(archive)
        if archive_name == "due":
            add_due_rows(archive)
    (tmp_path / "due-sites.toml").write_text(DUE_SITES)
    assert run_read_command(postgres_db_url, arguments, tmp_path) == expected[name]


def _write_expectations() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        make_archives(folder)
        results = {case: run_case(folder, *CASES[case]) for case in CASES}
    EXPECTED.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    _write_expectations()
