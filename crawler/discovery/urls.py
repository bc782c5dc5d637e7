"""One discovered URL, made absolute and checked: a usable http(s) URL or ``None``."""

from __future__ import annotations

from urllib.parse import SplitResult, urljoin, urlsplit

from storage.urls import plain_url

ABSOLUTE = ("http://", "https://")
MALFORMED_URL = "malformed_url"  # the skip reason counted for an entry whose URL is unusable


def absolute_url(raw: object, base_url: str) -> str | None:
    """``raw`` resolved against ``base_url`` if the result is an absolute http(s) URL.

    A malformed value (``http://[::1``, a non-string, control characters, another scheme) gives
    ``None``: the caller counts it under ``MALFORMED_URL`` and keeps the document's other entries.
    """
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    if not text or len(text) > 8192:
        return None
    if plain_url(text) is not None:  # the common case, already usable as written
        return text
    try:
        joined = text if text.lower().startswith(ABSOLUTE) else urljoin(base_url, text)
        parts = urlsplit(joined)
        usable = parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
        usable = usable and not any(ch in joined for ch in "\r\n\x00") and _port_ok(parts)
    except ValueError:  # an unbalanced IPv6 bracket, a bad port, ...
        return None
    return joined.split("#", 1)[0] if usable else None


def _port_ok(parts: SplitResult) -> bool:
    try:
        parts.port  # noqa: B018 (raises ValueError for a port out of range)
    except ValueError:
        return False
    return True
