"""The CDX query form: any parameters give a query or one clear error; our rows read back."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.backfill.cdx import CdxRow, parse_cdx_lines
from storage.capture_index import IndexedCapture, MatchType
from web.cdx import _pywb_lines, _wayback_lines
from web.cdx_query import (
    WAYBACK_FIELDS,
    InvalidCdxQuery,
    apply_query,
    parse_query,
    parse_timestamp_bound,
    surt,
)

ROWS = [
    IndexedCapture(
        "https://news.example/a.html?x=1",
        datetime(2026, 11, day, 9, tzinfo=UTC),
        status,
        "text/html; charset=utf-8",
        digest,
        120,
        None,
    )
    for day, status, digest in ((1, 200, "aa"), (2, 200, "aa"), (3, 404, "bb"), (4, 200, None))
]


def test_period_bounds() -> None:
    assert parse_timestamp_bound("2026", "to", end=True) == datetime(
        2026, 12, 31, 23, 59, 59, 999999, tzinfo=UTC
    )
    assert parse_timestamp_bound("202602", "to", end=True).day == 28
    assert parse_timestamp_bound("20261102", "from", end=False) == datetime(2026, 11, 2, tzinfo=UTC)
    with pytest.raises(InvalidCdxQuery):
        parse_timestamp_bound("20261", "from", end=False)


def test_url_forms_choose_the_match_type() -> None:
    assert parse_query("https://news.example/*").match is MatchType.PREFIX
    assert parse_query("*.news.example").match is MatchType.DOMAIN
    assert parse_query("https://news.example/a").match is MatchType.EXACT
    assert surt("https://www.News.example:8080/A?b=1") == "example,news:8080)/a?b=1"


def test_filters_collapse_and_limits() -> None:
    def run(**kwargs: object) -> list[str]:
        query = parse_query("u", **kwargs)  # type: ignore[arg-type]
        return [row["timestamp"][:8] for row in apply_query(ROWS, query)]

    assert run(filters=["statuscode:200"]) == ["20261101", "20261102"]
    assert run(filters=["!=statuscode:200"]) == ["20261103", "20261104"]
    assert run(filters=["~mimetype:revisit"]) == ["20261104"]
    assert run(collapse="digest") == ["20261101", "20261103", "20261104"]
    assert run(collapse="timestamp:6") == ["20261101"]
    assert run(limit=-2) == ["20261103", "20261104"]


def test_our_rows_read_back_with_the_backfill_parser() -> None:
    query = parse_query("u")
    for text in (
        _wayback_lines(apply_query(ROWS, query), list(WAYBACK_FIELDS), json_out=True),
        _pywb_lines(apply_query(ROWS, query), list(WAYBACK_FIELDS), json_out=True),
    ):
        rows = [row for row in parse_cdx_lines(text.splitlines()) if isinstance(row, CdxRow)]
        assert [(r.captured_at, r.status, r.digest) for r in rows] == [
            (ROWS[0].fetched_at, 200, "sha256:aa"),
            (ROWS[1].fetched_at, 200, "sha256:aa"),
            (ROWS[2].fetched_at, 404, "sha256:bb"),
            (ROWS[3].fetched_at, None, "-"),
        ]


text = st.one_of(st.none(), st.text(max_size=30), st.sampled_from(["2026", "20261102", "x"]))
filter_text = st.one_of(
    st.text(max_size=30),
    st.builds(
        lambda neg, mode, field, value: f"{neg}{mode}{field}:{value}",
        st.sampled_from(["", "!"]),
        st.sampled_from(["", "=", "~"]),
        st.sampled_from(["statuscode", "mime", "original", "digest", "nope"]),
        st.text(max_size=20),
    ),
)


@settings(max_examples=400, deadline=None)
@given(
    url=st.text(max_size=60),
    match_type=text,
    since=text,
    until=text,
    filters=st.lists(filter_text, max_size=4),
    collapse=text,
    limit=st.one_of(st.none(), st.integers(min_value=-200_000, max_value=200_000)),
)
def test_any_parameters_give_a_query_or_one_clear_error(
    url: str,
    match_type: str | None,
    since: str | None,
    until: str | None,
    filters: list[str],
    collapse: str | None,
    limit: int | None,
) -> None:
    try:
        query = parse_query(
            url,
            match_type=match_type,
            since=since,
            until=until,
            filters=filters,
            collapse=collapse,
            limit=limit,
        )
    except InvalidCdxQuery as error:
        message = str(error)
    else:
        assert len(list(apply_query(ROWS, query))) <= len(ROWS)
        return
    assert message
