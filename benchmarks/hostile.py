"""Every hostile-input case and crash drill of issue 8, with its outcome, peak memory and time.

Each hostile URL is archived by its own `newsarchive archive` process (so peak memory is that
case's own) against the hostile server of demosite/hostile.py, with the shipped limits unless
--quick; the crash drills run the demo news site. Prints a Markdown table; --write also puts
it in docs/hostile.md. With --case NAME (repeatable) only the hostile URL cases so named run,
and --write replaces only their rows.

    python benchmarks/hostile.py [--quick] [--articles 1000] [--kills 20] [--write]
    python benchmarks/hostile.py --case "Crawl-delay: 2 (3 pages)" --write
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from crawler import settings  # noqa: E402
from demosite.hostile import HostileServer  # noqa: E402
from demosite.server import DemoServer, serve  # noqa: E402
from demosite.site import NewsSite  # noqa: E402
from tests.hostile.checks import archive_health, archived_urls  # noqa: E402
from tests.hostile.conftest import FAST_LIMITS  # noqa: E402
from tests.hostile.faults import (  # noqa: E402
    crawl_command,
    finish,
    hold_write_lock,
    kill_9_loop,
    start,
    versions_so_far,
)

CASES: list[tuple[str, str, str]] = [  # (case, path, listener)
    ("endless body", "/endless", "main"),
    ("slow-drip body (1 byte / 0.2 s)", "/slow-drip", "main"),
    ("accepts, never answers", "/hang", "main"),
    ("gzip bomb (128 MB inflated)", "/gzip-bomb", "main"),
    ("deflate bomb (128 MB inflated)", "/deflate-bomb", "main"),
    ("Content-Length longer than body", "/short-body", "main"),
    ("broken chunking", "/bad-chunks", "main"),
    ("redirect loop", "/redirect-loop/a", "main"),
    ("endless redirect chain", "/redirect-chain/0", "main"),
    ("meta-refresh loop", "/meta-loop/a", "main"),
    ("redirect to file:", "/redirect-to/file", "main"),
    ("redirect to ftp:", "/redirect-to/ftp", "main"),
    ("redirect to data:", "/redirect-to/data", "main"),
    ("redirect to javascript:", "/redirect-to/javascript", "main"),
    ("robots.txt 5xx", "/article/x", "robots_500"),
    ("robots.txt never answers", "/article/x", "robots_hang"),
    ("robots.txt 404 (allow)", "/article/ok", "main"),
    ("10 MB robots.txt, allowed part", "/article/ok", "robots_huge"),
    ("10 MB robots.txt, disallowed part", "/private/x", "robots_huge"),
    ("Crawl-delay: 2 (3 pages)", "/article/1 /article/2 /article/3", "crawl_delay"),
    ("429 + Retry-After: 2", "/retry-after/x", "main"),
    ("503 + Retry-After: 2", "/unavailable/x", "main"),
    ("429 + Retry-After: 1 day", "/too-long-retry/x", "busy"),
    ("binary labelled text/html", "/binary-as-html", "main"),
    ("charset lie (UTF-8 header, cp1251 body)", "/charset-lie", "main"),
    ("unknown charset", "/charset-unknown", "main"),
    ("BOM against header", "/bom-vs-header", "main"),
    ("invalid UTF-8", "/invalid-utf8", "main"),
    ("50,000 nested divs", "/deep-nesting", "main"),
    ("quadratic HTML (100,000 open <p>)", "/quadratic", "main"),
    ("empty body", "/empty", "main"),
    ("200 with an error page", "/soft-404", "main"),
    ("very long URL (10,000 chars)", "/article/" + "long-" * 2000, "main"),
]


@dataclass
class Row:
    case: str
    outcome: str
    peak_mb: float
    seconds: float

    def cells(self) -> list[str]:
        return [self.case, self.outcome, f"{self.peak_mb:.0f}", f"{self.seconds:.1f}"]


def run_measured(
    command: list[str], env: dict[str, str], timeout: float = 1800
) -> tuple[int, str, str, float, float]:
    """Run a command; its exit code, output, peak RSS in MB and wall time.

    The peak is ``wait4``'s ru_maxrss: the largest of the process and the children it reaped
    (its extraction workers).
    """
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(
            command, cwd=REPO, env={**os.environ, **env}, stdout=out, stderr=err, text=True
        )
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                process.kill()
            time.sleep(0.05)
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return (
            process.returncode,
            out.read(),
            err.read(),
            usage.ru_maxrss / 1024,
            time.perf_counter() - started,
        )


def cli(db_url: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "crawler", "--db", db_url, "--allow-private-network", *args]


def outcome_of(stdout: str) -> str:
    results = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    parts = [r["error_reason"] if r["status"] == "error" else r["status"] for r in results]
    return ", ".join(dict.fromkeys(parts)) or "no result"


def hostile_case(
    server: HostileServer, folder: Path, env: dict[str, str], case: tuple[str, str, str]
) -> Row:
    name, paths, listener = case
    db_url = f"sqlite:///{folder / (str(abs(hash(name))) + '.db')}"
    urls = [server.url(p, listener) for p in paths.split()]
    _, out, err, peak, seconds = run_measured(
        cli(db_url, "archive", "--json", "--delay", "0", *urls), env
    )
    outcome = outcome_of(out)
    if "Traceback" in err and "extraction crashed" in err:
        outcome += " (extractor crashed)"
    return Row(name, outcome, peak, seconds)


def ads_case(server: HostileServer, folder: Path, env: dict[str, str]) -> Row:
    db_url = f"sqlite:///{folder / 'ads.db'}"
    url = server.url("/ads/story")
    peak = seconds = 0.0
    outcomes = []
    for _ in range(2):
        _, out, _, p, s = run_measured(cli(db_url, "archive", "--json", url), env)
        outcomes.append(outcome_of(out))
        peak, seconds = max(peak, p), seconds + s
    return Row("ads change on every fetch (2 fetches)", " then ".join(outcomes), peak, seconds)


def private_case(server: HostileServer, folder: Path, env: dict[str, str]) -> Row:
    db_url = f"sqlite:///{folder / 'private.db'}"
    port = server.urls["main"].rsplit(":", 1)[1]
    command = [sys.executable, "-m", "crawler", "--db", db_url, "archive", "--json"]
    command += [f"http://127.0.0.1:{port}/article/a", f"http://localhost:{port}/article/b"]
    _, out, _, peak, seconds = run_measured(
        command, {**env, "NEWSARCHIVE_ALLOW_PRIVATE_NETWORK": "0"}
    )
    return Row(
        "127.0.0.1 / localhost without --allow-private-network", outcome_of(out), peak, seconds
    )


def credentials_case(server: HostileServer, folder: Path, env: dict[str, str]) -> Row:
    db = folder / "credentials.db"
    port = server.urls["main"].rsplit(":", 1)[1]
    url = f"http://reader:s3cret@127.0.0.1:{port}/article/creds"
    _, out, err, peak, seconds = run_measured(cli(f"sqlite:///{db}", "archive", "--json", url), env)
    leaked = "s3cret" in out + err + "\n".join(sqlite3.connect(db).iterdump())
    outcome = outcome_of(out) + (
        "; password LEAKED" if leaked else "; password not sent, logged or stored"
    )
    return Row("credentials in the URL", outcome, peak, seconds)


def drills(site: DemoServer, folder: Path, articles: int, kills: int) -> list[Row]:
    rows = []
    sitemap = site.url + "/sitemap-articles.xml"
    expected = {site.url + p for p in site.site.article_paths()}

    path = folder / "kill9.db"
    db_url = f"sqlite:///{path}"
    started = time.perf_counter()
    kill_9_loop(db_url, path, sitemap, kills=kills, max_wait=6.0)
    done = finish(db_url, sitemap, timeout=1800)
    health = archive_health(path)
    exact = archived_urls(path) == expected and health.versions == articles
    rows.append(
        Row(
            f"kill -9 x{kills} during a {articles}-page crawl, then resume",
            f"exit {done.returncode}; {'every article once' if exact else 'MISMATCH'}; "
            f"leased {health.leased}; gap-free {health.gapped_articles == 0}; "
            f"integrity {health.integrity}",
            0.0,
            time.perf_counter() - started,
        )
    )

    path = folder / "locked.db"
    db_url = f"sqlite:///{path}"
    first, second = (site.url + p for p in site.site.article_paths()[:2])
    run_measured(cli(db_url, "archive", first), {})
    holder = hold_write_lock(path, seconds=8)
    code, out, err, peak, seconds = run_measured(
        cli(db_url, "archive", "--json", second), {"NEWSARCHIVE_SQLITE_BUSY_TIMEOUT": "2"}
    )
    holder.wait(60)
    waits = sum("database is locked" in line for line in err.splitlines())
    rows.append(
        Row(
            "write lock held 8 s by another process (busy timeout 2 s)",
            f"exit {code}; {outcome_of(out)}; {waits} log line(s)",
            peak,
            seconds,
        )
    )

    path = folder / "full.db"
    db_url = f"sqlite:///{path}"
    run_measured(cli(db_url, "archive", first), {})
    code, _, err, peak, seconds = run_measured(
        cli(db_url, "crawl", "--sitemap", sitemap, "--delay", "0", "--quiet"),
        {"NEWSARCHIVE_SQLITE_MAX_PAGES": "400"},
    )
    partial = archive_health(path)
    code2, *_ = run_measured(
        cli(db_url, "crawl", "--sitemap", sitemap, "--delay", "0", "--quiet"), {}
    )
    health = archive_health(path)
    rows.append(
        Row(
            "database full (max_page_count), then resume",
            f"exit {code} after {partial.articles} articles (integrity {partial.integrity}); "
            f"resume exit {code2}, {health.articles}/{articles} articles, "
            f"{health.versions} versions",
            peak,
            seconds,
        )
    )

    path = folder / "four.db"
    db_url = f"sqlite:///{path}"
    paths = site.site.article_paths()[:120]
    run_measured(cli(db_url, "archive", site.url + paths[0]), {})
    started = time.perf_counter()
    runs = [
        start(
            cli(
                db_url,
                "archive",
                "--json",
                "--delay",
                "0",
                *(site.url + p for p in paths[i * 20 : i * 20 + 60]),
            )
        )
        for i in range(4)
    ]
    errs = [r.communicate(timeout=900)[1] for r in runs]
    health = archive_health(path)
    locked = sum("database is locked" in e for e in errs)
    rows.append(
        Row(
            "4 processes, overlapping URLs, one SQLite file",
            f"exits {[r.returncode for r in runs]}; 'locked' surfaced {locked}x; "
            f"{health.articles} articles, {health.versions} versions",
            0.0,
            time.perf_counter() - started,
        )
    )

    path = folder / "sigterm.db"
    db_url = f"sqlite:///{path}"
    started = time.perf_counter()
    process = start(crawl_command(db_url, sitemap))
    while versions_so_far(path) < 20 and time.perf_counter() - started < 120:
        time.sleep(0.1)
    os.kill(process.pid, signal.SIGTERM)
    process.communicate(timeout=120)
    health = archive_health(path)
    rows.append(
        Row(
            "SIGTERM during a crawl",
            f"exit {process.returncode}; leased {health.leased}; {health.articles} archived",
            0.0,
            time.perf_counter() - started,
        )
    )
    return rows


def table(rows: list[Row]) -> str:
    lines = ["| case | outcome / reason | peak RSS MB | seconds |", "|---|---|---:|---:|"]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in r.cells()) + " |" for r in rows]
    return "\n".join(lines)


def chosen_cases(names: list[str]) -> list[tuple[str, str, str]]:
    """The hostile URL cases named, in their order (all of them without names)."""
    if not names:
        return list(CASES)
    known = {case[0] for case in CASES}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ValueError(f"no case {unknown[0]!r}; the cases: " + "; ".join(sorted(known)))
    return [case for case in CASES if case[0] in names]


def with_rows(doc: str, rows: list[Row]) -> str:
    """``doc`` with the table rows of ``rows``' cases replaced by theirs (each must be there)."""
    lines = doc.split("\n")
    for row in rows:
        new = table([row]).split("\n")[-1]
        prefix = new[: new.index(" | ") + 3]
        places = [i for i, line in enumerate(lines) if line.startswith(prefix)]
        if len(places) != 1:
            raise ValueError(f"{row.case!r} is not one row of the table")
        lines[places[0]] = new
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the tests' short time limits")
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--parallel", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="also write docs/hostile.md")
    parser.add_argument(
        "--case",
        action="append",
        default=[],
        metavar="NAME",
        help="run only this hostile URL case (repeatable); --write then replaces only its row",
    )
    options = parser.parse_args()
    try:
        cases = chosen_cases(options.case)
    except ValueError as error:
        parser.error(str(error))
    env = dict(FAST_LIMITS) if options.quick else {}
    limits = (
        f"DOWNLOAD_TIMEOUT {env.get('NEWSARCHIVE_DOWNLOAD_TIMEOUT', settings.DOWNLOAD_TIMEOUT)} s "
        f"per attempt, RETRY_TIMES {env.get('NEWSARCHIVE_RETRY_TIMES', settings.RETRY_TIMES)}, "
        f"DOWNLOAD_MAXSIZE {settings.DOWNLOAD_MAXSIZE // 2**20} MiB (after decompression), "
        f"extraction {env.get('NEWSARCHIVE_EXTRACT_TIMEOUT', settings.ARCHIVE_EXTRACT_TIMEOUT)} s "
        f"and {settings.ARCHIVE_EXTRACT_MEMORY_MB} MB per page, robots.txt read up to "
        f"{settings.ARCHIVE_ROBOTSTXT_MAX_BYTES // 1024} KiB, Crawl-delay cap "
        f"{settings.ARCHIVE_CRAWL_DELAY_MAX:.0f} s, Retry-After waited up to "
        f"{settings.ARCHIVE_RETRY_AFTER_MAX:.0f} s"
    )
    folder = Path(tempfile.mkdtemp(prefix="hostile-bench-"))
    rows: list[Row] = []
    try:
        with HostileServer().start() as server, ThreadPoolExecutor(options.parallel) as pool:
            jobs = [pool.submit(hostile_case, server, folder, env, case) for case in cases]
            rows += [job.result() for job in jobs]
            if options.case:
                return _print_rows(rows, options.write)
            rows.append(ads_case(server, folder, env))
            rows.append(private_case(server, folder, env))
            rows.append(credentials_case(server, folder, env))
        with serve(NewsSite(articles=options.articles)) as site:
            rows += drills(site, folder, options.articles, options.kills)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    command = "python benchmarks/hostile.py" + (" --quick" if options.quick else "")
    text = f"Limits: {limits}.\n\n{table(rows)}\n"
    print(text)
    if options.write:
        doc = REPO / "docs" / "hostile.md"
        doc.write_text(
            "# Hostile input and crash safety: figures\n\n"
            f"Generated by `{command}` (every case of issue 8; each hostile URL archived by its "
            "own process, so peak RSS is that case's crawler process and its extraction "
            "workers; 0 = not measured for multi-process drills).\n\n" + text
        )
    return 0


def _print_rows(rows: list[Row], write: bool) -> int:
    """Print the rows of the cases run alone; with ``write``, put them in docs/hostile.md."""
    print(table(rows))
    if write:
        doc = REPO / "docs" / "hostile.md"
        doc.write_text(with_rows(doc.read_text(), rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
