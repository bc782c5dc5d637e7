"""Canonical URLs: every spelling of one page is one article."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storage.urls import (
    InvalidURL,
    canonical_url,
    canonical_url_and_host,
    host_of,
    normalised_url_and_host,
    plain_path,
    plain_url,
    strip_credentials,
    url_hash,
)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("HTTPS://Example.COM:443/News/a.html#comments", "https://example.com/News/a.html"),
        ("http://example.com:80", "http://example.com/"),
        ("https://example.com/a?utm_source=x&id=3&fbclid=y&gclid=z", "https://example.com/a?id=3"),
        ("https://example.com/a?b=2&a=1", "https://example.com/a?a=1&b=2"),
        ("https://user:secret@example.com/a", "https://example.com/a"),
        ("https://bücher.example/a", "https://xn--bcher-kva.example/a"),
        ("https://example.com/caf%C3%A9", "https://example.com/caf%C3%A9"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("http://[2001:DB8::1]/a", "http://[2001:db8::1]/a"),  # IPv6 literals keep brackets
        ("http://[2001:db8::1]:80/a", "http://[2001:db8::1]/a"),
        ("https://[2001:db8::1]:8443/a", "https://[2001:db8::1]:8443/a"),
    ],
)
def test_canonical_url_normalises_spellings(given: str, expected: str) -> None:
    assert canonical_url(given) == expected


@pytest.mark.parametrize(
    "bad", ["ftp://example.com/a", "javascript:alert(1)", "example.com/a", "https://exa\nmple.com/"]
)
def test_canonical_url_rejects_what_is_not_http(bad: str) -> None:
    with pytest.raises(InvalidURL):
        canonical_url(bad)


def test_url_hash_is_fixed_size_for_very_long_urls() -> None:
    long_url = "https://example.com/" + "a" * 10_000
    assert len(url_hash(canonical_url(long_url))) == 64


def test_strip_credentials() -> None:
    assert strip_credentials("https://u:p@example.com/x") == "https://example.com/x"
    assert strip_credentials("https://example.com/x") == "https://example.com/x"


# URLs near the plain form: every piece sometimes breaks it (upper case, escapes, a query, an
# IDN or bracketed host, a bad or default port, spaces and control characters).
_HOST_CHARS = "abcxyz019.-AZ_ü%[]:@"
_PATH_CHARS = "abz09/-._~:@!$&'()*+,;=%7eE?#é \t\n[]"
urls_near_plain = st.builds(
    "{}://{}{}{}".format,
    st.sampled_from(["http", "https", "HTTP", "Https", "ftp", "http:", ""]),
    st.text(_HOST_CHARS, min_size=0, max_size=12),
    st.one_of(st.just(""), st.integers(0, 99999).map(":{}".format), st.just(":080"), st.just(":")),
    st.text(_PATH_CHARS, max_size=20).map(lambda p: "/" + p if p[:1] != "/" else p) | st.just(""),
)


@settings(max_examples=3000, deadline=None)
@given(st.one_of(urls_near_plain, st.text(max_size=40)))
def test_the_plain_url_shortcut_gives_what_the_full_normalisation_gives(url: str) -> None:
    plain = plain_url(url)
    try:
        full: tuple[str, str] | None = normalised_url_and_host(url)
    except InvalidURL:
        full = None
    if plain is not None:
        assert plain == full
        assert plain[1] == host_of(plain[0])
    path = plain_path(url)
    if path is not None:  # what urlsplit gives, without the split
        assert (path, "") == ((urlsplit(url).path or "/"), urlsplit(url).query)
    assert (canonical_url_and_host(url) if full is not None else None) == full


def test_the_plain_url_shortcut_takes_what_sitemaps_usually_list() -> None:
    assert plain_url("https://news.example/2026/12/07/council-agrees-budget.html") == (
        "https://news.example/2026/12/07/council-agrees-budget.html",
        "news.example",
    )
    assert plain_url("http://127.0.0.1:8080/a/1") == ("http://127.0.0.1:8080/a/1", "127.0.0.1")
    assert plain_url("https://news.example:443") == ("https://news.example/", "news.example")
    for other in ("https://News.example/a", "https://news.example/a?id=1", "https://n.example/%7e"):
        assert plain_url(other) is None


@given(
    st.ip_addresses(v=6).map(str),
    st.sampled_from(["", ":80", ":8080"]),
    st.sampled_from(["", "/", "/a/b", "/a?x=1"]),
)
def test_an_ipv6_literal_url_stays_the_same_url(address: str, port: str, path: str) -> None:
    canonical = canonical_url(f"http://[{address}]{port}{path}")
    assert canonical_url(canonical) == canonical  # canonical is a fixed point
    assert host_of(canonical) == address.lower()
    assert urlsplit(canonical).port in (None, 8080)
