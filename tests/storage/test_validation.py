"""The import gate: any record or bytes give a stored record or a counted skip, never coercion."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage.validation import (
    InvalidImport,
    urls_from_lines,
    version_from_json,
    versions_from_jsonl,
)

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
GOOD = {
    "url": "https://example.com/a",
    "version": 1,
    "captured_at": "2026-01-01T00:00:00Z",
    "text": "Words.",
}
FIELDS = [*GOOD, "authors", "tags", "title", "paywalled", "change", "origin", "published_at"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(FIELDS), JSON, max_size=8))
def test_a_record_is_taken_as_given_or_refused(changes: dict[str, Any]) -> None:
    data = {**GOOD, **changes}
    try:
        record = version_from_json(data)
    except InvalidImport:
        return
    # Accepted: every value is the one given, of the schema's type; nothing was converted.
    assert record.url == data["url"]
    assert isinstance(record.url, str)
    assert record.version == data["version"]
    assert type(record.version) is int
    assert record.text == data["text"]
    for name in ("authors", "tags"):
        assert record.__dict__[name] == (data.get(name) or [])
        assert all(isinstance(item, str) for item in record.__dict__[name])
    assert record.title == data.get("title")
    assert record.paywalled == data.get("paywalled")
    json.dumps(record.change)  # storable as JSON
    for text in (record.url, record.text, *record.authors):
        text.encode("utf-8")  # no lone surrogate slipped through


@given(st.lists(st.binary(max_size=300), max_size=10))
def test_any_bytes_give_records_or_counted_skips(lines: list[bytes]) -> None:
    skipped: list[str] = []
    records = list(versions_from_jsonl(lines, skipped, source="in line"))
    blank = sum(1 for line in lines if not line.strip())
    assert len(records) + len(skipped) <= len(lines)
    assert len(records) + len(skipped) + blank >= len(lines) - sum(
        1 for line in lines if _decodes_blank(line)
    )
    assert all(entry.startswith("in line ") for entry in skipped)


def _decodes_blank(line: bytes) -> bool:
    try:
        return not line.decode("utf-8").strip()
    except UnicodeDecodeError:
        return False


@given(st.lists(JSON, max_size=6))
def test_any_json_lines_give_records_or_counted_skips(values: list[Any]) -> None:
    lines = [json.dumps(value) for value in values]
    skipped: list[str] = []
    records = list(versions_from_jsonl(lines, skipped))
    assert len(records) + len(skipped) == len(lines)


def test_the_issue_cases_are_refused_with_a_reason() -> None:
    cases: dict[str, dict[str, object]] = {
        "authors must be a list of strings, not a string": {"authors": "Jane Doe"},
        "authors must be a list of strings, not a number": {"authors": 5},
        "title must be a string, not a list": {"title": []},
        "url must be a string, not a number": {"url": 12345},
        "version must be a whole number from 1": {"version": True},
        "text holds a lone surrogate": {"text": "a\ud800b"},
    }
    for reason, change in cases.items():
        with pytest.raises(InvalidImport, match=re.escape(reason)):
            version_from_json({**GOOD, **change})


@given(st.lists(st.binary(max_size=300), max_size=10))
def test_any_url_list_gives_urls_or_counted_skips(lines: list[bytes]) -> None:
    skipped: list[str] = []
    urls = list(urls_from_lines(lines, skipped, source="f line"))
    for url in urls:
        assert url.lower().startswith(("http://", "https://"))
    assert len(urls) + len(skipped) <= len(lines)  # one URL or one skip a line, at most
    assert all(re.fullmatch(r"f line \d+: .+; skipped", s, re.DOTALL) for s in skipped)


def test_a_100000_line_url_list_is_read_a_line_at_a_time() -> None:
    """The reader holds one line at a time: the first URL comes before the rest is read."""
    read = 0

    def lines() -> Iterator[bytes]:
        nonlocal read
        for number in range(1, 100_001):
            read += 1
            yield b"not a url\n" if number == 50_000 else f"https://n.example/{number}\n".encode()

    skipped: list[str] = []
    urls = urls_from_lines(lines(), skipped, source="big.txt line")
    assert next(urls) == "https://n.example/1"
    assert read == 1
    assert sum(1 for _ in urls) == 99_998
    assert read == 100_000
    assert skipped == ["big.txt line 50000: not an absolute http(s) URL: 'not a url'; skipped"]
