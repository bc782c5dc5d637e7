"""Backfilled captures take their place in capture-time order (storage/backfill.py)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from storage import Archive, ArticleContent, FetchedPage, history
from storage.backfill import ArchivedCapture, record_backfilled_capture, recorded_mementos
from storage.models import Capture, VersionRenumbering
from tests.storage.conftest import FILLER, T0
from tests.storage.conftest import Capture as CaptureFn

URL = "https://news.example/2026/11/story.html"


def _backfill(archive: Archive, text: str, at_days: int, title: str = "Story") -> str:
    at = T0 + timedelta(days=at_days)
    memento = f"http://archive.test/web/{at:%Y%m%d%H%M%S}id_/{URL}"
    page = FetchedPage(URL, URL, at, 200, {"content-type": "text/html"}, b"<html>raw</html>")
    content = ArticleContent(text=text, title=title, authors=("Ann Writer",))
    capture = ArchivedCapture(page, "http://archive.test/cdx", memento)
    return archive.run_write(lambda s: record_backfilled_capture(s, capture, content)).status


def test_an_older_backfilled_version_becomes_version_one(
    archive: Archive, capture: CaptureFn
) -> None:
    capture(URL, "Story", FILLER + "Today's text.", at=T0)
    assert _backfill(archive, FILLER + "Last week's text.", at_days=-7) == "new"
    with archive.read() as session:
        versions = history(session, URL)
        renumbered = session.scalars(select(VersionRenumbering)).all()
    assert [(v.version, v.origin) for v in versions] == [(1, "backfill"), (2, "capture")]
    assert versions[0].captured_at == T0 - timedelta(days=7)
    # Our own version's change is now against the backfilled one, and the shift is on record.
    assert versions[1].change is not None
    assert "body" in versions[1].change["fields"]
    assert [(r.from_number, r.shifted) for r in renumbered] == [(1, 1)]


def test_an_older_capture_of_the_same_text_moves_the_first_sighting_back(
    archive: Archive, capture: CaptureFn
) -> None:
    capture(URL, "Story", FILLER + "Same text.", at=T0)
    assert _backfill(archive, FILLER + "Same text.", at_days=-3) == "unchanged"
    with archive.read() as session:
        versions = history(session, URL)
    assert [(v.version, v.origin, v.captured_at) for v in versions] == [
        (1, "capture", T0 - timedelta(days=3))
    ]
    # First seen in the web archive's capture: marked so, with the memento it came from.
    assert versions[0].archive == "http://archive.test/cdx"
    assert versions[0].memento_url == (
        f"http://archive.test/web/{T0 - timedelta(days=3):%Y%m%d%H%M%S}id_/{URL}"
    )


def test_a_capture_between_two_versions_confirms_or_inserts(
    archive: Archive, capture: CaptureFn
) -> None:
    capture(URL, "Story", FILLER + "First.", at=T0)
    capture(URL, "Story", FILLER + "Third.", at=T0 + timedelta(days=10))
    assert _backfill(archive, FILLER + "First.", at_days=2) == "unchanged"
    assert _backfill(archive, FILLER + "Second.", at_days=5) == "changed"
    with archive.read() as session:
        versions = history(session, URL)
    assert [v.version for v in versions] == [1, 2, 3]
    assert [v.origin for v in versions] == ["capture", "backfill", "capture"]
    assert versions[0].last_confirmed_at == T0 + timedelta(days=2)
    assert [v.captured_at for v in versions] == sorted(v.captured_at for v in versions)


def test_a_stub_capture_makes_no_version_and_is_remembered(
    archive: Archive, capture: CaptureFn
) -> None:
    capture(URL, "Story", FILLER * 5 + "Long text.", at=T0)
    assert _backfill(archive, "Subscribe to read.", at_days=-2) == "error"
    with archive.read() as session:
        versions = history(session, URL)
        mementos = session.scalars(select(Capture.memento_url).where(Capture.archive.is_not(None)))
        recorded = recorded_mementos(session, [url for url in mementos if url is not None])
    assert [v.origin for v in versions] == ["capture"]
    assert len(recorded) == 1
