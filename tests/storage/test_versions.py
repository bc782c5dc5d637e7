"""When a capture makes a new version, and when it must not."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from storage import (
    Archive,
    ArticleContent,
    ArticleNotFound,
    CaptureFailure,
    FetchedPage,
    get_version,
    history,
    open_archive,
    record_capture,
    record_failure,
    record_not_modified,
)
from storage.models import Capture, RawBody, Version

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
URL = "https://news.example/world/2026/11/story.html"
BODY = "CITY, Country — First paragraph of the story.\nSecond paragraph with “quotes”.\n" * 10


def page(at: datetime = T0, body: bytes = b"<html>nonce=1</html>", url: str = URL) -> FetchedPage:
    return FetchedPage(
        requested_url=url,
        final_url=url,
        fetched_at=at,
        http_status=200,
        headers={"content-type": "text/html", "etag": '"abc"'},
        body=body,
    )


def content(
    text: str = BODY,
    title: str = "Headline",
    modified_at: datetime | None = None,
    canonical_url: str | None = None,
) -> ArticleContent:
    return ArticleContent(
        text=text,
        title=title,
        authors=("Ann Writer",),
        modified_at=modified_at,
        canonical_url=canonical_url,
    )


def capture(archive: Archive, fetched: FetchedPage, extracted: ArticleContent) -> str:
    return archive.run_write(lambda s: record_capture(s, fetched, extracted)).status


def test_first_capture_is_version_one(archive: Archive) -> None:
    result = archive.run_write(lambda s: record_capture(s, page(), content()))
    assert (result.status, result.version, result.title) == ("new", 1, "Headline")


def test_refetch_with_only_raw_html_changes_makes_no_version(archive: Archive) -> None:
    capture(archive, page(body=b"<html>ad 1 nonce 111</html>"), content())
    later = page(T0 + timedelta(hours=1), body=b"<html>ad 2 nonce 222</html>")
    # Typography and whitespace differences in the extracted text do not count either.
    same = content(text=BODY.replace("“", '"').replace("”", '"').replace(". ", ".  "))
    assert capture(archive, later, same) == "unchanged"
    with archive.read() as session:
        versions = history(session, URL)
        assert [v.version for v in versions] == [1]
        assert versions[0].last_confirmed_at == T0 + timedelta(hours=1)
        # An unchanged capture keeps no second raw body by default.
        assert session.scalar(select(func.count()).select_from(RawBody)) == 1


def test_real_edit_makes_version_two_with_change_summary(archive: Archive) -> None:
    capture(archive, page(), content(modified_at=T0))
    edited = content(
        text=BODY + "Correction: An earlier version misstated the date.\n",
        title="New headline",
        modified_at=T0,
    )
    assert capture(archive, page(T0 + timedelta(hours=2)), edited) == "changed"
    with archive.read() as session:
        latest = get_version(session, URL)
    assert latest.version == 2
    assert latest.change is not None
    assert latest.change["fields"] == ["headline", "body"]
    assert latest.change["notices"] == ["Correction: An earlier version misstated the date."]
    assert latest.change["stealth_edit"] is True
    assert latest.change["words_added"] == 7


def test_flip_flop_is_marked(archive: Archive) -> None:
    a, b = content(title="Headline A"), content(title="Headline B")
    for hour, extracted in enumerate([a, b, a]):
        capture(archive, page(T0 + timedelta(hours=hour)), extracted)
    with archive.read() as session:
        versions = history(session, URL)
    assert [v.version for v in versions] == [1, 2, 3]
    assert versions[2].change is not None
    assert versions[2].change["flipflop_of"] == 1


def test_collapsed_extraction_never_replaces_a_good_version(archive: Archive) -> None:
    capture(archive, page(), content())
    stub = content(text="Subscribe to keep reading.")
    result = archive.run_write(lambda s: record_capture(s, page(T0 + timedelta(hours=1)), stub))
    assert (result.status, result.error_reason) == ("error", "collapsed_extraction")
    with archive.read() as session:
        assert get_version(session, URL).text == BODY


def test_fetch_error_is_a_capture_and_loses_nothing(archive: Archive) -> None:
    capture(archive, page(), content())
    failed = replace(page(T0 + timedelta(hours=1)), http_status=500, body=b"oops")
    result = archive.run_write(
        lambda s: record_failure(s, failed, CaptureFailure("http_500", "HTTP 500"))
    )
    assert result.status == "error"
    assert result.article_id is not None
    with archive.read() as session:
        assert get_version(session, URL).version == 1
        outcomes = session.scalars(select(Capture.outcome).order_by(Capture.id)).all()
    assert outcomes == ["new", "error"]


def test_not_modified_confirms_latest_version(archive: Archive) -> None:
    capture(archive, page(), content())
    later = replace(page(T0 + timedelta(days=1)), http_status=304, body=b"")
    result = archive.run_write(lambda s: record_not_modified(s, later))
    assert (result.status, result.version) == ("not_modified", 1)
    with archive.read() as session:
        assert history(session, URL)[0].last_confirmed_at == T0 + timedelta(days=1)


def test_any_alias_finds_the_article(archive: Archive) -> None:
    redirected = replace(
        page(), requested_url="https://news.example/s/abc?utm_source=feed", final_url=URL
    )
    capture(archive, redirected, content(canonical_url=URL + "?utm_medium=x"))
    with archive.read() as session:
        for alias in (
            "https://news.example/s/abc",
            URL,
            "http://NEWS.example/world/2026/11/story.html#top",
        ):
            assert get_version(session, alias).url == URL
        with pytest.raises(ArticleNotFound):
            get_version(session, "https://news.example/other")


def test_show_at_time_picks_the_version_then(archive: Archive) -> None:
    capture(archive, page(), content(title="One"))
    capture(archive, page(T0 + timedelta(hours=5)), content(title="Two"))
    with archive.read() as session:
        assert get_version(session, URL, at=T0 + timedelta(hours=1)).title == "One"
        assert get_version(session, URL, at=T0 + timedelta(hours=6)).title == "Two"


def test_concurrent_writers_make_one_version(db_url: str) -> None:
    """Four processes' worth of writers released at once: one version, no 'database is locked'."""
    open_archive(db_url).close()
    barrier = threading.Barrier(4)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            with open_archive(db_url) as own:
                barrier.wait()
                outcomes.append(capture(own, page(), content()))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(outcomes) == ["new", "unchanged", "unchanged", "unchanged"]
    with open_archive(db_url) as check, check.read() as session:
        assert session.scalar(select(func.count()).select_from(Version)) == 1
