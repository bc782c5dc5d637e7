"""Turn response bytes into HTML text: BOM, HTTP charset, <meta> charset, then detection."""

from __future__ import annotations

import codecs
import logging
import re

from charset_normalizer import from_bytes
from w3lib.encoding import html_to_unicode, resolve_encoding

from crawler.extraction.errors import ExtractionError

__all__ = ["decode_body", "decode_html"]

logger = logging.getLogger(__name__)

_HTML_TYPES = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "text/xml",
        "application/xml",
        "text/plain",  # misconfigured servers; the body sniff below decides
        "application/octet-stream",
        "",
    }
)
_BINARY_MAGIC = (
    b"%PDF-",
    b"\x89PNG",
    b"GIF87a",
    b"GIF89a",
    b"\xff\xd8\xff",
    b"PK\x03\x04",
    b"\x1f\x8b",
    b"RIFF",
    b"\x00\x00\x01\x00",
    b"ID3",
    b"OggS",
    b"\x28\xb5\x2f\xfd",
)
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """Decode a response body the way a browser would; raise ExtractionError if it is not HTML.

    Order: byte-order mark, ``charset`` in the Content-Type header, ``<meta charset>`` or
    ``http-equiv`` in the first bytes of the page, then detection (UTF-8 first).
    """
    return decode_body(body, content_type)[0]


def decode_body(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """decode_html's text and the name of the encoding it was decoded with."""
    if not body or not body.strip():
        raise ExtractionError("empty_body", "the response body is empty")
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    if mime not in _HTML_TYPES:
        raise ExtractionError("not_html", f"content type {mime!r} is not HTML")
    if _looks_binary(body):
        raise ExtractionError("not_html", "the body is binary data, not HTML")
    charset = _charset(content_type)
    if charset and codecs.lookup(charset).name == "utf-8":
        try:  # a UTF-8 header over a body that decodes in it: that decoding is the text
            return body.decode("utf-8").lstrip("\ufeff"), "utf-8"
        except UnicodeDecodeError:
            pass
    if charset and _header_lies(body, charset):
        logger.debug("ignoring the header's charset %s: the body does not decode in it", charset)
        charset = None
    header = f"text/html; charset={charset}" if charset else None
    encoding, text = html_to_unicode(header, body, auto_detect_fun=_detect)
    logger.debug("decoded %d bytes as %s", len(body), encoding)
    return text.lstrip("\ufeff"), codecs.lookup(encoding).name


def _header_lies(body: bytes, charset: str) -> bool:
    """A UTF-8 header over a body that is mostly not UTF-8 (e.g. cp1251 bytes) is wrong.

    A few invalid bytes are a damaged UTF-8 page and decode with replacements; many mean the
    server mislabelled a legacy encoding, and the page's own declaration or detection decides.
    Single-byte charsets decode any byte, so only UTF-8 claims can be caught this way.
    """
    if codecs.lookup(charset).name != "utf-8":
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        replaced = body.decode("utf-8", "replace").count("\ufffd")
        return replaced > max(8, len(body) // 500)
    return False


def _charset(content_type: str | None) -> str | None:
    if not content_type:
        return None
    match = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", content_type, re.I)
    if match is None or resolve_encoding(match.group(1)) is None:
        return None
    return match.group(1)


def _looks_binary(body: bytes) -> bool:
    if body.startswith(_BOMS):
        return False
    head = body[:1024]
    if head.startswith(_BINARY_MAGIC):
        return True
    # Text HTML has almost no C0 control bytes; binary data has plenty.
    return len(_CONTROL.findall(head)) > max(4, len(head) // 50)


def _detect(body: bytes) -> str | None:
    """Guess an encoding when nothing is declared: UTF-8 if it decodes, else charset-normalizer."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    best = from_bytes(body[:65536]).best()
    if best is None:
        return "cp1252"
    return str(best.encoding)
