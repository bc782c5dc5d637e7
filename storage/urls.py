"""Canonical article URLs: one spelling per article, and a fixed-size key for indexes."""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

TRACKING_PARAMETERS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "ref_src",
        "ncid",
        "cmpid",
        "ocid",
        "spm",
    }
)
TRACKING_PREFIXES = ("utm_", "__twitter", "_hs", "mkt_", "pk_", "itm_")
DEFAULT_PORTS = {"http": 80, "https": 443}
# A URL that is canonical as written, but for its port: lower-case scheme and ASCII host, a
# path only of characters ``quote`` keeps (no percent escape), no query, fragment, credentials
# or space. Most URLs a sitemap lists look like this; they skip the full normalisation, whose
# answer would be the same (tests/storage/test_urls.py checks that on arbitrary URLs).
_PLAIN = re.compile(r"(https?)://([a-z0-9.-]+)(?::([0-9]{1,5}))?(/[A-Za-z0-9/:@!$&'()*+,;=._~-]*)?")


class InvalidURL(ValueError):
    """The text is not an absolute http(s) URL."""


def is_tracking_parameter(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMETERS or lowered.startswith(TRACKING_PREFIXES)


def _host(hostname: str) -> str:
    try:
        return hostname.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return hostname.lower()


@lru_cache(maxsize=8192)  # pure; an import or a crawl meets each URL several times
def canonical_url(url: str) -> str:
    """Normalise ``url`` so every spelling of one page maps to one string.

    Lower-cases scheme and host, stores IDN hosts as punycode, drops credentials, the default
    port, the fragment and tracking parameters (utm_*, fbclid, gclid, ...), sorts the remaining
    query parameters and normalises percent-encoding. Raises ``InvalidURL`` for anything that
    is not an absolute http(s) URL.
    """
    return canonical_url_and_host(url)[0]


def canonical_url_and_host(url: str) -> tuple[str, str]:
    """``canonical_url(url)`` and its host (as ``host_of`` gives it), from one reading of it."""
    return plain_url(url) or normalised_url_and_host(url)


def normalised_url_and_host(url: str) -> tuple[str, str]:
    """The full normalisation behind ``canonical_url``, whatever the URL looks like."""
    text = url.strip()
    if any(ch in text for ch in "\r\n\x00"):
        raise InvalidURL(f"URL contains control characters: {text!r}")
    try:
        parts = urlsplit(text)
    except ValueError:  # an unbalanced IPv6 bracket: ``http://[::1``
        raise InvalidURL(f"malformed URL: {text!r}") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        raise InvalidURL(f"not an absolute http(s) URL: {text!r}")
    host = _host(parts.hostname)
    try:
        port = parts.port
    except ValueError:
        raise InvalidURL(f"bad port in URL: {text!r}") from None
    bracketed = f"[{host}]" if ":" in host else host  # an IPv6 literal keeps its brackets
    netloc = bracketed if port in (None, DEFAULT_PORTS[scheme]) else f"{bracketed}:{port}"
    path = quote(unquote(parts.path), safe="/%:@!$&'()*+,;=-._~") or "/"
    query_pairs = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if not is_tracking_parameter(key)
    ]
    query = urlencode(sorted(query_pairs), doseq=True)
    canonical = urlunsplit((scheme, netloc, path, query, ""))
    return canonical, host_of(canonical)


def plain_url(url: str) -> tuple[str, str] | None:
    """(canonical URL, host) of a URL canonical as written but for its port; None for any other
    (which may still be a good URL: ``canonical_url`` reads it in full)."""
    plain = _PLAIN.fullmatch(url)
    if plain is None:
        return None
    scheme, host, port, path = plain.groups()
    if port is None or int(port) == DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}{path or '/'}", host
    if int(port) > 65535:
        return None
    return f"{scheme}://{host}:{int(port)}{path or '/'}", host


def plain_path(url: str) -> str | None:
    """The path (``/`` for none) of a URL in the form ``plain_url`` takes; None for any other."""
    plain = _PLAIN.fullmatch(url)
    return None if plain is None else plain.group(4) or "/"


def url_hash(url: str) -> str:
    """The sha256 hex digest of an already-canonical URL: the unique key of articles and aliases."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


def strip_credentials(url: str) -> str:
    """``url`` without any ``user:password@`` part, for logs and storage."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def host_of(url: str) -> str:
    """The lower-case host of ``url`` (punycode for IDN hosts); InvalidURL when malformed."""
    try:
        return _host(urlsplit(url).hostname or "")
    except ValueError:  # an unbalanced IPv6 bracket: ``http://[::1``
        raise InvalidURL(f"malformed URL: {url!r}") from None
