"""Smaller captures (migration 0019): the final URL only when a redirect changed it, errors indexed.

A fetch that ended where it began stores no ``final_url`` (readers take ``coalesce(final_url,
requested_url)``); the outcome index holds only the errors. What a user reads must not change:
the capture's result, the WARC export, the history, and an archive written before 0019 reads
the same after its upgrade, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import io
from datetime import timedelta
from functools import partial
from typing import Any

from sqlalchemy import select
from warcio.archiveiterator import ArchiveIterator

from storage import (
    Archive,
    ArticleContent,
    CaptureFailure,
    CaptureResult,
    FetchedPage,
    record_capture,
    record_failure,
)
from storage.counters import recount_sites
from storage.listing import NO_SITE, stats
from storage.models import Capture
from storage.queries import history
from storage.schema import downgrade, upgrade
from storage.warc_export import write_warc
from tests.storage.conftest import T0, html_page, index_definitions

STORY = "https://www.nbcnews.com/news/world/river-floods-lower-town-n1067061"
SHORT = "https://www.nbcnews.com/s/n1067061"  # redirects to STORY
OTHER = "https://www.nbcnews.com/news/world/bridge-closed-n1067062"
TEXT = "The river rose two metres overnight.\nResidents left before dawn.\n"


def _page(requested: str, final: str | None, hours: int, status: int | None = 200) -> FetchedPage:
    body = html_page("River floods lower town", TEXT) if status == 200 else None
    headers = {"content-type": "text/html; charset=utf-8"} if status else {}
    return FetchedPage(requested, final, T0 + timedelta(hours=hours), status, headers, body)


def _write_captures(archive: Archive) -> list[CaptureResult]:
    """A fetch, a redirected refetch, a failure with an answer and one without."""
    content = ArticleContent(text=TEXT, title="River floods lower town", extractor="t")
    results = [
        archive.run_write(partial(record_capture, page=_page(STORY, STORY, 0), content=content)),
        archive.run_write(partial(record_capture, page=_page(SHORT, STORY, 5), content=content)),
    ]
    for page in (_page(STORY, STORY, 9, 503), _page(OTHER, None, 10, None)):
        failure = CaptureFailure("http_503" if page.http_status else "timeout", "failed")
        results.append(archive.run_write(partial(record_failure, page=page, failure=failure)))
    return results


def _stored_urls(archive: Archive) -> list[tuple[str, str | None]]:
    with archive.read() as session:
        rows = session.execute(
            select(Capture.requested_url, Capture.final_url).order_by(Capture.id)
        ).all()
    return [(row[0], row[1]) for row in rows]


def _warc_records(archive: Archive) -> list[tuple[Any, ...]]:
    """The exported records as a reader sees them (record ids and the warcinfo left out)."""
    out = io.BytesIO()
    with archive.read() as session:
        write_warc(session, out)
    out.seek(0)
    return [
        (
            record.rec_type,
            record.rec_headers.get_header("WARC-Target-URI"),
            record.rec_headers.get_header("WARC-Date"),
            record.http_headers.headers if record.http_headers else None,
            record.content_stream().read(),
        )
        for record in ArchiveIterator(out)
        if record.rec_type != "warcinfo"
    ]


def _everything_read(archive: Archive) -> tuple[Any, ...]:
    with archive.read() as session:
        return (_warc_records(archive), history(session, STORY), stats(session))


def test_final_url_is_stored_only_when_a_redirect_changed_it(archive: Archive) -> None:
    results = _write_captures(archive)
    # What `archive --json` prints is unchanged: the URL each fetch ended at.
    assert [r.final_url for r in results] == [STORY, STORY, STORY, None]
    assert _stored_urls(archive) == [(STORY, None), (SHORT, STORY), (STORY, None), (OTHER, None)]
    targets = [r[1] for r in _warc_records(archive) if r[0] in ("response", "revisit")]
    assert targets == [STORY, STORY]  # the first fetch; the redirected one, where it ended


def test_an_archive_written_before_0019_reads_the_same_after_its_upgrade(
    archive: Archive,
) -> None:
    _write_captures(archive)
    downgrade(archive, "0018")  # the rows as 0018 wrote them: the final URL of every answer
    assert _stored_urls(archive) == [
        (STORY, STORY),
        (SHORT, STORY),
        (STORY, STORY),
        (OTHER, None),
    ]
    before = _everything_read(archive)
    upgrade(archive)
    assert _stored_urls(archive) == [(STORY, None), (SHORT, STORY), (STORY, None), (OTHER, None)]
    assert _everything_read(archive) == before
    assert before[0], "the export wrote no record"


def test_the_outcome_index_holds_only_errors_and_the_recount_reads_it(archive: Archive) -> None:
    _write_captures(archive)
    definitions = index_definitions(archive, "captures")
    assert "ix_captures_outcome" not in definitions
    assert "'error'" in definitions["ix_captures_errors"]
    with archive.read() as session:
        kept = stats(session)
    with archive.engine.begin() as connection:
        recount_sites(connection)  # counts the errors through the partial index
    with archive.read() as session:
        assert stats(session) == kept
    assert [(s.site, s.captures, s.errors) for s in kept] == [
        ("www.nbcnews.com", 3, 1),
        (NO_SITE, 1, 1),
    ]
