"""Re-extraction: a better extractor's reading of stored pages is recorded, never as an edit."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import Result

from crawler.extraction.errors import ExtractionError
from crawler.importing import reextract
from storage import Archive, ArticleContent, CaptureResult, get_version, history

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
URL = "https://news.example/world/2026/11/flood.html"
OTHER = "https://other.example/story"
Capture = Callable[..., CaptureResult]
CLEAN = (
    "Floodwater rose through the lower town overnight, forcing hundreds of families to leave "
    "their homes as the river broke its banks for the second time this year.\n"
    "Emergency crews worked through the night to reinforce barriers near the old bridge.\n"
)
# What an older extractor made of the same page: a boilerplate line left in.
OLD_READING = CLEAN + "Advertisement\n"


def improved(body: bytes, url: str | None, content_type: str | None) -> ArticleContent:
    assert b"Floodwater rose" in body  # it is given the stored raw page
    return ArticleContent(
        text=CLEAN, title="River floods", authors=("Ann Writer",), extractor_version="test/2"
    )


def test_different_reading_becomes_a_marked_version(archive: Archive, capture: Capture) -> None:
    capture(URL, "River floods", OLD_READING, T0, extractor_version="test/1")
    assert reextract(archive, extract=improved) == {"reextracted": 1}
    with archive.read() as s:
        versions = history(s, URL)
        assert [(v.version, v.origin, v.extractor_version) for v in versions] == [
            (1, "capture", "test/1"),
            (2, "reextract", "test/2"),
        ]
        change = versions[1].change
        assert change is not None
        assert (change["reextract_of"], change["previous_extractor_version"]) == (1, "test/1")
        assert change["stealth_edit"] is False
        assert change["words_removed"] == 1
        # The page as it was at a time after the fetch now reads with the better extractor.
        assert get_version(s, URL, at=T0 + timedelta(minutes=5)).text == CLEAN
    # Running it again changes nothing.
    assert reextract(archive, extract=improved) == {"unchanged": 1}
    # The crawler, now on the new extractor, sees the same page: no edit is reported.
    result = capture(URL, "River floods", CLEAN, T0 + timedelta(hours=1))
    assert (result.status, result.version) == ("unchanged", 2)


def test_failures_and_collapses_keep_the_version(archive: Archive, capture: Capture) -> None:
    capture(URL, "River floods", OLD_READING * 4, T0)

    def failing(body: bytes, url: str | None, content_type: str | None) -> ArticleContent:
        raise ExtractionError("no_article_text", "nothing found")

    def collapsing(body: bytes, url: str | None, content_type: str | None) -> ArticleContent:
        return ArticleContent(text="Subscribe to read.", title="River floods")

    assert reextract(archive, extract=failing) == {"failed": 1}
    assert reextract(archive, extract=collapsing) == {"collapsed": 1}
    with archive.read() as s:
        assert [v.origin for v in history(s, URL)] == ["capture"]


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.DependencyWarning")
def test_cli_reextract_one_site(capture: Capture, cli: Callable[..., Result]) -> None:
    page = (
        "<html><head><title>River floods</title></head><body><article><h1>River floods</h1>"
        + "".join(f"<p>{line}</p>" for line in CLEAN.splitlines())
        + "</article></body></html>"
    ).encode()
    capture(URL, "River floods", OLD_READING, T0, body=page)
    capture(OTHER, "River floods", OLD_READING, T0, body=page)
    result = cli("reextract", "--site", "news.example", "--json")
    assert result.exit_code == 0, result.output
    [line] = [json.loads(line) for line in result.stdout.splitlines()]
    assert (line["url"], line["status"], line["version"]) == (URL, "reextracted", 2)
    assert "1 reextracted" in result.stderr
    shown = cli("history", OTHER, "--json")
    assert len(shown.stdout.splitlines()) == 1
    assert json.loads(cli("show", URL, "--json").stdout)["origin"] == "reextract"
