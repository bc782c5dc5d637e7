"""Property tests: any bytes or JSON into the embedded-data finder give a result, never raise."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.extraction import ExtractionError, extract_article
from crawler.extraction.embedded import EmbeddedBlob, decode_blob
from crawler.extraction.prose import find_article

KINDS = ("next_data", "next_flight", "nuxt_data", "state", "json_script")
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=40,
)


@given(st.sampled_from(KINDS), st.text())
def test_any_text_in_any_blob_decodes_or_gives_nothing(kind: str, raw: str) -> None:
    assert isinstance(decode_blob(EmbeddedBlob(kind, raw)), list)


@given(st.sampled_from(KINDS), json_values)
def test_any_json_in_any_blob_decodes_and_finds_an_article_or_none(kind: str, value: Any) -> None:
    raw = json.dumps(value)
    if kind == "state":
        raw = f"window.__INITIAL_STATE__ = {raw};"
    elif kind == "next_flight":
        raw = f"self.__next_f.push([1, {json.dumps('1:' + raw)}])"
    values = decode_blob(EmbeddedBlob(kind, raw))
    found = find_article(values)
    assert found is None or found.paragraphs


@given(json_values)
def test_any_json_as_a_nuxt_table_never_raises(value: Any) -> None:
    blob = EmbeddedBlob("nuxt_data", json.dumps([value, value, [0, 1, 2], {"a": 0}]))
    find_article(decode_blob(blob))


@settings(max_examples=50, deadline=None)  # whole extractions, on a loaded machine
@given(st.binary(max_size=2000), st.sampled_from(["__NEXT_DATA__", "__NUXT_DATA__"]))
def test_any_bytes_in_a_page_script_extract_or_raise_extraction_error(
    payload: bytes, ident: str
) -> None:
    page = (
        b"<html><body><div id='__next'></div><script id='" + ident.encode() + b"' "
        b"type='application/json'>" + payload + b"</script></body></html>"
    )
    with contextlib.suppress(ExtractionError):
        extract_article(page, "http://127.0.0.1/a")


def test_a_nuxt_table_whose_entries_point_at_each_other_ends() -> None:
    """Cycles and entries shared many times over (a DAG of exponential size) stay bounded."""
    table: list[Any] = [[1, 1, 0]]
    table += [[i + 2, i + 2, i + 2] for i in range(60)]
    table.append("The end of a long chain of references holds a few words of prose.")
    found = find_article(decode_blob(EmbeddedBlob("nuxt_data", json.dumps(table))))
    assert found is None or found.paragraphs
