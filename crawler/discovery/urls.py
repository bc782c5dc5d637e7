"""One discovered URL, made absolute and checked: a usable http(s) URL or ``None``."""

from __future__ import annotations

from urllib.parse import urljoin

from storage.urls import canonical_url

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
    try:
        joined = urljoin(base_url, text)
        canonical_url(joined)
    except ValueError:
        return None
    return joined.split("#", 1)[0]
