"""The hostile server itself (demosite/hostile.py), no crawl: each route misbehaves as promised."""

from __future__ import annotations

import gzip
import http.client
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from demosite.hostile import RETRY_AFTER, HostileServer


@pytest.fixture(scope="module")
def server() -> Iterator[HostileServer]:
    with HostileServer(bomb_bytes=2 * 1024 * 1024).start() as started:
        yield started


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=10)
    try:
        connection.request("GET", parts.path)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def test_an_article_is_a_plain_page_and_every_request_is_logged(server: HostileServer) -> None:
    status, headers, body = get(server.url("/article/one"))
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert b"<h1>Night buses for the north: one</h1>" in body
    assert [hit.listener for hit in server.hits("/article/one")] == ["main"]


def test_a_redirect_loop_points_back_and_forth(server: HostileServer) -> None:
    assert get(server.url("/redirect-loop/a"))[1]["Location"] == "/redirect-loop/b"
    assert get(server.url("/redirect-loop/b"))[1]["Location"] == "/redirect-loop/a"


def test_retry_after_answers_429_once_then_the_article(server: HostileServer) -> None:
    status, headers, _ = get(server.url("/retry-after/story"))
    assert (status, headers["Retry-After"]) == (429, str(RETRY_AFTER))
    status, _, body = get(server.url("/retry-after/story"))
    assert status == 200
    assert b"Patience pays: story" in body


def test_the_charset_lie_sends_cp1251_under_a_utf8_header(server: HostileServer) -> None:
    _, headers, body = get(server.url("/charset-lie"))
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert "Ночные автобусы" in body.decode("cp1251")


def test_a_gzip_bomb_inflates_far_beyond_its_size(server: HostileServer) -> None:
    _, headers, body = get(server.url("/gzip-bomb"))
    assert headers["Content-Encoding"] == "gzip"
    assert len(gzip.decompress(body)) > 50 * len(body)


def test_robots_txt_differs_by_listener(server: HostileServer) -> None:
    assert get(server.url("/robots.txt"))[0] == 404
    assert get(server.url("/robots.txt", "robots_500"))[0] == 500
    delay = get(server.url("/robots.txt", "crawl_delay"))[2].decode()
    assert "Crawl-delay: 2" in delay
