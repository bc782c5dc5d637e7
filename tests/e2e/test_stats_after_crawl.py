"""`stats` after real crawls and revisits: the per-site counters match the archive's rows.

The counters are kept by the database as a crawl writes (migration 0013); here a whole crawl,
an edit round revisited with 304s and changes, and a failing URL go through the real pipeline
in subprocesses, and `stats --json` is compared with the rows counted one by one.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from demosite.server import DemoServer, serve
from demosite.site import NewsSite
from storage import open_archive
from tests.storage.test_site_counters import counted_from_rows

from .conftest import Cli

pytestmark = pytest.mark.slow  # whole crawls in subprocesses


@pytest.fixture
def site() -> Iterator[DemoServer]:
    with serve(NewsSite(articles=20)) as server:
        yield server


def shown(cli: Cli) -> dict[str, tuple[int, int, int, int]]:
    result = cli("stats", "--json")
    assert result.code == 0, result.stderr
    return {
        row["site"]: (row["articles"], row["versions"], row["captures"], row["errors"])
        for row in result.json_lines()
        if row["site"] != "(no article)"
    }


def test_stats_match_the_rows_after_crawl_and_revisits(
    cli: Cli, site: DemoServer, db_url: str
) -> None:
    crawl = cli("crawl", "--site", site.url + "/", "--delay", "0", "--json")
    assert crawl.code == 0, crawl.stderr
    site.site.round = 2  # some articles edited: revisits record changes, the rest 304s
    revisit = cli("revisit", "--all", "--json")
    assert revisit.code == 0, revisit.stderr
    missing = cli("archive", site.url + "/news/no-such-story.html")
    assert missing.code == 1
    with open_archive(db_url) as archive:
        rows = counted_from_rows(archive)
    counts = shown(cli)
    assert counts == {host: row[:4] for host, row in rows.items()}
    ((articles, versions, captures, _),) = counts.values()
    assert articles == 20
    assert versions > articles
    assert captures == 2 * articles  # the crawl, then one revisit each (changed or 304)
