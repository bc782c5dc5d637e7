"""Issue 21: a new user's mistakes with commands that fetch nothing, run as the user runs them."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.cli import main
from crawler.output import table


def newsarchive(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSARCHIVE_")}
    return subprocess.run(
        [sys.executable, "-m", "crawler", *args],
        cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip


def one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("newsarchive: error: "), done.stderr
    return lines[0]


def test_a_sqlite_url_with_two_slashes_gets_the_right_forms(tmp_path: Path) -> None:
    done = newsarchive("--db", "sqlite://tmp/x.db", "list", cwd=tmp_path)
    assert done.returncode == 2
    line = one_error_line(done)
    assert "sqlite:///relative/path.db" in line
    assert "sqlite:////absolute/path.db" in line


def test_a_file_that_is_not_sqlite_is_exit_5_and_left_untouched(tmp_path: Path) -> None:
    notes = tmp_path / "notes.db"
    notes.write_bytes(b"my notes, not a database\n" * 100)
    done = newsarchive("--db", f"sqlite:///{notes}", "list", cwd=tmp_path)
    assert done.returncode == 5
    assert "not a database" in one_error_line(done)
    assert notes.read_bytes() == b"my notes, not a database\n" * 100
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.db"]


def test_a_mistyped_command_is_one_line_with_did_you_mean(tmp_path: Path) -> None:
    done = newsarchive("lst", cwd=tmp_path)
    assert done.returncode == 2
    assert "Did you mean 'list'?" in one_error_line(done)


SLOW = pytest.mark.slow  # `archive` and `crawl` command lines: the conftest guard wants it


@pytest.mark.parametrize(
    "args",
    [
        ("history",),
        ("search",),
        ("list", "--limit", "many"),
        ("list", "--since", "yesterday"),
        ("export", "--format", "pdf"),
        ("serve", "--port", "99999"),
        ("list", "--no-such-option"),
        # found walking every command with surprising values (these crashed or were taken):
        ("list", "--limit", "99999999999999999999"),
        ("show", "https://x.example/a", "--version", "99999999999999999999"),
        ("diff", "https://x.example/a", "-99999999999999999999"),
        pytest.param(
            ("archive", "--delay", "-1", "https://x.example/a"), marks=SLOW
        ),  # refused before any crawl
        pytest.param(
            ("crawl", "--site", "https://x.example/", "--delay", "-2"), marks=SLOW
        ),  # refused before any crawl
        pytest.param(("crawl", "--feed", ""), marks=SLOW),  # refused before any crawl
        pytest.param(
            ("crawl", "--sitemap", "ftp://x.example/sitemap.xml"), marks=SLOW
        ),  # refused before any crawl
        ("migrate-db", "--from", "sqlite://two-slashes.db", "--to", "sqlite:///y.db"),
        ("migrate-db", "--from", "sqlite:///a.db", "--to", "y.db"),
        (
            "migrate-db",
            "--from",
            "sqlite:///a.db",
            "--to",
            "sqlite:///y.db",
            "--batch-size",
            "99999999999999999999",
        ),
        ("boilerplate", "x.example", "--learn", "--min-share", "-5"),
    ],
)
def test_wrong_arguments_are_one_line_and_exit_2(tmp_path: Path, args: tuple[str, ...]) -> None:
    done = newsarchive("--db", f"sqlite:///{tmp_path / 'a.db'}", *args, cwd=tmp_path)
    assert done.returncode == 2
    assert f"see 'newsarchive {args[0]} --help'" in one_error_line(done)


def test_an_argument_that_is_not_text_is_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSARCHIVE_")}
    done = subprocess.run(
        [sys.executable, "-m", "crawler", "search", b"caf\xe9"],
        cwd=tmp_path, env={**env, "LC_ALL": "C.UTF-8"}, capture_output=True, text=True,
        check=False, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert one_error_line(done) == (
        "newsarchive: error: argument 2 (caf\\udce9) is not valid UTF-8 text"
    )


def test_serve_on_a_port_in_use_is_one_line(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'a.db'}"
    assert newsarchive("--db", db, "db", "upgrade", cwd=tmp_path).returncode == 0
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        done = newsarchive("--db", db, "serve", "--port", port, cwd=tmp_path)
    assert done.returncode == 1
    assert one_error_line(done).startswith(
        f"newsarchive: error: cannot listen on 127.0.0.1:{port}: Address already in use"
    )


def test_migrate_db_from_a_missing_archive_creates_nothing(tmp_path: Path) -> None:
    done = newsarchive("migrate-db", "--from", "sqlite:///gone.db", "--to", "sqlite:///new.db",
                       cwd=tmp_path)  # fmt: skip
    assert done.returncode == 1
    assert one_error_line(done) == "newsarchive: error: --from: no archive at ./gone.db"
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_import_warc_of_an_empty_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "empty.warc.gz").write_bytes(b"")
    done = newsarchive("--db", f"sqlite:///{tmp_path / 'a.db'}", "import-warc", "empty.warc.gz",
                       cwd=tmp_path)  # fmt: skip
    assert done.returncode == 1
    assert "empty.warc.gz: holds no WARC record" in one_error_line(done)


def test_no_command_at_all_shows_the_help(tmp_path: Path) -> None:
    done = newsarchive(cwd=tmp_path)
    assert done.returncode == 0
    assert "Usage: newsarchive" in done.stdout
    assert "Commands:" in done.stdout


def test_a_file_that_is_not_a_warc_is_reported_with_its_offset(tmp_path: Path) -> None:
    (tmp_path / "x.warc").write_text("hello\n")
    done = newsarchive("--db", f"sqlite:///{tmp_path / 'a.db'}", "import-warc", "x.warc",
                       cwd=tmp_path)  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "newsarchive: x.warc offset 0: not a WARC record (no WARC/1.x line); skipped",
        "imported: nothing; skipped: none; unreadable: 1",
    ]


def test_verbose_shows_the_cause_of_an_unexpected_error(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'a.db'}"
    assert newsarchive("--db", db, "db", "upgrade", cwd=tmp_path).returncode == 0
    missing = str(tmp_path / "no" / "such" / "x.jsonl")
    done = newsarchive("--db", db, "-v", "export", "--output", missing, cwd=tmp_path)
    assert done.returncode == 1
    assert "Traceback" in done.stderr
    assert "x.jsonl: No such file or directory" in done.stderr.splitlines()[-1]


def test_allow_private_network_is_accepted_after_the_command(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'a.db'}"
    assert newsarchive("--db", db, "db", "upgrade", cwd=tmp_path).returncode == 0
    done = newsarchive("--db", f"sqlite:///{tmp_path / 'a.db'}", "list",
                       "--allow-private-network", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("after", [False, True], ids=["before", "after"])
def test_global_options_work_before_and_after_the_command(tmp_path: Path, after: bool) -> None:
    """--db and -v mean the same before the command name and after it (in a group's too)."""
    db = f"sqlite:///{tmp_path / 'a.db'}"

    def run(command: list[str], *options: str) -> subprocess.CompletedProcess[str]:
        arguments = [*command, *options] if after else [*options, *command]
        return newsarchive(*arguments, cwd=tmp_path)

    upgraded = run(["db", "upgrade"], "--db", db, "-v")
    assert upgraded.returncode == 0, upgraded.stderr
    assert "INFO alembic" in upgraded.stderr  # -v shows the libraries' lines
    assert (tmp_path / "a.db").exists()
    assert not (tmp_path / "newsarchive.db").exists()
    listed = run(["list", "--json"], "--db", db)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout == ""
    quiet = run(["db", "current"], "--db", db)
    assert quiet.returncode == 0
    assert "INFO" not in quiet.stderr
    wrong = run(["list"], "--db", "sqlite://two-slashes.db")
    assert wrong.returncode == 2
    assert "--db sqlite://two-slashes.db: malformed SQLite URL" in one_error_line(wrong)


def test_another_global_option_after_the_command_says_where_it_goes(tmp_path: Path) -> None:
    done = newsarchive("db", "current", "--sqlite-busy-timeout", "3", cwd=tmp_path)
    assert done.returncode == 2
    assert one_error_line(done) == (
        "newsarchive: error: --sqlite-busy-timeout is a global option: give it before the "
        "command name ('newsarchive --sqlite-busy-timeout ... db current ...')"
    )


def test_max_articles_says_it_is_per_run() -> None:
    result = CliRunner().invoke(main, ["crawl", "--help"], prog_name="newsarchive")
    assert "Stop this run after this many articles" in " ".join(result.stdout.split())


def test_a_table_not_on_a_terminal_keeps_every_value_whole() -> None:
    url = "https://example.com/news/" + "a-very-long-slug-" * 10 + ".html"
    printed = table(["title", "url"], [["Headline", url]])
    assert url in printed
    assert "…" not in printed


def test_list_into_a_pipe_prints_every_value_whole(tmp_path: Path) -> None:
    """`newsarchive list | cat`: the real command, stdout a pipe, a URL of 200 characters."""
    url = "https://example.com/news/" + "a-very-long-slug-" * 10 + ".html"
    record = {"url": url, "version": 1, "captured_at": "2026-01-01T00:00:00Z",
              "title": "Headline " * 12, "text": "Words of the story."}  # fmt: skip
    (tmp_path / "one.jsonl").write_text(json.dumps(record) + "\n")
    db = f"sqlite:///{tmp_path / 'a.db'}"
    assert newsarchive("--db", db, "import-jsonl", "one.jsonl", cwd=tmp_path).returncode == 0
    done = newsarchive("--db", db, "list", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert url in done.stdout
    assert ("Headline " * 12).strip() in done.stdout
    assert "…" not in done.stdout


def test_a_table_on_a_terminal_is_fitted_to_its_width() -> None:
    url = "https://example.com/news/" + "a-very-long-slug-" * 10 + ".html"
    printed = table(["title", "url"], [["Headline", url]], width=60)
    assert all(len(line) <= 60 for line in printed.splitlines())
    assert "…" in printed


def test_an_output_file_in_a_missing_folder_is_one_line(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'a.db'}"
    assert newsarchive("--db", db, "db", "upgrade", cwd=tmp_path).returncode == 0
    done = newsarchive("--db", f"sqlite:///{tmp_path / 'a.db'}", "export", "--output",
                       str(tmp_path / "no" / "such" / "x.jsonl"), cwd=tmp_path)  # fmt: skip
    assert done.returncode == 1
    assert "x.jsonl: No such file or directory" in one_error_line(done)
