"""Our captures as an archive lists them (storage/capture_index.py), on either backend."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage import Archive
from storage.capture_index import CaptureNotFound, MatchType, index_rows, raw_capture
from tests.storage.conftest import FILLER, T0
from tests.storage.conftest import Capture as CaptureFn

STORY = "https://news.example/2026/11/story_1.html"
OTHER = "https://news.example/2026/11/story%1.html"
ELSEWHERE = "https://sub.news.example/a.html"


def _urls(archive: Archive, url: str, match: MatchType) -> list[str]:
    with archive.read() as session:
        return [row.url for row in index_rows(session, url, match=match)]


def test_match_types_select_by_url_host_and_domain(archive: Archive, capture: CaptureFn) -> None:
    capture(STORY, "A", FILLER + "One.", at=T0)
    capture(STORY, "A", FILLER + "Two.", at=T0 + timedelta(hours=1))
    capture(OTHER, "B", FILLER + "Other.", at=T0)
    capture(ELSEWHERE, "C", FILLER + "Sub.", at=T0)
    assert _urls(archive, STORY, MatchType.EXACT) == [STORY, STORY]
    # LIKE wildcards in the URL are literal: "story_" does not match "story%".
    assert _urls(archive, "https://news.example/2026/11/story_", MatchType.PREFIX) == [STORY] * 2
    assert set(_urls(archive, "news.example", MatchType.HOST)) == {STORY, OTHER}
    assert set(_urls(archive, "news.example", MatchType.DOMAIN)) == {STORY, OTHER, ELSEWHERE}
    with archive.read() as session:
        rows = list(index_rows(session, STORY, since=T0 + timedelta(minutes=30)))
    assert [row.fetched_at for row in rows] == [T0 + timedelta(hours=1)]
    assert rows[0].digest is not None
    assert rows[0].length is not None


def test_raw_capture_by_url_and_second(archive: Archive, capture: CaptureFn) -> None:
    capture(STORY, "A", FILLER + "One.", at=T0, body=b"<html>the bytes</html>")
    with archive.read() as session:
        raw = raw_capture(session, STORY, T0 + timedelta(microseconds=500))
        assert raw.body == b"<html>the bytes</html>"
        assert raw.headers["content-type"] == "text/html; charset=utf-8"
        with pytest.raises(CaptureNotFound):
            raw_capture(session, STORY, T0 + timedelta(seconds=1))
