"""Data that JavaScript frameworks embed in a page: found in its scripts, decoded to JSON values.

Pure and general: a blob is recognised by the names frameworks give it (Next.js
``__NEXT_DATA__`` and the app router's ``self.__next_f.push`` stream, Nuxt ``__NUXT_DATA__``
and ``window.__NUXT__``, state blobs such as ``__APOLLO_STATE__``, ``__PRELOADED_STATE__``,
``__INITIAL_STATE__``) or by being a large ``application/json`` script, never by the site.
Scripts are collected (cheap: a look at attributes and the first characters) before the body
pass deletes them; decoding happens only when a page needs it (see ``shells.py``).
Nothing here raises on bad input: a blob that is not JSON decodes to nothing.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from lxml.html import HtmlElement

__all__ = ["EmbeddedBlob", "collect_blobs", "decode_blob"]

logger = logging.getLogger(__name__)

#: A JSON script smaller than this holds configuration, not an article.
MIN_JSON_SCRIPT_CHARS = 2000
_STATE_NAMES = r"__APOLLO_STATE__|__PRELOADED_STATE__|__INITIAL_STATE__|__NUXT__|__STATE__"
_STATE_ASSIGNMENT = re.compile(r"(?:window|self|globalThis)?\.?(" + _STATE_NAMES + r")\s*=\s*")
_NEXT_F_PUSH = re.compile(r"self\.__next_f\.push\(\s*(\[.*\])\s*\)\s*;?\s*$", re.DOTALL)
_FLIGHT_ROW = re.compile(rb"\n*([0-9a-fA-F]+):")
_FLIGHT_TEXT = re.compile(rb"T([0-9a-fA-F]{1,8}),")
_HEAD_CHARS = 300  # a state assignment or push call starts within these characters of a script
#: Nuxt's devalue format marks non-JSON values with a type name in a list's first place.
_DEVALUE_WRAPPERS = frozenset({"Reactive", "ShallowReactive", "Ref", "ShallowRef", "EmptyRef"})


@dataclass(frozen=True)
class EmbeddedBlob:
    """One embedded data script: its kind (``next_data``, ``next_flight``, ``nuxt_data``,
    ``state``, ``json_script``) and its raw text."""

    kind: str
    raw: str


def collect_blobs(scripts: Iterable[HtmlElement]) -> list[EmbeddedBlob]:
    """The embedded data among a page's ``scripts`` (the app router's pushes joined in one)."""
    blobs: list[EmbeddedBlob] = []
    flight: list[str] = []
    for script in scripts:
        if script.get("src"):
            continue
        text = script.text or ""
        kind = _script_kind(script, text)
        if kind == "next_flight":
            flight.append(text)
        elif kind is not None:
            blobs.append(EmbeddedBlob(kind, text))
    if flight:
        blobs.append(EmbeddedBlob("next_flight", "\n".join(flight)))
    return blobs


def _script_kind(script: HtmlElement, text: str) -> str | None:
    ident = script.get("id") or ""
    if ident == "__NEXT_DATA__":
        return "next_data"
    if ident == "__NUXT_DATA__":
        return "nuxt_data"
    script_type = (script.get("type") or "").lower()
    if script_type == "application/json":
        return "json_script" if len(text) >= MIN_JSON_SCRIPT_CHARS else None
    if script_type not in ("", "text/javascript", "application/javascript", "module"):
        return None
    head = text[:_HEAD_CHARS]
    if "__next_f" in head and "push" in head:
        return "next_flight"
    if "__" in head and _STATE_ASSIGNMENT.search(head):
        return "state"
    return None


def decode_blob(blob: EmbeddedBlob) -> list[Any]:
    """The JSON values a blob holds (none if it is not JSON); never raises on bad input."""
    try:
        if blob.kind == "next_flight":
            return list(_flight_values(blob.raw))
        if blob.kind == "state":
            return list(_state_values(blob.raw))
        value = json.loads(blob.raw)
        if blob.kind == "nuxt_data":
            return [_devalue(value)]
        return [value]
    except (ValueError, RecursionError) as error:
        logger.debug("embedded %s blob is not readable JSON: %s", blob.kind, error)
        return []


def _state_values(raw: str) -> Iterator[Any]:
    """``window.NAME = {...}`` or ``= JSON.parse("...")`` assignments, where they are JSON."""
    decoder = json.JSONDecoder()
    for match in _STATE_ASSIGNMENT.finditer(raw):
        start = match.end()
        if raw.startswith("JSON.parse(", start):
            literal, _ = _raw_decode(decoder, raw, start + len("JSON.parse("))
            if isinstance(literal, str):
                yield json.loads(literal)
            continue
        value, _ = _raw_decode(decoder, raw, start)
        if isinstance(value, dict | list):
            yield value


def _raw_decode(decoder: json.JSONDecoder, raw: str, start: int) -> tuple[Any, int]:
    try:
        return decoder.raw_decode(raw, start)
    except ValueError:
        return None, start


def _flight_values(raw: str) -> Iterator[Any]:
    """The rows of the app router's flight stream: JSON rows decoded, text rows as strings.

    A row is ``ID:JSON`` up to a newline, or ``ID:T<hex length>,<text>`` (length in UTF-8
    bytes), so the stream is read in order rather than split on newlines.
    """
    payload = "".join(_pushed_strings(raw)).encode("utf-8", "replace")
    position = 0
    while position < len(payload):
        row = _FLIGHT_ROW.match(payload, position)
        if row is None:  # not at a row: skip to the next line
            newline = payload.find(b"\n", position)
            position = len(payload) if newline < 0 else newline + 1
            continue
        text = _FLIGHT_TEXT.match(payload, row.end())
        if text is not None:
            end = text.end() + int(text.group(1), 16)
            yield payload[text.end() : end].decode("utf-8", "replace")
            position = end
            continue
        newline = payload.find(b"\n", row.end())
        end = len(payload) if newline < 0 else newline
        body = payload[row.end() : end]
        position = end + 1
        if body[:1] in (b"[", b"{", b'"'):
            try:
                yield json.loads(body)
            except ValueError:
                continue


def _pushed_strings(raw: str) -> Iterator[str]:
    """The string chunks of ``self.__next_f.push([1, "..."])`` calls, in order."""
    for call in raw.split("self.__next_f.push(")[1:]:
        match = _NEXT_F_PUSH.match("self.__next_f.push(" + call.strip())
        if match is None:
            continue
        try:
            pushed = json.loads(match.group(1))
        except ValueError:
            continue
        if isinstance(pushed, list) and len(pushed) >= 2 and isinstance(pushed[1], str):
            yield pushed[1]


def _devalue(table: Any) -> Any:
    """Nuxt's ``__NUXT_DATA__``: a flat list where numbers in containers point at entries."""
    if not isinstance(table, list) or not table:
        return table
    memo: dict[int, Any] = {}
    resolving: set[int] = set()  # a reference back into an entry being resolved: a cycle

    def resolve(index: Any, depth: int) -> Any:
        if not isinstance(index, int) or isinstance(index, bool):
            return None
        if not 0 <= index < len(table) or depth > 200 or index in resolving:
            return None
        if index in memo:
            return memo[index]
        resolving.add(index)
        value = table[index]
        if isinstance(value, dict):
            resolved: Any = {key: resolve(item, depth + 1) for key, item in value.items()}
        elif isinstance(value, list):
            if value and isinstance(value[0], str) and value[0] in _DEVALUE_WRAPPERS:
                resolved = resolve(value[1], depth + 1) if len(value) > 1 else None
            elif value and isinstance(value[0], str):
                resolved = None  # Date, Set, Map, regexp: no article text
            else:
                resolved = [resolve(item, depth + 1) for item in value]
        else:
            resolved = value
        resolving.discard(index)
        memo[index] = resolved  # each entry resolved once: shared entries stay shared
        return resolved

    return resolve(0, 0)
