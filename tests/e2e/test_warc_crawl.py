"""A WARC of three real archive rounds: every fetch recorded, read back by warcio, pywb, import."""

from __future__ import annotations

import json
import re
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from warcio.archiveiterator import ArchiveIterator

from demosite.server import DemoServer
from storage import open_archive
from storage.models import ArticleAlias, Capture
from tests.e2e.conftest import Cli
from tests.e2e.pywb_collection import running_pywb

NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
SAME_ARTICLE = "urn:newsarchive:revisit:identical-extracted-content"


def three_rounds(cli: Cli, site: DemoServer) -> dict[str, str]:
    """Round 1 archives; round 2 edits two articles (304s for the rest); round 3 without 304s."""
    paths = site.site.article_paths()
    urls = {
        "seed": site.url + paths[0],  # edited in rounds 2 and 3
        "edited": site.url + paths[2],  # headline edited in round 2
        "steady": site.url + paths[8],  # never edited
        "redirect": f"{site.url}/redirect/2{paths[8]}",  # 302, 301, then "steady"
    }
    for number in (1, 2, 3):
        site.site.round = number
        site.conditional = number != 3  # round 3: 200s whose article did not change
        done = cli("archive", "--json", *urls.values())
        assert done.code == 0, done.stderr
    return urls


def history_of(db_url: str) -> tuple[list[Any], set[str]]:
    """Every capture (time, URLs, status, outcome) and every alias, as plain values."""
    with open_archive(db_url) as archive, archive.read() as session:
        captures = session.execute(
            select(
                Capture.fetched_at,
                Capture.requested_url,
                # Where the fetch ended: final_url is NULL when it is requested_url (0019).
                func.coalesce(Capture.final_url, Capture.requested_url),
                Capture.http_status,
                Capture.outcome,
            ).order_by(Capture.fetched_at, Capture.id)
        ).all()
        aliases = set(session.scalars(select(ArticleAlias.url)))
    return [tuple(c) for c in captures], aliases


def versions_by_url(cli: Cli, urls: dict[str, str]) -> dict[str, list[tuple[Any, ...]]]:
    found = {}
    for name, url in urls.items():
        history = cli("history", "--json", url).json_lines()[0]
        found[name] = [
            (v["version"], v["title"], v["captured_at"], v["last_confirmed_at"]) for v in history
        ]
    return found


def read_records(path: Path) -> list[tuple[str, Any, Any]]:
    with path.open("rb") as stream:
        return [
            (record.rec_type, record.rec_headers, record.http_headers)
            for record in ArchiveIterator(stream, check_digests="raise")
            if record.content_stream().read() is not None
        ]


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_warc_of_three_rounds_records_every_fetch(
    cli: Cli, news_site: DemoServer, tmp_path: Path
) -> None:
    urls = three_rounds(cli, news_site)
    warc = tmp_path / "crawl.warc.gz"
    exported = cli("export", "--format", "warc", "-o", str(warc))
    assert exported.code == 0, exported.stderr
    with open_archive(cli.db_url) as archive, archive.read() as session:
        fetches = session.execute(select(Capture.outcome, Capture.http)).all()
    assert len(fetches) == 12
    assert all(http is not None for _, http in fetches)
    outcomes = Counter(outcome for outcome, _ in fetches)
    assert outcomes["not_modified"] >= 2
    assert outcomes["unchanged"] >= 3

    records = read_records(warc)  # check_digests="raise": a bad digest raises
    kinds = Counter(kind for kind, _, _ in records)
    assert kinds["warcinfo"] == 1
    # Every fetch and every redirect hop (2 per fetch of the redirecting URL): a request and
    # a response or revisit each.
    assert kinds["request"] == 12 + 3 * 2, (exported.stderr, outcomes, kinds)
    assert kinds["response"] + kinds["revisit"] == 12 + 3 * 2
    assert kinds["revisit"] == outcomes["unchanged"] + outcomes["not_modified"]
    profiles = Counter(h.get_header("WARC-Profile") for k, h, _ in records if k == "revisit")
    assert profiles[NOT_MODIFIED] == outcomes["not_modified"]
    assert profiles[SAME_ARTICLE] == outcomes["unchanged"]
    assert "left out" not in exported.stderr
    assert "synthesised" not in exported.stderr
    hops = [
        (h.get_header("WARC-Target-URI"), http.get_statuscode())
        for k, h, http in records
        if k == "response" and http.get_statuscode().startswith("3")
    ]
    assert [status for _, status in hops] == ["302", "301"] * 3
    assert hops[0][0] == urls["redirect"]
    # The heads as received: the demo server's own headers, the wire encoding kept aside.
    first = next(
        http for k, _, http in records if k == "response" and http.get_statuscode() == "200"
    )
    assert first.get_header("Server").startswith("DemoNews/")
    assert first.get_header("X-Archive-Orig-Content-Encoding") == "gzip"
    assert first.get_header("Content-Encoding") is None
    request = next(http for k, _, http in records if k == "request")
    assert request.get_header("User-Agent").startswith("newsarchive/")

    # Imported into a fresh archive, the same history, last confirmed included.
    fresh = Cli(f"sqlite:///{tmp_path / 'fresh.db'}", tmp_path)
    imported = fresh("import-warc", str(warc))
    assert imported.code == 0, imported.stderr
    assert versions_by_url(fresh, urls) == versions_by_url(cli, urls)
    # Exported again, the imported archive writes the same fetches with their heads.
    again = fresh("export", "--format", "warc", "-o", str(tmp_path / "again.warc.gz"))
    assert again.code == 0, again.stderr
    assert "synthesised" not in again.stderr
    assert Counter(k for k, _, _ in read_records(tmp_path / "again.warc.gz")) == kinds
    before, after = history_of(cli.db_url), history_of(fresh.db_url)
    assert after[0] == before[0]  # every capture: time, URLs, status, outcome
    assert urls["redirect"] in after[1]

    # pywb lists every fetch at its date and replays each with the page of that date.
    path = news_site.site.article_paths()[2]
    edited = urls["edited"]
    edited_fetches = [c for c in before[0] if c[2] == edited]
    (tmp_path / "pywb").mkdir()
    with running_pywb(tmp_path / "pywb", warc) as base:
        query = f"{base}/news/cdx?url={edited}&output=json"
        lines = [json.loads(x) for x in urllib.request.urlopen(query).read().splitlines()]
        assert [line["timestamp"] for line in lines] == [
            fetch[0].strftime("%Y%m%d%H%M%S") for fetch in edited_fetches
        ]
        titles = []
        for line in lines:
            with urllib.request.urlopen(f"{base}/news/{line['timestamp']}id_/{edited}") as page:
                found = re.search(rb"<title>(.*?)</title>", page.read())
            assert found is not None
            titles.append(found.group(1).decode())
    expected = [news_site.site.expected_title(path, number) for number in (1, 2, 3)]
    assert [title.startswith(want) for title, want in zip(titles, expected, strict=True)] == [
        True,
        True,
        True,
    ]
