"""Search in every script: words in Chinese, Japanese, Korean and Thai text, accents folded."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from storage import Archive, CaptureResult, history, open_archive
from storage.schema import downgrade, upgrade
from storage.script import count_words
from storage.search import search

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
SAMPLE = Path(__file__).resolve().parent.parent / "fixtures" / "multilingual" / "articles.json"
ARTICLES: list[dict[str, Any]] = json.loads(SAMPLE.read_text(encoding="utf-8"))["articles"]
ENGLISH = "https://news.example.com/world/heat-10"
Capture = Callable[..., CaptureResult]


@pytest.fixture
def archived(capture: Capture) -> None:
    for index, article in enumerate(ARTICLES):
        capture(article["url"], article["title"], article["text"], T0 + timedelta(hours=index))
    capture(ENGLISH, "Heatwave in Europe", "A heatwave reached Greece; the cafe stayed open.\n")


@pytest.mark.usefixtures("archived")
def test_every_sample_word_finds_its_article(archive: Archive) -> None:
    with archive.read() as s:
        missed = [
            (article["lang"], query)
            for article in ARTICLES
            for query in article["queries"]
            if article["url"] not in [hit.url for hit in search(s, query)]
        ]
    assert missed == []


@pytest.mark.usefixtures("archived")
def test_cjk_words_are_found_inside_unspaced_text_and_marked(archive: Archive) -> None:
    tokyo = ARTICLES[0]["url"]
    with archive.read() as s:
        hits = search(s, "地下鉄")
        assert [hit.url for hit in hits] == [tokyo]
        assert "**地下鉄**" in hits[0].snippet
        assert [hit.url for hit in search(s, "title:地下鉄")] == [tokyo]
        assert [hit.url for hit in search(s, '"地下鉄の複数"')] == [tokyo]
        # A prefix, a phrase across scripts, booleans with CJK terms.
        assert [hit.url for hit in search(s, "気象*")] == [tokyo]
        assert {hit.url for hit in search(s, "地下鉄 OR 地铁")} == {tokyo, ARTICLES[1]["url"]}
        assert search(s, "地下鉄 NOT 東京") == []
        # Characters that never follow each other in the text do not match.
        assert search(s, "鉄地") == []


@pytest.mark.usefixtures("archived")
def test_accents_and_case_are_folded_both_ways(archive: Archive) -> None:
    greek, french = ARTICLES[4]["url"], ARTICLES[8]["url"]
    with archive.read() as s:
        assert {hit.url for hit in search(s, "cafe")} == {french, ENGLISH}
        assert {hit.url for hit in search(s, "CAFÉ")} == {french, ENGLISH}
        hits = search(s, "καυσωνας")
        assert [hit.url for hit in hits] == [greek]
        assert "**καύσωνας**" in hits[0].snippet


@pytest.mark.usefixtures("archived")
def test_english_words_are_still_whole_words(archive: Archive) -> None:
    with archive.read() as s:
        assert [hit.url for hit in search(s, "heatwave")] == [ENGLISH]
        assert search(s, "heat") == []
        assert [hit.url for hit in search(s, "heat*")] == [ENGLISH]


def test_word_counts_and_change_sizes_count_cjk_characters(
    archive: Archive, capture: Capture
) -> None:
    tokyo = ARTICLES[0]
    edited = tokyo["text"].replace("運転を再開した", "運転を再開する予定だ")
    capture(tokyo["url"], tokyo["title"], tokyo["text"])
    capture(tokyo["url"], tokyo["title"], edited, T0 + timedelta(hours=1))
    with archive.read() as s:
        first, second = history(s, tokyo["url"])
    # Five sentences of about 30 characters each: not "5 words".
    assert 120 < first.words < 200
    assert second.words == first.words + 3
    assert second.change is not None
    # 再開した → 再開する予定だ: し, た removed; す, る, 予, 定, だ added (not "+1/-1 words").
    assert (second.change["words_added"], second.change["words_removed"]) == (5, 2)


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("The prison escape was planned for months.", 7),
        ("covid-19 — U.S.", 3),
        ("東京の地下鉄", 6),
        ("iPhone用の", 3),
        ("서울에서 지하철이", 2),
        ("รถไฟฟ้า", 6),
        ("", 0),
    ],
)
def test_count_words(text: str, count: int) -> None:
    assert count_words(text) == count


def test_upgrading_an_archive_reindexes_what_it_holds(capture: Capture, db_url: str) -> None:
    tokyo, greek = ARTICLES[0], ARTICLES[4]
    for article in (tokyo, greek):
        capture(article["url"], article["title"], article["text"])
    with open_archive(db_url) as archive:
        downgrade(archive, "0013")  # the index as it was before migration 0014
        if archive.engine.dialect.name == "sqlite":  # (today's queries need 0014 on PostgreSQL)
            with archive.read() as s:
                assert search(s, "地下鉄") == []
                assert search(s, "καυσωνας") == []
        upgrade(archive)
        with archive.read() as s:
            assert [hit.url for hit in search(s, "地下鉄")] == [tokyo["url"]]
            assert [hit.url for hit in search(s, "καυσωνας")] == [greek["url"]]
