"""Whatever a user types after a read command: a result or one error line, never a traceback.

Hypothesis builds command lines for the commands that only read (on an archive holding one
article) from their options and surprising values: empty strings, huge and negative numbers,
bad dates, non-URLs, control characters, unknown formats.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.cli import main

URL = "https://news.example/story.html"
VALUES = st.sampled_from(
    [
        "", " ", "0", "-1", "1", "2", "99999999999999999999", "-99999999999999999999", "1e309",
        "nan", "yesterday", "2026-13-45", "0000-01-01", "9999-12-31T23:59:59+14:00",
        "2026-01-01", URL, "notaurl", "http://[::1", "ftp://x/", "\x1b[31m", "a\tb", "é",
        "jsonl", "csv", "warc", "pdf", "headline", "-", "--", "--json", "NOT", '"', "a OR",
        "*", "x" * 600,
    ]
)  # fmt: skip
COMMANDS = {
    "list": ["--since", "--until", "--limit", "--site", "--json"],
    "search": ["--since", "--until", "--site", "--limit", "--all-versions", "--json"],
    "history": ["--changed-field", "--json"],
    "show": ["--version", "--at", "--json"],
    "diff": ["--json"],
    "stats": ["--json"],
    "due": ["--queued", "--json"],
    "export": ["--format", "--since", "--until", "--site"],
    "boilerplate": ["--json"],
}


@pytest.fixture(scope="module")
def archive_with_one_article(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("any-arguments")
    record = {"url": URL, "version": 1, "captured_at": "2026-01-01T00:00:00Z",
              "title": "A headline", "text": "Words of the story."}  # fmt: skip
    (folder / "one.jsonl").write_text(json.dumps(record) + "\n")
    db = f"sqlite:///{folder / 'a.db'}"
    done = CliRunner().invoke(main, ["--db", db, "import-jsonl", str(folder / "one.jsonl")])
    assert done.exit_code == 0, done.output
    return db


@st.composite
def command_lines(draw: st.DrawFn) -> list[str]:
    command = draw(st.sampled_from(sorted(COMMANDS)))
    words = [command, *draw(st.lists(VALUES, max_size=2))]
    for option in draw(st.lists(st.sampled_from(COMMANDS[command]), max_size=3)):
        words += [option, draw(VALUES)]
    return words


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(command_lines())
def test_any_read_command_line_gives_a_result_or_one_error_line(
    archive_with_one_article: str, tmp_path: Path, words: list[str]
) -> None:
    done = CliRunner().invoke(
        main, ["--db", archive_with_one_article, *words], prog_name="newsarchive"
    )
    assert done.exit_code in (0, 1, 2), (words, done.output)
    assert "Traceback" not in done.stderr, words
    assert "error: unexpected" not in done.stderr, (words, done.stderr)  # the last resort
    errors = [line for line in done.stderr.splitlines() if "error:" in line]
    assert len(errors) <= 1, (words, done.stderr)
