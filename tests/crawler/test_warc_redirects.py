"""follow_redirects: redirect records joined to the response they lead to."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from crawler.warc_redirects import follow_redirects
from storage.records import FetchedPage
from storage.warc import WarcPage

AT = datetime(2026, 12, 1, tzinfo=UTC)


def record(url: str, status: int, location: str | None = None, **more: str) -> WarcPage:
    headers = {"location": location} if location is not None else {}
    headers.update({name.replace("_", "-"): value for name, value in more.items()})
    page = FetchedPage(url, url, AT, status, headers, b"")
    return WarcPage(page, "text/html", None, revisit=False)


def test_a_chain_of_redirects_reaches_the_page_with_every_url() -> None:
    records = [
        record("http://a.example/r/2", 302, "/r/1"),
        record("http://a.example/r/1", 301, "https://a.example/story"),
        record(
            "https://a.example/story",
            200,
            **{"content_length": "5", "x_archive_orig_content_encoding": "gzip"},
        ),
        record("https://a.example/other", 200),
    ]
    out = list(follow_redirects(records))
    assert len(out) == 4
    story = out[2].page
    assert story.requested_url == "http://a.example/r/2"
    assert story.redirect_urls == ("http://a.example/r/2", "http://a.example/r/1")
    assert story.final_url == "https://a.example/story"
    assert out[3].page.redirect_urls == ()
    http = story.http
    assert http is not None
    assert [(hop.url, hop.status) for hop in http.hops] == [
        ("http://a.example/r/2", 302),
        ("http://a.example/r/1", 301),
    ]
    assert http.response_headers == (("content-length", "5"), ("content-encoding", "gzip"))


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["http://a.example/1", "http://a.example/2", "http://[::1"]),
            st.sampled_from([200, 301, 302, 304, 404]),
            st.none() | st.text(max_size=30),
        ),
        max_size=12,
    )
)
def test_any_records_pass_through_one_for_one(items: list[tuple[str, int, str | None]]) -> None:
    records = [record(url, status, location) for url, status, location in items]
    out = list(follow_redirects(records))
    assert [r.page.final_url for r in out] == [r.page.final_url for r in records]
