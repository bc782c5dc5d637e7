"""The one gate for what enters the archive from outside: JSONL records, URL lists, WARC text.

A value is accepted as it is or refused with a reason; nothing is coerced. The JSONL schema is
the export's (``ExportedVersion``, docs/export.md): ``authors: "Jane Doe"`` is refused, not
read as a list of letters; ``url: 12345`` and ``version: true`` are refused; a string holding a
lone surrogate (valid JSON, but not storable text) is refused. Callers skip a refused record
and report it with its line number or offset.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from storage.content import ArticleContent, content_hash
from storage.errors import StorageError
from storage.records import ExportedVersion
from storage.timeutil import parse_instant
from storage.urls import InvalidURL, canonical_url, host_of


class InvalidImport(StorageError):
    """A record from outside cannot be stored as it is; the message names where and why."""


REQUIRED_TEXT = ("url", "text")
OPTIONAL_TEXT = (
    "site", "title", "description", "language", "site_name", "top_image", "section",
    "content_hash", "extractor", "extractor_version", "origin", "body_source",
)  # fmt: skip
TEXT_LISTS = ("authors", "tags")
DATETIMES = ("first_seen_at", "captured_at", "last_confirmed_at", "published_at", "modified_at")
ORIGINS = ("capture", "backfill", "reextract", "import")
BODY_SOURCES = ("html", "jsonld", "embedded_data", "amp", "rendered")
MAX_LINE_BYTES = 64 * 1024 * 1024
MAX_URL_LENGTH = 16384  # the crawler's URLLENGTH_LIMIT: a longer URL would never be fetched


def storable_text(value: object, name: str) -> str:
    """``value`` if it is a string SQLite and PostgreSQL can store (UTF-8, no NUL), else refuse."""
    if not isinstance(value, str):
        raise InvalidImport(f"{name} must be a string, not {_json_type(value)}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidImport(f"{name} holds a lone surrogate (not storable text)") from None
    if "\x00" in value:
        raise InvalidImport(f"{name} holds a NUL character")
    return value


def checked_url(value: object, name: str = "url") -> str:
    """An http(s) URL as given, or InvalidImport."""
    url = storable_text(value, name)
    try:
        canonical_url(url)
    except InvalidURL as error:
        raise InvalidImport(f"{name}: {error}") from None
    return url


def url_from_line(line: str) -> str | None:
    """The URL on one line of a URL list (None for a blank or ``#`` comment line), or refuse."""
    text = line.strip()
    if not text or text.startswith("#"):
        return None
    if len(text) > MAX_URL_LENGTH:
        raise InvalidImport(f"longer than {MAX_URL_LENGTH} characters")
    storable_text(text, "the line")
    if not text.isprintable():
        raise InvalidImport("holds control characters (not a URL)")
    scheme, has_scheme, rest = text.partition(":")
    named_scheme = has_scheme and scheme.isalpha() and not rest[:1].isdigit()  # not host:port
    if named_scheme and scheme.lower() not in ("http", "https"):
        raise InvalidImport(f"unsupported scheme {scheme}: (only http and https are fetched)")
    try:
        canonical_url(text)
    except InvalidURL as error:
        raise InvalidImport(str(error)) from None
    return text


def urls_from_lines(
    lines: Iterable[bytes | str], skipped: list[str], *, source: str = "line"
) -> Iterator[str]:
    """Each line's URL, read one line at a time; each bad line appended to ``skipped``.

    A refused line is "<source> N: why; skipped". Blank lines and ``#`` comments are left out.
    """
    for number, raw in enumerate(lines, start=1):
        try:
            url = url_from_line(decoded_line(raw))
        except InvalidImport as error:
            skipped.append(f"{source} {number}: {error}; skipped")
            continue
        if url is not None:
            yield url


def decoded_line(raw: bytes | str) -> str:
    """One line of a file as text: UTF-8, or InvalidImport."""
    if isinstance(raw, str):
        return raw
    if len(raw) > MAX_LINE_BYTES:
        raise InvalidImport(f"line longer than {MAX_LINE_BYTES // (1024 * 1024)} MB")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidImport(f"not UTF-8 (byte {error.start + 1})") from None


def _json_type(value: object) -> str:
    names = {bool: "true/false", int: "a number", float: "a number", list: "a list"}
    names |= {dict: "an object", str: "a string", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _optional_text(data: dict[str, Any], name: str) -> str | None:
    value = data.get(name)
    return None if value is None else storable_text(value, name)


def _text_list(data: dict[str, Any], name: str) -> list[str]:
    value = data.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidImport(f"{name} must be a list of strings, not {_json_type(value)}")
    return [storable_text(item, f"{name}[{index}]") for index, item in enumerate(value)]


def _instant(data: dict[str, Any], name: str) -> datetime | None:
    value = data.get(name)
    if value is None:
        return None
    try:
        return parse_instant(storable_text(value, name))
    except ValueError as error:
        raise InvalidImport(f"{name}: {error}") from None


def _version_number(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value < 2**31:
        raise InvalidImport(f"version must be a whole number from 1, not {value!r:.40}")
    return value


def _json_value(value: object, name: str) -> None:
    """A nested JSON value (``change``) whose strings are storable and numbers finite."""
    if isinstance(value, str):
        storable_text(value, name)
    elif isinstance(value, float) and not math.isfinite(value):
        raise InvalidImport(f"{name} holds a number JSON cannot store")
    elif isinstance(value, list):
        for item in value:
            _json_value(item, name)
    elif isinstance(value, dict):
        for key, item in value.items():
            _json_value(key, name)
            _json_value(item, name)


def version_from_json(data: object) -> ExportedVersion:
    """One exported version from a decoded JSON value, exactly as given, or InvalidImport."""
    if not isinstance(data, dict):
        raise InvalidImport(f"expected a JSON object, not {_json_type(data)}")
    missing = [
        name for name in (*REQUIRED_TEXT, "version", "captured_at") if data.get(name) in (None, "")
    ]
    if missing:
        raise InvalidImport(f"missing {', '.join(missing)}")
    url = checked_url(data["url"])
    text = storable_text(data["text"], "text")
    values: dict[str, Any] = {name: _optional_text(data, name) for name in OPTIONAL_TEXT}
    values |= {name: _text_list(data, name) for name in TEXT_LISTS}
    values |= {name: _instant(data, name) for name in DATETIMES}
    paywalled = data.get("paywalled")
    if paywalled is not None and not isinstance(paywalled, bool):
        raise InvalidImport(f"paywalled must be true, false or null, not {_json_type(paywalled)}")
    change = data.get("change")
    if change is not None and not isinstance(change, dict):
        raise InvalidImport(f"change must be an object or null, not {_json_type(change)}")
    _json_value(change, "change")
    origin = values["origin"] or "capture"
    if origin not in ORIGINS:
        raise InvalidImport(f"origin must be one of {', '.join(ORIGINS)}, not {origin!r:.40}")
    if values["body_source"] is not None and values["body_source"] not in BODY_SOURCES:
        raise InvalidImport(
            f"body_source must be one of {', '.join(BODY_SOURCES)} or null, "
            f"not {values['body_source']!r:.40}"
        )
    captured = values["captured_at"]
    authors = values["authors"]
    return ExportedVersion(
        **values
        | {
            "url": url,
            "text": text,
            "version": _version_number(data["version"]),
            "paywalled": paywalled,
            "change": change,
            "origin": origin,
            "site": values["site"] or host_of(url),
            "first_seen_at": values["first_seen_at"] or captured,
            "last_confirmed_at": values["last_confirmed_at"] or captured,
            "extractor": values["extractor"] or "import",
            "extractor_version": values["extractor_version"] or "",
            "content_hash": values["content_hash"]
            or content_hash(
                ArticleContent(text=text, title=values["title"], authors=tuple(authors))
            ),
        }
    )


def versions_from_jsonl(
    lines: Iterable[bytes | str], skipped: list[str], *, source: str = "line"
) -> Iterator[ExportedVersion]:
    """Each valid line's version; each other line appended to ``skipped`` as "<source> N: why"."""
    for number, raw in enumerate(lines, start=1):
        try:
            line = decoded_line(raw)
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except (json.JSONDecodeError, RecursionError) as error:
                message = getattr(error, "msg", "nested too deeply")
                raise InvalidImport(f"not JSON ({message})") from None
            yield version_from_json(data)
        except InvalidImport as error:
            skipped.append(f"{source} {number}: {error}; skipped")
