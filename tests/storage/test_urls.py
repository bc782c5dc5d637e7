"""Canonical URLs: every spelling of one page is one article."""

from __future__ import annotations

import pytest

from storage.urls import InvalidURL, canonical_url, strip_credentials, url_hash


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
