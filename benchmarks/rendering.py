"""What rendering in a browser costs: time per page and peak memory of the whole process tree.

Run: python benchmarks/rendering.py [--pages 20] [--json]

Serves ``--pages`` ordinary server-rendered articles and as many app shells filled by
``fetch()`` on 127.0.0.1, then runs `newsarchive archive` (a real subprocess, fresh archive
each time) three ways in the same run:

- baseline: the ordinary pages with ``--render never`` (no browser);
- always: the same ordinary pages with ``--render always`` (each one rendered);
- auto: the shells with ``--render auto`` (each one fetched, found a shell, then rendered).

For each it prints the wall time, the time per page, and the peak memory of the command with
every process it started (extraction workers, Playwright's driver, Chromium and its
renderers), sampled from /proc every 50 ms, as RSS (shared pages counted in every process)
and PSS (shared pages split among their sharers: what the tree costs); then the time ratio
and the extra memory against the baseline.
Needs the render extra and a Chromium (see docs/javascript-pages.md).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from crawler.rendering.modes import renderer_missing  # noqa: E402
from tests.crawler.extraction.javascript_pages import (  # noqa: E402
    Story,
    fetch_api_shell,
    ordinary_page,
)


def _story(number: int) -> Story:
    story = Story()
    return replace(
        story,
        headline=f"{story.headline} ({number})",
        paragraphs=tuple(f"{p} Report number {number}." for p in story.paragraphs),
    )


class Site:
    """/ordinary/N.html, /fetch/N.html and the JSON API the shells read, /api/N.json."""

    def __init__(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self, path: str) -> tuple[str, str] | None:
        kind, _, name = path.strip("/").partition("/")
        number = name.split(".")[0]
        if not number.isdigit():
            return None
        story = _story(int(number))
        if kind == "ordinary":
            return ordinary_page(story), "text/html; charset=utf-8"
        if kind == "fetch":
            page = fetch_api_shell(story).replace("/api/story.json", f"/api/{number}.json")
            return page, "text/html; charset=utf-8"
        if kind == "api":
            return json.dumps({"html": story.text}), "application/json"
        return None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                found = site.answer(self.path)
                if found is None:
                    self.send_error(404)
                    return
                data = found[0].encode()
                self.send_response(200)
                self.send_header("Content-Type", found[1])
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler


def _tree_memory_kib(root: int) -> tuple[int, int]:
    """Resident (RSS) and proportional (PSS) memory in KiB of ``root`` and its descendants.

    RSS counts pages shared by several processes (Chromium's renderers share most of theirs)
    once per process; PSS splits each shared page among its sharers, so the tree's PSS is what
    the tree costs the machine.
    """
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        ppid = next((line.split()[1] for line in status.splitlines() if line.startswith("PPid")), 0)
        children.setdefault(int(ppid), []).append(int(entry.name))
    rss = pss = 0
    stack = [root]
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, []))
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        for line in rollup.splitlines():
            if line.startswith("Rss:"):
                rss += int(line.split()[1])
            elif line.startswith("Pss:"):
                pss += int(line.split()[1])
    return rss, pss


def run(urls: list[str], render: str) -> dict[str, float]:
    """Archive ``urls`` into a fresh archive; wall seconds, per page, peak tree RSS (MiB)."""
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "crawler", "--db", f"sqlite:///{folder}/bench.db"]
        command += ["--allow-private-network", "archive", "--json", "--render", render, *urls]
        started = time.perf_counter()
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=folder
        )
        peak_rss = peak_pss = 0
        while process.poll() is None:
            rss, pss = _tree_memory_kib(process.pid)
            peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
            time.sleep(0.05)
        wall = time.perf_counter() - started
        assert process.stdout is not None
        lines = [json.loads(line) for line in process.stdout.read().splitlines() if line.strip()]
    statuses = [line["status"] for line in lines]
    if statuses.count("new") != len(urls):
        raise SystemExit(f"--render {render}: not every page was archived: {statuses}")
    return {
        "wall_s": round(wall, 2),
        "per_page_s": round(wall / len(urls), 3),
        "peak_rss_mib": round(peak_rss / 1024, 1),
        "peak_pss_mib": round(peak_pss / 1024, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    missing = renderer_missing(os.environ.get("NEWSARCHIVE_CHROMIUM"))
    if missing:
        print(f"cannot measure rendering: {missing}", file=sys.stderr)
        return 2
    site = Site()
    threading.Thread(target=site.server.serve_forever, daemon=True).start()
    ordinary = [f"{site.url}/ordinary/{n}.html" for n in range(args.pages)]
    shells = [f"{site.url}/fetch/{n}.html" for n in range(args.pages)]
    report = {
        "pages": args.pages,
        "baseline_never": run(ordinary, "never"),
        "always_ordinary": run(ordinary, "always"),
        "auto_shells": run(shells, "auto"),
    }
    base = report["baseline_never"]
    assert isinstance(base, dict)
    for name in ("always_ordinary", "auto_shells"):
        measured = report[name]
        assert isinstance(measured, dict)
        measured["time_ratio"] = round(measured["wall_s"] / base["wall_s"], 2)
        measured["extra_rss_mib"] = round(measured["peak_rss_mib"] - base["peak_rss_mib"], 1)
        measured["extra_pss_mib"] = round(measured["peak_pss_mib"] - base["peak_pss_mib"], 1)
    site.server.shutdown()
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"{args.pages} pages per run")
    for name in ("baseline_never", "always_ordinary", "auto_shells"):
        values = report[name]
        assert isinstance(values, dict)
        print(f"{name}: " + ", ".join(f"{key} {value}" for key, value in values.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
