"""Metadata helpers: site-name suffixes, author lists, dates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.extraction.bylines import split_names
from crawler.extraction.dates import parse_date
from crawler.extraction.titles import choose_title, strip_site_name


@pytest.mark.parametrize(
    ("title", "sites", "expected"),
    [
        (
            "2 Belgian ISIS fighters escape - NBC News",
            ["NBC News"],
            "2 Belgian ISIS fighters escape",
        ),
        ("Budget vote delayed | The Example Times", ["The Example Times"], "Budget vote delayed"),
        ("Budget vote delayed | Politics | Example", ["Example"], "Budget vote delayed | Politics"),
        ("BBC News - Storm hits coast", ["BBC News"], "Storm hits coast"),
        ("Storm hits coast – nytimes", [None, "nytimes"], "Storm hits coast"),
        ("Cats - the musical - returns", ["Daily Planet"], "Cats - the musical - returns"),
    ],
)
def test_strip_site_name(title: str, sites: list[str | None], expected: str) -> None:
    assert strip_site_name(title, sites) == expected


def test_heading_agreeing_with_declared_title_wins() -> None:
    title = choose_title(
        declared=["Storm Hits Coast, Thousands Without Power"],
        title_tag="Storm hits coast, thousands without power | Daily Planet",
        headings=["Daily Planet", "Storm hits coast, thousands without power"],
        site_names=["Daily Planet"],
    )
    assert title == "Storm hits coast, thousands without power"


def test_declared_title_without_headings() -> None:
    title = choose_title([None, "Storm hits coast - Daily Planet"], None, [], ["Daily Planet"])
    assert title == "Storm hits coast"


@pytest.mark.parametrize(
    ("raw", "names"),
    [
        ("By Jane Doe and John Roe", ["Jane Doe", "John Roe"]),
        (
            "Saphora Smith, Erin McLaughlin & Marc Smith",
            ["Saphora Smith", "Erin McLaughlin", "Marc Smith"],
        ),
        ("Jane Doe; John Roe", ["Jane Doe", "John Roe"]),
        ("By Jane Doe for The Example Times", ["Jane Doe"]),
        ("https://example.com/staff/jane", []),
        ("@janedoe", []),
        ("the defense ministries", []),
        ("Ludwig van Beethoven", ["Ludwig van Beethoven"]),
        # Agencies and newsrooms are authors too, one entry each.
        ("Felix Schmidt und Jana Roth, dpa", ["Felix Schmidt", "Jana Roth", "dpa"]),
        ("Guardian staff reporter", ["Guardian staff reporter"]),
        ("Redaktion example.de", ["Redaktion example.de"]),
        # Noise inside names goes.
        ("Corina Gall (cog.)", ["Corina Gall"]),
        ("(Image: Getty Images)", []),
        ("Von Jana Roth", ["Jana Roth"]),
        ("Par Claire Dupont et Paul Martin", ["Claire Dupont", "Paul Martin"]),
        ("Por María García", ["María García"]),
        ("Text: Jana Roth", ["Jana Roth"]),
        ("Reporting by Jane Doe; Editing by John Roe", ["Jane Doe", "John Roe"]),
        ("Jane Doe jane.doe@example.com", ["Jane Doe"]),
        ("Jane Doe, Senior Editor", ["Jane Doe"]),
        ("Lifestyle Von Jane Doe", ["Jane Doe"]),
        ("© Example Infocom; 3", []),
        ("Foto: Jane Doe", []),
        # Other scripts and particles are kept as written.
        ("松岡大地", ["松岡大地"]),
        ("김민수", ["김민수"]),
        ("Анна Петрова", ["Анна Петрова"]),
        ("محمد بن سلمان", ["محمد بن سلمان"]),
        ("Γιώργος Παπαδόπουλος", ["Γιώργος Παπαδόπουλος"]),
        ("Ursula von der Leyen", ["Ursula von der Leyen"]),
        ("Rafael de la Fuente", ["Rafael de la Fuente"]),
        ("Mohd bin Ali", ["Mohd bin Ali"]),
        ("JANE DOE", ["JANE DOE"]),
    ],
)
def test_split_names(raw: str, names: list[str]) -> None:
    assert split_names(raw) == names


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2019-10-15T12:47:00.000Z", datetime(2019, 10, 15, 12, 47, tzinfo=UTC)),
        (
            "2019-10-15T08:47:00-04:00",
            datetime(2019, 10, 15, 8, 47, tzinfo=timezone(timedelta(hours=-4))),
        ),
        ("2019-10-15", datetime(2019, 10, 15, tzinfo=UTC)),
        ("20191015T1247", datetime(2019, 10, 15, 12, 47, tzinfo=UTC)),
        ("Tue, 15 Oct 2019 12:47:00 GMT", datetime(2019, 10, 15, 12, 47, tzinfo=UTC)),
        ("October 15, 2019", datetime(2019, 10, 15, tzinfo=UTC)),
        ("not a date", None),
        ("1970-01-01", None),
        ("", None),
    ],
)
def test_parse_date(value: str, expected: datetime | None) -> None:
    parsed = parse_date(value)
    assert parsed == expected
    if parsed is not None:
        assert parsed.tzinfo is not None


def test_future_dates_are_rejected() -> None:
    assert parse_date("2999-01-01", latest=datetime.now(UTC)) is None


@given(st.text(max_size=200))
def test_split_names_never_fails_and_keeps_names_as_written(raw: str) -> None:
    names = split_names(raw)
    collapsed = " ".join(raw.split())
    for name in names:
        assert name
        assert name == " ".join(name.split())
        assert "(" not in name
        assert "@" not in name
        # A name is text of the byline itself, never re-capitalised.
        assert name in collapsed
