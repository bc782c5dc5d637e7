"""Read-only commands start without Scrapy or trafilatura (those are for crawls; issue 27).

Each command runs in a fresh interpreter, as a user runs it, against a real archive; the
process then lists the heavy packages it imported. Start-up times are measured by
benchmarks/startup.py, not here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest

from crawler.cli import main
from crawler.cli.commands import COMMANDS as REGISTRY
from storage import open_archive
from tests.crawler.cli.read_archive import BUDGET, add_due_rows, build_read_archive

REPO = Path(__file__).resolve().parents[3]
HEAVY = ("scrapy", "trafilatura", "twisted", "sqlalchemy", "lxml", "web")
PROBE = (
    "import sys\n"
    "from crawler.__main__ import main\n"
    "sys.argv = ['newsarchive', *sys.argv[1:]]\n"
    "try:\n    main()\nexcept SystemExit:\n    pass\n"
    f"print('HEAVY', sorted({{m for m in sys.modules if m.startswith({HEAVY!r})}}), "
    "file=sys.stderr)\n"
)
URL = BUDGET
COMMANDS = [
    ["--version"],
    ["--help"],
    ["list"],
    ["stats"],
    ["search", "budget"],
    ["show", URL],
    ["history", URL],
    ["diff", URL],
    ["due"],
    ["search", "--help"],
]


# More of those commands, with options.
WITH_OPTIONS = [
    ["list", "--site", "news.example", "--since", "2026-11-01", "--changed-only", "--json"],
    ["search", "budget", "--all-versions", "--site", "news.example", "--json"],
    ["show", URL, "--at", "2026-11-21", "--json"],
    ["history", URL, "--changed-field", "headline", "--json"],
    ["diff", URL, "1", "2", "--json"],
    ["due", "--json"],
    ["due", "--queued"],
]
# The read-only commands that read a SQLite archive without SQLAlchemy (issue 27).
READS_WITHOUT_SQLALCHEMY = [
    *COMMANDS[2:9],  # list, stats, search, show, history, diff, due
    *WITH_OPTIONS,
]


@pytest.fixture(scope="module")
def archive_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('fast') / 'archive.db'}"
    with open_archive(url) as archive:
        build_read_archive(archive)  # so each command reads rows, not an empty archive
        add_due_rows(archive)
    return url


def heavy_modules(archive_url: str, command: list[str]) -> tuple[list[str], str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "--db", archive_url, *command],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    line = next(x for x in reversed(done.stderr.splitlines()) if x.startswith("HEAVY "))
    return json.loads(line.removeprefix("HEAVY ").replace("'", '"')), done.stdout


@pytest.mark.parametrize("command", COMMANDS + WITH_OPTIONS, ids=" ".join)
def test_read_only_commands_import_neither_scrapy_nor_trafilatura(
    archive_url: str, command: list[str]
) -> None:
    modules, stdout = heavy_modules(archive_url, command)
    crawling = {m.split(".")[0] for m in modules} & {"scrapy", "trafilatura", "twisted", "web"}
    assert crawling == set()
    if command in (["--version"], ["--help"]):
        # Nothing of the database either: these answer before any command is loaded.
        assert modules == []
    if command in READS_WITHOUT_SQLALCHEMY:
        # A current SQLite archive is read through sqlite3 alone (storage/read_only.py).
        assert [m for m in modules if m.startswith("sqlalchemy")] == []
    if command == ["--version"]:
        assert "0.1" in stdout  # the command really ran
    if command in READS_WITHOUT_SQLALCHEMY:
        assert stdout  # it read the archive and printed what it found


def test_an_sqlite_url_with_options_still_goes_through_sqlalchemy(
    tmp_path: Path,
) -> None:
    # The probe sees SQLAlchemy when the fast path does not apply: the check above can fail.
    url = f"sqlite:///{tmp_path / 'archive.db'}?timeout=5"
    open_archive(url).close()
    modules, _ = heavy_modules(url, ["list"])
    assert any(m.startswith("sqlalchemy") for m in modules)


def test_help_lists_every_command_as_it_documents_itself() -> None:
    # `newsarchive --help` lists the commands from crawler/cli/commands.py without loading
    # them; the list must read exactly as it does once every command is loaded.
    load_all = (
        "import importlib, sys\n"
        "from crawler.cli.commands import COMMANDS\n"
        "for module, _ in COMMANDS.values():\n    importlib.import_module(module)\n"
        "from crawler.__main__ import main\n"
        "sys.argv = ['newsarchive', '--help']\nmain()\n"
    )
    lazy, eager = (
        subprocess.run(
            argv, cwd=REPO, capture_output=True, text=True, timeout=120, check=False
        ).stdout
        for argv in (
            [sys.executable, "-m", "crawler", "--help"],
            [sys.executable, "-c", load_all],
        )
    )
    assert "Commands:" in lazy
    assert _commands_section(lazy) == _commands_section(eager)
    context = click.Context(main, info_name="newsarchive")
    for name, (module, _) in REGISTRY.items():
        command = main.get_command(context, name)
        assert command is not None, name
        assert command.callback is not None
        assert command.callback.__module__ == module, name


def _commands_section(help_text: str) -> str:
    return help_text[help_text.index("Commands:") :]


def test_the_probe_sees_extraction_import_trafilatura(archive_url: str, tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text("<html><body><article><p>" + "A sentence of the story. " * 20 + "</p>")
    modules, _ = heavy_modules(archive_url, ["extract", str(page)])
    assert any(m.startswith("trafilatura") for m in modules)
