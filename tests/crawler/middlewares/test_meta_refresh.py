"""Meta-refresh redirects decided on the page's head: the same decisions as Scrapy's own check."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from scrapy import Request
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler

from crawler.middlewares.meta_refresh import HEAD_BYTES, HeadMetaRefreshMiddleware
from crawler.settings import DOWNLOADER_MIDDLEWARES

URL = "https://news.example/2026/11/moved.html"
FILLER = "<p>Une phrase de l’article, répétée pour faire une longue page. 東京</p>\n" * 2000


def page(head: str, encoding: str = "utf-8", header: bool = True) -> HtmlResponse:
    body = f"<html><head>{head}</head><body>{FILLER}</body></html>".encode(encoding, "replace")
    headers = {"Content-Type": f"text/html; charset={encoding}"} if header else {}
    return HtmlResponse(URL, body=body, headers=headers)


def decisions(response: Response) -> tuple[object, object]:
    """(ours, Scrapy's) answer for ``response``: a redirect's URL, "kept", or the error."""

    def answer(middleware: MetaRefreshMiddleware) -> object:
        request = Request(URL)
        try:
            result = middleware.process_response(request, response)
        except ValueError as error:  # a refresh to a URL Scrapy cannot request
            return f"refused: {error}"
        if result is response:
            return "kept"
        assert isinstance(result, Request)
        return result.url

    crawler = get_crawler(settings_dict={"METAREFRESH_MAXDELAY": 10})
    return answer(HeadMetaRefreshMiddleware.from_crawler(crawler)), answer(
        MetaRefreshMiddleware.from_crawler(crawler)
    )


def test_the_crawl_uses_the_head_only_check() -> None:
    assert (
        DOWNLOADER_MIDDLEWARES["scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware"]
        is None
    )
    assert "crawler.middlewares.meta_refresh.HeadMetaRefreshMiddleware" in DOWNLOADER_MIDDLEWARES


def test_a_refresh_in_a_long_page_is_followed_and_one_past_the_head_is_not() -> None:
    refresh = '<meta http-equiv="refresh" content="0; url=/2026/11/new-home.html">'
    followed = page(refresh)
    assert len(followed.body) > HEAD_BYTES
    assert decisions(followed) == ("https://news.example/2026/11/new-home.html",) * 2
    late = HtmlResponse(URL, body=followed.body.replace(refresh.encode(), b"") + refresh.encode())
    assert decisions(late) == ("kept", "kept")
    slow = page('<meta http-equiv="refresh" content="60; url=/elsewhere.html">')
    assert decisions(slow) == ("kept", "kept")
    # 4,000 characters of three bytes each before it: past 12 KB, still in Scrapy's 4,096.
    deep = page("<title>" + "東京" * 2000 + "</title>" + refresh)
    assert decisions(deep) == ("https://news.example/2026/11/new-home.html",) * 2


def test_a_refresh_spelled_apart_by_an_escape_sequence_is_still_found() -> None:
    """ISO-2022-JP: b"re<ESC>(Bfresh" reads "refresh", though its bytes never spell it."""
    refresh = b'<meta http-equiv="re\x1b(Bfresh" content="0; url=/2026/11/new-home.html">'
    body = (
        b"<html><head>"
        + refresh
        + b"</head><body>"
        + FILLER.encode("iso2022_jp", "replace")
        + b"</body>"
    )
    response = HtmlResponse(
        URL, body=body, headers={"Content-Type": "text/html; charset=iso-2022-jp"}
    )
    assert b"refresh" not in body.lower()
    assert decisions(response) == ("https://news.example/2026/11/new-home.html",) * 2


@settings(max_examples=60, deadline=None)
@given(
    prefix=st.text(max_size=200),
    padding=st.integers(min_value=0, max_value=4200),
    delay=st.sampled_from(["0", "5", "30", "x"]),
    target=st.sampled_from(["/a.html", "https://other.example/b", "javascript:x()", ""]),
    encoding=st.sampled_from(["utf-8", "cp1252", "utf-16", "shift_jis", "iso2022_jp", "gb18030"]),
    header=st.booleans(),
)
def test_any_page_gets_the_decision_scrapy_makes(
    prefix: str, padding: int, delay: str, target: str, encoding: str, header: bool
) -> None:
    """Text of any length before the refresh, any encoding, declared in the header or not."""
    refresh = f'<meta http-equiv="refresh" content="{delay}; url={target}">'
    ours, scrapys = decisions(page(prefix + "é東" * (padding // 2) + refresh, encoding, header))
    assert ours == scrapys
