"""Two `schedule --worker-id` processes on one PostgreSQL; one is killed with kill -9 mid-run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import func, select

from demosite.server import ServerGroup, serve_many
from demosite.site import NewsSite
from storage import open_archive
from storage.models import Article, Capture, Version

pytestmark = [pytest.mark.postgres_only, pytest.mark.slow]

ARTICLES = 48
HOSTS = ["127.0.0.1", "127.0.0.2"]
DELAY = 0.3  # seconds between requests to one host, whatever the number of workers


@pytest.fixture
def site() -> Iterator[ServerGroup]:
    with serve_many(NewsSite(articles=ARTICLES), HOSTS) as servers:
        yield servers


def start_worker(db_url: str, config: Path, worker_id: str, cwd: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "NEWSARCHIVE_ALLOW_PRIVATE_NETWORK": "1",
        "NEWSARCHIVE_LEASE_SECONDS": "6",  # a killed worker's leases come back quickly
    }
    command = [sys.executable, "-m", "crawler", "--db", db_url, "schedule"]
    command += ["--config", str(config), "--worker-id", worker_id]
    with (cwd / f"worker-{worker_id}.log").open("wb") as log:
        return subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
            start_new_session=True,
        )


def archived(db_url: str) -> int:
    with open_archive(db_url) as archive, archive.read() as session:
        return session.scalar(select(func.count()).select_from(Article)) or 0


def wait_for(db_url: str, count: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while (done := archived(db_url)) < count and time.monotonic() < deadline:
        time.sleep(0.2)
    return done


def test_workers_share_the_crawl_and_survive_a_kill(
    db_url: str, site: ServerGroup, tmp_path: Path
) -> None:
    config = tmp_path / "sites.toml"
    config.write_text(
        # Both hosts' sitemaps (they list the same articles), so the site's delay covers both.
        '[[site]]\nname = "gazette"\nsitemaps = ['
        + ", ".join(f'"{url}/sitemap-articles.xml"' for url in site.urls)
        + "]\n"
        f'interval = "1h"\ndelay = {DELAY}\n'
    )
    a = start_worker(db_url, config, "a", tmp_path)
    b = start_worker(db_url, config, "b", tmp_path)
    try:
        assert wait_for(db_url, 12, timeout=90) >= 12, (tmp_path / "worker-b.log").read_text()
        os.killpg(a.pid, signal.SIGKILL)  # the worker and its crawl, mid-run
        a.wait()
        # Nothing is lost: the other worker takes over what the killed one held.
        done = wait_for(db_url, ARTICLES, timeout=60)
        if done != ARTICLES:
            os.killpg(b.pid, signal.SIGTERM)
            b.wait()
            said = (tmp_path / "worker-b.log").read_text()[-6000:]
            pytest.fail(f"{done} of {ARTICLES} archived; worker b said:\n{said}")
    finally:
        for worker in (a, b):
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)
        stopped = b.wait(timeout=60)
    assert stopped == 143

    with open_archive(db_url) as archive, archive.read() as session:
        per_article = session.execute(
            select(Capture.article_id, func.count()).group_by(Capture.article_id)
        ).all()
        versions = session.scalar(select(func.count()).select_from(Version))
    # Every article once: a capture commits with its lease, so nothing is archived twice.
    assert versions == ARTICLES
    assert {count for _, count in per_article} == {1}

    # Each host saw requests at least DELAY apart, although two workers fetched from it.
    for host in HOSTS:
        times = sorted(
            datetime.fromisoformat(r.time)
            for r in site.requests
            if r.server.startswith(f"http://{host}:")
        )
        gaps = [(later - earlier).total_seconds() for earlier, later in pairwise(times)]
        assert gaps, f"no requests reached {host}"
        # Slots are reserved DELAY apart; a busy event loop may send one a little late. Two
        # workers each keeping DELAY on their own would often send at nearly the same time.
        assert min(gaps) >= DELAY / 2, (host, [round(gap, 3) for gap in gaps])
        assert sum(gaps) / len(gaps) >= DELAY * 0.95, (host, sum(gaps) / len(gaps))
