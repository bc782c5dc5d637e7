"""The CDX and TimeMap parsers: every input gives rows or counted skips, never an exception."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.backfill.cdx import CdxAnswerError, CdxRow, CdxSkip, parse_cdx_lines
from crawler.backfill.sources import raw_memento_url
from crawler.backfill.timemap import parse_timemap

WAYBACK_JSON = [
    '[["urlkey","timestamp","original","mimetype","statuscode","digest","length"],',
    '["com,x)/a","20261102090000","http://x.com/a","text/html","200","AAA","10"],',
    '["com,x)/a","20261109090000","http://x.com/a","text/html","404","BBB","10"],',
    '["com,x)/a","2026110","http://x.com/a","text/html","200","CCC","10"]]',
]


def test_wayback_json_rows_and_a_counted_bad_timestamp() -> None:
    parsed = list(parse_cdx_lines(WAYBACK_JSON))
    rows = [p for p in parsed if isinstance(p, CdxRow)]
    assert [(r.captured_at, r.status, r.digest) for r in rows] == [
        (datetime(2026, 11, 2, 9, tzinfo=UTC), 200, "AAA"),
        (datetime(2026, 11, 9, 9, tzinfo=UTC), 404, "BBB"),
    ]
    assert [p.line_number for p in parsed if isinstance(p, CdxSkip)] == [4]


def test_pywb_ndjson_rows() -> None:
    line = json.dumps(
        {
            "timestamp": "20261116090000",
            "url": "http://x.com/a",
            "mime": "text/html",
            "status": "200",
            "digest": "D",
        }
    )
    (row,) = parse_cdx_lines([line, "not json at all"][:1])
    assert isinstance(row, CdxRow)
    assert row.captured_at == datetime(2026, 11, 16, 9, tzinfo=UTC)


def test_an_html_answer_is_no_cdx_result() -> None:
    with pytest.raises(CdxAnswerError, match="HTML"):
        list(parse_cdx_lines(["", "<!doctype html><title>Log in</title>"]))


def test_timemap_with_broken_entries() -> None:
    text = (
        '<http://x.com/a>; rel="original",\n'
        '<http://arch/web/20261102090000/http://x.com/a>; rel="first memento"; '
        'datetime="Mon, 02 Nov 2026 09:00:00 GMT",\n'
        '<http://arch/web/2026/http://x.com/a>; rel="memento"; datetime="yesterday",\n'
        "garbage line without brackets,\n"
        '<http://arch/web/20261116090000/http://x.com/a?a=1,2>; rel="memento"; '
        'datetime="Mon, 16 Nov 2026 09:00:00 GMT"'
    )
    timemap = parse_timemap(text)
    assert [m.uri for m in timemap.mementos] == [
        "http://arch/web/20261102090000/http://x.com/a",
        "http://arch/web/20261116090000/http://x.com/a?a=1,2",
    ]
    assert timemap.skipped == 2
    assert timemap.original == "http://x.com/a"


def test_raw_memento_url_uses_id_() -> None:
    assert (
        raw_memento_url("http://arch/web/20261102090000mp_/http://x.com/a")
        == "http://arch/web/20261102090000id_/http://x.com/a"
    )


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=200), max_size=20))
def test_any_cdx_lines_give_rows_or_skips(lines: list[str]) -> None:
    try:
        parsed = list(parse_cdx_lines(lines))
    except CdxAnswerError:
        return  # an answer that starts like HTML: the one error, by design
    assert all(isinstance(p, CdxRow | CdxSkip) for p in parsed)


cdx_value = st.one_of(st.text(max_size=20), st.integers(), st.none(), st.booleans())


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.dictionaries(
            st.sampled_from(["timestamp", "url", "mime", "status", "digest", "x"]), cdx_value
        ),
        max_size=10,
    )
)
def test_any_json_objects_give_rows_or_skips(objects: list[dict[str, object]]) -> None:
    parsed = list(parse_cdx_lines(json.dumps(o) for o in objects))
    assert len(parsed) == len(objects)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=500))
def test_any_timemap_text_gives_mementos_or_skips(text: str) -> None:
    timemap = parse_timemap(text)
    assert timemap.skipped >= 0
    assert [m.captured_at for m in timemap.mementos] == sorted(
        m.captured_at for m in timemap.mementos
    )
