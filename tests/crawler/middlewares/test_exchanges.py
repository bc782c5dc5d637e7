"""HttpExchangeMiddleware: the heads of each answer, redirect hops included, for the capture."""

from __future__ import annotations

import hashlib
import json
import zlib

from hypothesis import given
from hypothesis import strategies as st
from scrapy import Request
from scrapy.http import HtmlResponse, Response

from crawler.middlewares.exchanges import HttpExchangeMiddleware, capture_http
from storage.capture_http import MAX_VALUE_CHARS, decode_http, encode_http

START = "https://news.example/r/1"
FINAL = "https://news.example/2026/story.html"


def test_a_redirect_chain_keeps_each_hop_and_the_final_heads() -> None:
    middleware = HttpExchangeMiddleware()
    first = Request(START, headers={"User-Agent": "newsarchive/test"})
    hop = Response(START, status=301, headers={"Location": FINAL, "Server": "edge"})
    middleware.process_response(first, hop)
    # RedirectMiddleware copies the request; the list of exchanges goes with its meta.
    second = first.replace(url=FINAL)
    second.meta["redirect_urls"] = [START]
    body = b"<html><title>Story</title></html>"
    headers = {
        "Content-Type": "text/html",
        "Content-Encoding": "gzip",
        "Set-Cookie": ["a=1", "b=2"],
        "X-Long": "x" * (MAX_VALUE_CHARS + 10),
    }
    final = HtmlResponse(FINAL, status=200, headers=headers, body=body, request=second)
    middleware.process_response(second, final)

    http = capture_http(final, body)
    assert http is not None
    assert http.payload_sha256 == hashlib.sha256(body).hexdigest()
    assert ("Content-Encoding", "gzip") in http.response_headers
    assert [v for n, v in http.response_headers if n == "Set-Cookie"] == ["a=1", "b=2"]
    assert http.truncated
    assert ("User-Agent", "newsarchive/test") in http.request_headers
    assert [(h.url, h.status) for h in http.hops] == [(START, 301)]
    assert ("Location", FINAL) in http.hops[0].headers
    assert decode_http(encode_http(http)) == http


def test_a_304_has_no_payload_digest() -> None:
    request = Request(FINAL)
    answer = Response(FINAL, status=304, headers={"Etag": '"v1"'}, request=request)
    HttpExchangeMiddleware().process_response(request, answer)
    http = capture_http(answer, b"")
    assert http is not None
    assert http.payload_sha256 is None


@given(st.binary(max_size=300))
def test_any_stored_bytes_decode_to_an_exchange_or_none(blob: bytes) -> None:
    decoded = decode_http(blob)
    assert decoded is None or decoded.protocol


@given(
    st.recursive(
        st.none() | st.text() | st.integers(),
        lambda c: st.lists(c) | st.dictionaries(st.text(), c),
        max_leaves=20,
    )
)
def test_any_stored_json_decodes_to_an_exchange_or_none(value: object) -> None:
    blob = zlib.compress(json.dumps(value).encode())
    decoded = decode_http(blob)
    assert decoded is None or decoded.protocol
