"""Full-text search: what a reader typing a query gets back."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import Result

from storage import Archive, CaptureResult
from storage.records import SearchHit
from storage.search import InvalidQuery, search

# The same values as in conftest.py (test modules cannot import it under importlib mode).
T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
FILLER = (
    "Officials gave few details on Tuesday about the investigation, which began last week. "
    "Residents said the neighbourhood had been quiet for years before the events.\n"
)
Capture = Callable[..., CaptureResult]

NBC = "https://www.nbcnews.com/news/us-news/prison-escape-n1"
BBC = "https://www.bbc.co.uk/news/weather-1"
AP = "https://apnews.com/article/election-2"


@pytest.fixture
def archived(capture: Capture) -> None:
    capture(
        NBC,
        "Two inmates escape from Texas prison",
        FILLER + "The prison escape was planned for months, a guard said.\n" + FILLER,
    )
    # The publisher later removes the guard's claim: version 2.
    capture(
        NBC,
        "Two inmates escape from Texas prison",
        FILLER + "Both men were caught on Friday.\n" + FILLER,
        T0 + timedelta(hours=3),
    )
    capture(BBC, "Storm warning for the U.S. coast", "Heavy rain and COVID-19 news.\n" + FILLER)
    capture(
        AP,
        "Election results delayed",
        "Counting continued overnight. An escapee from a prison was mentioned once.\n" + FILLER,
        T0 + timedelta(days=2),
    )


def urls(hits: list[SearchHit]) -> list[str]:
    return [hit.url for hit in hits]


@pytest.mark.usefixtures("archived")
def test_words_phrases_prefixes_and_booleans(archive: Archive) -> None:
    with archive.read() as s:
        assert urls(search(s, "prison escape")) == [NBC]
        assert urls(search(s, '"escape from Texas"')) == [NBC]
        assert urls(search(s, '"Texas escape"')) == []
        assert set(urls(search(s, "escape*"))) == {NBC, AP}
        assert set(urls(search(s, "rain OR counting"))) == {BBC, AP}
        assert urls(search(s, "prison NOT election")) == [NBC]
        assert urls(search(s, "title:election")) == [AP]
        # Punctuated words are matched as phrases instead of failing.
        assert urls(search(s, "covid-19")) == [BBC]
        assert urls(search(s, "U.S.")) == [BBC]


@pytest.mark.usefixtures("archived")
def test_best_match_first_with_highlighted_snippet(archive: Archive) -> None:
    with archive.read() as s:
        hits = search(s, "prison")
    # The article about the prison (title and text) outranks one that mentions it in passing.
    assert urls(hits) == [NBC, AP]
    assert hits[0].score > hits[1].score
    assert "**prison**" in hits[1].snippet
    assert hits[0].title == "Two inmates escape from Texas prison"


@pytest.mark.usefixtures("archived")
def test_removed_sentence_is_found_only_in_all_versions(archive: Archive) -> None:
    with archive.read() as s:
        assert search(s, '"planned for months"') == []
        [hit] = search(s, '"planned for months"', all_versions=True)
    assert (hit.url, hit.version, hit.version_count) == (NBC, 1, 2)
    assert hit.captured_at == T0
    assert "**planned for months**" in hit.snippet


@pytest.mark.usefixtures("archived")
def test_site_time_and_changed_filters(archive: Archive) -> None:
    with archive.read() as s:
        assert urls(search(s, "prison", site="nbcnews.com")) == [NBC]
        assert urls(search(s, "prison", site="bbc.co.uk")) == []
        assert urls(search(s, "prison", since=T0 + timedelta(days=1))) == [AP]
        assert urls(search(s, "prison", until=T0 + timedelta(days=1))) == [NBC]
        assert urls(search(s, "prison", changed_only=True)) == [NBC]
        assert len(search(s, "officials", limit=2)) == 2


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('"unbalanced', "unbalanced double quote"),
        ("NOT prison", "syntax error"),
        ("(prison", "ends too early"),
        ("   ", "empty search query"),
    ],
)
@pytest.mark.usefixtures("archived")
def test_malformed_query_is_a_clear_error(archive: Archive, query: str, message: str) -> None:
    with archive.read() as s, pytest.raises(InvalidQuery, match=message):
        search(s, query)


@pytest.mark.usefixtures("archived")
def test_cli_search_json_lines(cli: Callable[..., Result]) -> None:
    result = cli("search", "prison", "--all-versions", "--json")
    assert result.exit_code == 0, result.output
    hits = [json.loads(line) for line in result.stdout.splitlines()]
    assert hits[0]["url"] == NBC
    assert {(h["url"], h["version"]) for h in hits} == {(NBC, 1), (NBC, 2), (AP, 1)}
    assert {"url", "version", "title", "captured_at", "snippet", "score"} <= set(hits[0])


@pytest.mark.usefixtures("archived")
def test_cli_search_text_and_error(cli: Callable[..., Result]) -> None:
    result = cli("search", "caught", "--site", "nbcnews.com")
    assert result.exit_code == 0
    assert "Two inmates escape from Texas prison" in result.stdout
    assert "(v2 of 2" in result.stdout
    assert "**caught**" in result.stdout
    bad = cli("search", "prison AND")
    assert bad.exit_code == 1
    assert bad.stdout == ""
    assert bad.stderr.count("\n") == 1
    assert bad.stderr.startswith("newsarchive: error: cannot search for 'prison AND'")
    assert "Traceback" not in bad.output


def test_very_common_words_rank_every_match(archive: Archive, capture: Capture) -> None:
    for n in range(5):
        capture(f"https://news.example/{n}", f"Story {n}", "The budget vote.\n" * (5 - n))
    with archive.read() as s:
        ranked = search(s, "budget")
        second_page = search(s, "budget", limit=2, offset=2)
    # Ranked over all five: the story repeating the word most wins, the oldest included.
    assert ranked[0].url == "https://news.example/0"
    assert [h.url for h in second_page] == [h.url for h in ranked[2:4]]


@pytest.mark.usefixtures("archived")
def test_site_filter_accepts_a_configured_site_name(
    cli: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "sites.toml"
    config.write_text('[[site]]\nname = "nbc"\nfeeds = ["https://www.nbcnews.com/rss"]\n')
    monkeypatch.setenv("NEWSARCHIVE_SITES", str(config))
    by_name = cli("search", "prison", "--site", "nbc", "--json")
    assert by_name.exit_code == 0, by_name.output
    assert {json.loads(line)["url"] for line in by_name.stdout.splitlines()} == {NBC}
    by_url = cli("search", "prison", "--site", "https://www.nbcnews.com/", "--json")
    assert by_name.stdout == by_url.stdout
