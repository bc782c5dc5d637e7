"""SURT keys of URLs, as CDX(J) indexes sort them (pywb's and py-wacz's default form)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_WWW = re.compile(r"^www[0-9]*\.")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _segments(path: str) -> list[str]:
    """Path segments without empty ones and dot segments, ``..`` taking its parent away."""
    kept: list[str] = []
    for segment in path.split("/"):
        if segment in ("", "."):
            continue
        if segment == ".." and kept and kept[-1] != "..":
            kept.pop()
        else:
            kept.append(segment)
    return kept


def surt(url: str) -> str:
    """``com,example)/path?a=1&b=2`` for ``http://www.Example.com/Path?b=2&a=1``."""
    parts = urlsplit(url.strip())
    host = _WWW.sub("", (parts.hostname or "").lower().rstrip("."))
    key = ",".join(reversed(host.split(".")))
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is not None and port != _DEFAULT_PORTS.get(parts.scheme.lower()):
        key += f":{port}"
    path = "/" + "/".join(_segments(parts.path.lower()))
    query = "&".join(sorted(parts.query.lower().split("&"))) if parts.query else ""
    return f"{key}){path}" + (f"?{query}" if query else "")
