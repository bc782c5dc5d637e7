"""Opening an archive as users do: a fresh folder, read-only media, six cron jobs at once.

Every case runs the real `newsarchive` command in subprocesses on real files.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
URL = "https://example.com/news/story.html"
# Commands that only read, with the arguments each needs.
READ_COMMANDS = [
    ["list"],
    ["search", "hello"],
    ["history", URL],
    ["show", URL],
    ["diff", URL],
    ["export", "--format", "jsonl"],
    ["stats"],
    ["due"],
]


def run(
    cwd: Path, *args: str, db: str | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "NEWSARCHIVE_DB"}
    env["PYTHONPATH"] = str(REPO)
    command = [sys.executable, "-m", "crawler", *(["--db", db] if db else []), *args]
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def version_line(version: int, text: str) -> str:
    record = {"url": URL, "version": version, "captured_at": f"2026-01-0{version}T00:00:00Z"}
    return json.dumps({**record, "text": text, "title": f"Hello v{version}"})


def make_archive(folder: Path) -> Path:
    """An archive with two versions of one article, made by the real import command."""
    folder.mkdir(parents=True, exist_ok=True)
    source = folder.parent / "seed.jsonl"
    source.write_text(
        version_line(1, "Hello world, first words.")
        + "\n"
        + version_line(2, "Hello world, second words.")
        + "\n"
    )
    done = run(folder, "import-jsonl", str(source), db="sqlite:///archive.db")
    assert done.returncode == 0, done.stderr
    for extra in folder.glob("archive.db-*"):
        extra.unlink()  # as a copied snapshot would be: the file alone
    return folder / "archive.db"


@pytest.mark.parametrize("args", READ_COMMANDS, ids=lambda a: a[0])
def test_read_commands_in_a_fresh_folder_create_nothing(tmp_path: Path, args: list[str]) -> None:
    done = run(tmp_path, *args)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        "newsarchive: error: no archive at ./newsarchive.db "
        "(use --db or NEWSARCHIVE_DB, or archive something first)"
    )
    assert list(tmp_path.iterdir()) == []


def test_an_empty_file_left_by_an_older_version_is_no_archive(tmp_path: Path) -> None:
    (tmp_path / "newsarchive.db").write_bytes(b"")
    done = run(tmp_path, "list")
    assert done.returncode == 1
    assert "no archive at ./newsarchive.db (the file holds no archive)" in done.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["newsarchive.db"]


@pytest.fixture
def read_only_archive(tmp_path: Path) -> Iterator[Path]:
    """An archive file chmod 0444 in a folder chmod 0555 (a snapshot, evidence)."""
    path = make_archive(tmp_path / "snapshot")
    path.chmod(0o444)
    path.parent.chmod(0o555)
    yield path
    path.parent.chmod(0o755)


def assert_read_commands_work(path: Path) -> None:
    before = sorted(p.name for p in path.parent.iterdir())
    content = path.read_bytes()
    for args in READ_COMMANDS:
        done = run(path.parent.parent, *args, db=f"sqlite:///{path}")
        assert done.returncode == 0, (args, done.stderr)
        assert "Traceback" not in done.stderr
    listing = run(path.parent.parent, "list", "--json", db=f"sqlite:///{path}")
    assert URL in listing.stdout
    shown = run(path.parent.parent, "show", URL, db=f"sqlite:///{path}")
    assert "second words" in shown.stdout
    assert sorted(p.name for p in path.parent.iterdir()) == before  # no -wal, -shm, journal
    assert path.read_bytes() == content


def test_read_commands_work_on_a_read_only_file(read_only_archive: Path) -> None:
    assert_read_commands_work(read_only_archive)


def test_serve_works_on_a_read_only_file(read_only_archive: Path) -> None:
    import socket
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "crawler", "--db", f"sqlite:///{read_only_archive}"]
    server = subprocess.Popen(
        [*command, "serve", "--port", str(port)], env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        page = ""
        deadline = time.monotonic() + 60  # start-up on a loaded machine takes many seconds
        while True:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/api/search?q=hello", timeout=10
                ) as answer:
                    page = answer.read().decode()
                break
            except OSError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                if time.monotonic() > deadline:
                    break
                time.sleep(0.2)
        assert "Hello v2" in page
    finally:
        server.terminate()
        server.communicate(timeout=30)
    assert sorted(p.name for p in read_only_archive.parent.iterdir()) == ["archive.db"]


def test_a_read_only_file_system(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("mounting a read-only tmpfs needs root")
    mount_point = tmp_path / "mounted"
    mount_point.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "tmpfs", str(mount_point)], check=False).returncode:
        pytest.skip("mount -t tmpfs failed here (no CAP_SYS_ADMIN in this container?)")
    try:
        source = make_archive(tmp_path / "work")
        shutil.copy(source, mount_point / "archive.db")
        remount = ["mount", "-o", "remount,ro", str(mount_point)]
        if subprocess.run(remount, check=False).returncode:
            pytest.skip("remounting the tmpfs read-only failed here")
        assert_read_commands_work(mount_point / "archive.db")
    finally:
        subprocess.run(["umount", str(mount_point)], check=False)


def test_an_older_read_only_archive_is_not_migrated(read_only_archive: Path) -> None:
    import sqlite3

    folder = read_only_archive.parent
    folder.chmod(0o755)
    read_only_archive.chmod(0o644)
    with sqlite3.connect(read_only_archive) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0008'")
    connection.close()
    read_only_archive.chmod(0o444)
    folder.chmod(0o555)
    content = read_only_archive.read_bytes()
    done = run(folder.parent, "list", db=f"sqlite:///{read_only_archive}")
    assert done.returncode == 1
    assert "older newsarchive and is read-only" in done.stderr
    assert read_only_archive.read_bytes() == content


def test_six_processes_start_on_a_new_archive_at_once(tmp_path: Path) -> None:
    """Like six cron jobs: all of them create-or-open the same new file; all succeed."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "NEWSARCHIVE_DB": "sqlite:///shared.db"}
    sources = []
    for number in range(6):
        source = tmp_path / f"job{number}.jsonl"
        line = version_line(1, f"Story number {number}, its words.")
        source.write_text(line.replace("story.html", f"story{number}.html") + "\n")
        sources.append(source)
    jobs = [
        subprocess.Popen(
            [sys.executable, "-m", "crawler", "import-jsonl", str(source)],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for source in sources
    ]
    results = [(job.wait(timeout=180), *job.communicate()) for job in jobs]
    for code, _stdout, stderr in results:
        assert code == 0, stderr
        assert "Traceback" not in stderr
    listing = run(tmp_path, "list", "--json", db="sqlite:///shared.db")
    assert listing.returncode == 0
    assert sum("story" in line for line in listing.stdout.splitlines()) == 6
