"""`newsarchive archive` after an extractor upgrade: unchanged pages make no versions.

The archive is first made by the current extractor, then rewritten as an older extractor would
have left it (another extractor version on every version, and a different reading of the same
page: a furniture line the old rules kept). The next archive round, the crawler on the current
extractor, must compare like with like: no version for unchanged pages, one for a real edit.
"""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from demosite.server import DemoServer
from storage import open_archive
from storage.models import Version

from .conftest import Cli

pytestmark = pytest.mark.slow  # whole archive runs in subprocesses

OLD = "newsarchive-extract/1 trafilatura/2.3.1"


def _as_if_an_older_extractor_made(db_url: str) -> None:
    with open_archive(db_url) as archive:

        def rewrite(session: Session) -> None:
            session.execute(
                update(Version).values(
                    extractor_version=OLD,
                    text=Version.text + "\nShare this story",
                    content_hash="0" * 64,
                )
            )

        archive.run_write(rewrite)


def test_revisit_after_an_upgrade_records_only_real_edits(
    cli: Cli, news_site: DemoServer, db_url: str
) -> None:
    site = news_site.site
    news_site.conditional = False  # full answers: the pages are read again, not confirmed by 304
    paths = site.article_paths()
    edited = sorted(site.edited_in_round(2))[:1]
    untouched = [p for p in paths if p not in site.edited_in_round(2)][:3]
    urls = [news_site.url + p for p in (*edited, *untouched)]
    first = cli("archive", "--json", *urls)
    assert first.code == 0, first.stderr
    _as_if_an_older_extractor_made(db_url)

    dry = cli("reextract", "--dry-run", "--json")
    assert {line["status"] for line in dry.json_lines()} == {"would_change"}

    again = cli("archive", "--json", *urls)
    assert again.code == 0, again.stderr
    assert {r["status"] for r in again.json_lines()} == {"unchanged"}

    site.round = 2
    third = {r["url"]: r for r in cli("archive", "--json", *urls).json_lines()}
    assert third[urls[0]]["status"] == "changed"
    assert [third[url]["status"] for url in urls[1:]] == ["unchanged"] * len(untouched)
