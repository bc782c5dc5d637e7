"""Soak of the long-running scheduler (issue 27): edits caught, false versions, RSS and CPU.

    python benchmarks/soak.py --minutes 60 [--sites 3] [--articles 10] [--json-out FILE]

Three news sites (``--sites``) are served on 127.0.0.1, each with an RSS feed and articles in
NewsArticle markup. `newsarchive schedule` runs against them as a service does, with a short
revisit policy (every 2 minutes) so that an hour holds many rounds. While it runs:

- real edits: a paragraph of an article changes ("Editor's note K: ..."), half of them with a
  new dateModified and Last-Modified, half silently (same dates);
- cosmetic edits: the page changes outside the story (most-read list, ad slot, tracking id,
  CSS classes on the paragraphs): new bytes and ETag, the same text;
- new articles are published (top of the feed; some feed links carry utm_ tracking
  parameters, the page's canonical link has none);
- the scheduler is stopped with SIGTERM twice and killed with kill -9 once, each time started
  again at once (the kill -9 restart must run, not exit 6).

Every 30 s it prints the scheduler's process tree's resident memory and CPU so far, requests
served and versions archived. At the end it compares the archive with what the sites served:
edits caught (an edit is *due* when it stayed on the page for ``--due-after`` seconds, longer
than the revisit interval plus a round), false versions (a version whose story did not change),
duplicates (two archived articles for one story, or two versions of one state in a row),
published articles found, and the busiest second per host.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.proctree import become_subreaper, reap_orphans, tree, tree_cpu  # noqa: E402

WORDS = re.findall(
    r"\w+",
    "council budget vote river bridge school teachers harbour storm market farmers "
    "minister hospital nurses election turnout museum library festival court ruling police "
    "station transport rail fares energy prices housing rents climate flood defences mayor "
    "report",
)
NOTE = re.compile(r"Editor's note (\d+):")
SAMPLE_SECONDS = 30.0


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(9, 16))]
    return " ".join(words).capitalize() + "."


@dataclass
class Story:
    """One article as the site serves it now, and the log of its real edits."""

    site: int
    number: int
    title: str
    author: str
    paragraphs: list[str]
    published: datetime
    modified: datetime
    note: int = 0  # the current real state: 0 = as published, K = after "Editor's note K"
    note_text: str = ""
    cosmetic: int = 0
    tracked_link: bool = False
    edits: list[tuple[int, float]] = field(default_factory=list)  # (note, monotonic time)

    @property
    def path(self) -> str:
        return f"/news/{self.number:04d}-{self.title.split()[0].lower()}.html"

    def page(self, base: str) -> bytes:
        paragraphs = [*self.paragraphs, *([self.note_text] if self.note else [])]
        css = f"body-{self.cosmetic % 7}"
        body = "\n".join(f'<p class="{css}">{html.escape(p)}</p>' for p in paragraphs)
        most_read = " ".join(
            f"<li><a href='/news/{(self.number + i + self.cosmetic) % 97:04d}-x.html'>"
            f"Story {(self.number + i + self.cosmetic) % 97}</a></li>"
            for i in range(5)
        )
        ld = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": self.title,
            "datePublished": self.published.isoformat(),
            "dateModified": self.modified.isoformat(),
            "author": {"@type": "Person", "name": self.author},
        }
        return (
            f"<!doctype html><html lang='en'><head><title>{html.escape(self.title)}</title>"
            f"<meta property='og:type' content='article'>"
            f"<link rel='canonical' href='{base}{self.path}'>"
            f"<script type='application/ld+json'>{json.dumps(ld)}</script>"
            f"<script>var tracking = 'trk-{self.cosmetic}';</script></head><body>"
            f"<nav><a href='/'>Home</a></nav><main><article><h1>{html.escape(self.title)}</h1>"
            f"<p class='byline'>By {self.author}</p>{body}</article></main>"
            f"<aside><h2>Most read</h2><ul>{most_read}</ul>"
            f"<div class='ad'>Advertisement slot {self.cosmetic}</div></aside>"
            f"<footer>Soak Gazette {self.site}</footer></body></html>"
        ).encode()


class Sites:
    """Every site's stories, edited and published to by the soak, served to the scheduler."""

    def __init__(self, count: int, articles: int, rng: random.Random) -> None:
        self.rng = rng
        self.lock = threading.Lock()
        self.stories: list[Story] = []
        self.requests: list[tuple[int, float, int]] = []  # (site, wall time, status)
        self.bases: list[str] = []
        self.next_number = 1
        self.count = count
        for site in range(count):
            for _ in range(articles):
                self.publish(site, datetime.now(UTC) - timedelta(minutes=rng.randint(5, 60)))

    def publish(self, site: int, when: datetime | None = None) -> Story:
        rng = self.rng
        when = (when or datetime.now(UTC)).replace(microsecond=0)
        title = " ".join(rng.choice(WORDS) for _ in range(6)).capitalize()
        paragraphs = [" ".join(sentence(rng) for _ in range(4)) for _ in range(6)]
        story = Story(site, self.next_number, title, rng.choice(["Ana Silva", "Tom Berg"]),
                      paragraphs, when, when, tracked_link=rng.random() < 0.3)  # fmt: skip
        with self.lock:
            self.next_number += 1
            self.stories.append(story)
        return story

    def real_edit(self, story: Story, stealth: bool) -> None:
        with self.lock:
            story.note += 1
            story.note_text = f"Editor's note {story.note}: {sentence(self.rng)}"
            if not stealth:
                story.modified = datetime.now(UTC).replace(microsecond=0)
            story.edits.append((story.note, time.monotonic()))

    def cosmetic_edit(self, story: Story) -> None:
        with self.lock:
            story.cosmetic += 1

    def feed(self, site: int) -> bytes:
        base = self.bases[site]
        with self.lock:
            mine = sorted((s for s in self.stories if s.site == site), key=lambda s: -s.number)
            items = "".join(
                f"<item><title>{html.escape(s.title)}</title><link>{base}{s.path}"
                f"{'?utm_source=rss&amp;utm_medium=feed' if s.tracked_link else ''}</link>"
                f"<pubDate>{format_datetime(s.published, usegmt=True)}</pubDate></item>"
                for s in mine
            )
        return (
            "<?xml version='1.0'?><rss version='2.0'><channel><title>Soak</title>"
            f"<link>{base}/</link>{items}</channel></rss>"
        ).encode()

    def respond(self, site: int, path: str, headers: Any) -> tuple[int, dict[str, str], bytes]:
        path = path.split("?")[0]
        if path == "/robots.txt":
            return 200, {"Content-Type": "text/plain"}, b"User-agent: *\nAllow: /\n"
        if path == "/rss.xml":
            return 200, {"Content-Type": "application/rss+xml"}, self.feed(site)
        with self.lock:
            story = next((s for s in self.stories if s.site == site and s.path == path), None)
            body = story.page(self.bases[site]) if story else b""
            modified = story.modified if story else None
        if story is None or modified is None:
            return 404, {"Content-Type": "text/html"}, b"<html><body>Not found</body></html>"
        etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        out = {
            "Content-Type": "text/html; charset=utf-8",
            "ETag": etag,
            "Last-Modified": format_datetime(modified, usegmt=True),
        }
        if headers.get("If-None-Match") == etag:
            return 304, out, b""
        since = headers.get("If-Modified-Since")
        if (
            since
            and headers.get("If-None-Match") is None
            and parsedate_to_datetime(since) >= modified
        ):
            return 304, out, b""
        return 200, out, body


def serve(sites: Sites) -> list[ThreadingHTTPServer]:
    servers = []
    for number in range(sites.count):

        class Handler(BaseHTTPRequestHandler):
            site = number

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                status, headers, body = sites.respond(self.site, self.path, self.headers)
                with sites.lock:
                    sites.requests.append((self.site, time.time(), status))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        sites.bases.append(f"http://127.0.0.1:{server.server_address[1]}")
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    return servers


class Scheduler:
    """The `newsarchive schedule` service: started, stopped, killed, with its CPU counted."""

    def __init__(self, db_url: str, config: Path, log: Path) -> None:
        self.command = [sys.executable, "-m", "crawler", "--db", db_url, "schedule"]
        self.command += ["--config", str(config)]
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.events: list[dict[str, Any]] = []

    def start(self) -> None:
        env = {**os.environ, "NEWSARCHIVE_ALLOW_PRIVATE_NETWORK": "1"}
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(self.command, cwd=REPO, stdout=log, stderr=log, env=env)

    def sample(self) -> tuple[float, float]:
        """Resident MB of the live tree, CPU seconds of every scheduler (and orphan) so far."""
        alive = self.process is not None and self.process.poll() is None
        root = self.process.pid if alive and self.process is not None else None
        reap_orphans({root} if root is not None else set())
        return tree_cpu(root)

    def stop(self, how: str, elapsed: float) -> None:
        assert self.process is not None
        pids = tree(self.process.pid)
        started = time.monotonic()
        self.process.send_signal(signal.SIGKILL if how == "kill -9" else signal.SIGTERM)
        try:
            code = self.process.wait(timeout=180)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        stop_seconds = time.monotonic() - started
        time.sleep(3)
        left = _still_running(pids)
        if left:
            time.sleep(12)
            later = _still_running(pids)
        self.start()
        time.sleep(10)
        assert self.process is not None
        restarted = self.process.poll()
        self.events.append(
            {
                "at_minute": round(elapsed / 60, 1),
                "how": how,
                "exit": code,
                "stop_seconds": round(stop_seconds, 1),
                "processes_left_after_3s": left,
                "processes_left_after_15s": later if left else [],
                "restart": "running" if restarted is None else f"exited {restarted}",
            }
        )
        print(f"[{elapsed / 60:5.1f} min] {how}: {self.events[-1]}", flush=True)


def _still_running(pids: list[int]) -> list[str]:
    """Those of ``pids`` still running (ended ones waiting to be reaped are collected)."""
    reap_orphans(set())
    running = []
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state != "Z":
            running.append(_name(pid))
    return running


def _name(pid: int) -> str:
    """A process's command line, shortened: what was left running."""
    try:
        words = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return f"{pid} (gone)"
    text = " ".join(w for w in words if w)
    return f"{pid} {text[:100]}"


def versions_so_far(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as connection:
            return int(connection.execute("SELECT count(*) FROM versions").fetchone()[0])
    except sqlite3.Error:
        return -1


def write_config(sites: Sites, folder: Path, delay: float, revisit: str) -> Path:
    config = folder / "sites.toml"
    config.write_text(
        "".join(
            f'[[site]]\nname = "soak{n}"\nfeeds = ["{base}/rss.xml"]\ninterval = "{revisit}"\n'
            f'delay = {delay}\nrevisit = {{ "1d" = "{revisit}" }}\n\n'
            for n, base in enumerate(sites.bases)
        )
    )
    return config


def mutate(sites: Sites, rng: random.Random, due_after: float, counts: Counter[str]) -> None:
    """One event: a real edit, a cosmetic edit, or (one time in five) a new article."""
    roll = rng.random()
    if roll < 0.2:
        sites.publish(rng.randrange(sites.count))
        counts["published"] += 1
        return
    now = time.monotonic()
    with sites.lock:
        stories = list(sites.stories)
    if roll < 0.6:
        quiet = [s for s in stories if not s.edits or now - s.edits[-1][1] > due_after]
        if quiet:
            stealth = rng.random() < 0.5
            sites.real_edit(rng.choice(quiet), stealth)
            counts["real edits (stealth)" if stealth else "real edits (dated)"] += 1
    else:
        sites.cosmetic_edit(rng.choice(stories))
        counts["cosmetic edits"] += 1


def analyse(sites: Sites, db: Path, end: float, due_after: float) -> dict[str, Any]:
    """Compare the archive with what the sites served."""
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    by_key = {(s.site, s.path): s for s in sites.stories}
    bases = {base: n for n, base in enumerate(sites.bases)}
    articles: dict[int, Story] = {}
    duplicate_articles = 0
    for article_id, url in connection.execute("SELECT id, url FROM articles"):
        base, _, rest = url.partition("/news/")
        story = by_key.get((bases.get(base, -1), "/news/" + rest.split("?")[0]))
        if story is None:
            continue
        if story in articles.values():
            duplicate_articles += 1
        articles[article_id] = story
    states: dict[int, list[int]] = defaultdict(list)
    false_versions = repeated_hashes = 0
    last_hash: dict[int, str] = {}
    rows = "SELECT article_id, text, content_hash FROM versions ORDER BY article_id, number"
    for article_id, text, digest in connection.execute(rows):
        if article_id not in articles:
            continue
        notes = [int(n) for n in NOTE.findall(text)]
        state = max(notes, default=0)
        if states[article_id] and states[article_id][-1] == state:
            false_versions += 1
        if last_hash.get(article_id) == digest:
            repeated_hashes += 1
        last_hash[article_id] = digest
        states[article_id].append(state)
    rounds = connection.execute("SELECT count(*) FROM crawl_runs WHERE command = 'schedule'")
    round_count = int(rounds.fetchone()[0])
    captured = {story.number: set(states[aid]) for aid, story in articles.items()}
    due = caught = all_edits = caught_any = 0
    for story in sites.stories:
        for index, (note, at) in enumerate(story.edits):
            until = story.edits[index + 1][1] if index + 1 < len(story.edits) else end
            hit = note in captured.get(story.number, set())
            all_edits += 1
            caught_any += hit
            if until - at >= due_after:
                due += 1
                caught += hit
    published = list(sites.stories)
    found = sum(1 for s in published if s.number in captured)
    busiest: dict[str, int] = {}
    per_second = Counter((site, int(at)) for site, at, _ in sites.requests)
    for (site, _second), count in per_second.items():
        key = f"soak{site}"
        busiest[key] = max(busiest.get(key, 0), count)
    statuses = Counter(status for _, _, status in sites.requests)
    return {
        "edits_due": due,
        "edits_due_caught": caught,
        "edits_all": all_edits,
        "edits_all_caught": caught_any,
        "false_versions": false_versions,
        "repeated_content_hashes": repeated_hashes,
        "duplicate_articles": duplicate_articles,
        "stories_published": len(published),
        "stories_archived": found,
        "rounds": round_count,
        "requests": dict(statuses),
        "busiest_second_per_site": busiest,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--sites", type=int, default=3)
    parser.add_argument("--articles", type=int, default=10, help="per site at the start")
    parser.add_argument("--edit-every", type=float, default=15.0, help="seconds between events")
    parser.add_argument("--revisit", default="2m", help="revisit and discovery interval")
    parser.add_argument("--due-after", type=float, default=300.0)
    parser.add_argument("--delay", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    become_subreaper()  # orphans of the tree are counted, and seen if one is left running
    sites = Sites(args.sites, args.articles, rng)
    servers = serve(sites)
    folder = Path(tempfile.mkdtemp(prefix="soak-"))
    db = folder / "archive.db"
    config = write_config(sites, folder, args.delay, args.revisit)
    scheduler = Scheduler(f"sqlite:///{db}", config, folder / "schedule.log")
    print(f"soak: {args.minutes} min, sites {sites.bases}, archive {db}", flush=True)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    total = args.minutes * 60
    disruptions = {0.25: "SIGTERM", 0.5: "kill -9", 0.75: "SIGTERM"}
    counts: Counter[str] = Counter()
    samples: list[dict[str, Any]] = []
    started = time.monotonic()
    scheduler.start()
    next_event = next_sample = started
    try:
        while (elapsed := time.monotonic() - started) < total:
            for fraction, how in list(disruptions.items()):
                if elapsed >= fraction * total:
                    del disruptions[fraction]
                    scheduler.stop(how, elapsed)
            now = time.monotonic()
            if now >= next_event and elapsed < total - args.due_after:
                mutate(sites, rng, args.due_after, counts)
                next_event = now + args.edit_every * rng.uniform(0.5, 1.5)
            if now >= next_sample:
                rss, cpu = scheduler.sample()
                with sites.lock:
                    served = len(sites.requests)
                row = {
                    "minute": round(elapsed / 60, 1),
                    "rss_mb": round(rss, 1),
                    "cpu_s": round(cpu, 1),
                    "requests": served,
                    "versions": versions_so_far(db),
                    "load": round(os.getloadavg()[0], 1),
                }
                samples.append(row)
                print(json.dumps(row), flush=True)
                next_sample = now + SAMPLE_SECONDS
            time.sleep(0.5)
    finally:
        end = time.monotonic()
        if scheduler.process is not None and scheduler.process.poll() is None:
            scheduler.process.send_signal(signal.SIGTERM)
            final_exit = scheduler.process.wait(timeout=300)
        for server in servers:
            server.shutdown()
    _, cpu = scheduler.sample()
    result = analyse(sites, db, end, args.due_after)
    result.update(
        {
            "minutes": args.minutes,
            "mutations": dict(counts),
            "disruptions": scheduler.events,
            "final_exit": final_exit,
            "cpu_seconds_total": round(cpu, 1),
            "cpu_seconds_per_round": round(cpu / max(1, result["rounds"]), 2),
            "rss_mb_max": max(s["rss_mb"] for s in samples),
            "rss_mb_by_quarter": [
                max(
                    (s["rss_mb"] for s in samples[q * len(samples) // 4 :][: len(samples) // 4]),
                    default=0.0,
                )
                for q in range(4)
            ],
            "archive": str(db),
        }
    )
    print(json.dumps(result, indent=2))
    if args.json_out:
        args.json_out.write_text(json.dumps({"result": result, "samples": samples}, indent=2))


if __name__ == "__main__":
    main()
