"""Golden pages: each tests/fixtures/pages/<name>.html has its expected values in <name>.json."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from crawler.extraction import EXTRACTOR_VERSION, extract_article

PAGES = Path(__file__).resolve().parents[2] / "fixtures" / "pages"
GOLDEN = sorted(path.stem for path in PAGES.glob("*.json"))
FIELDS = (
    "text",
    "title",
    "description",
    "site_name",
    "language",
    "section",
    "top_image",
    "canonical_url",
    "paywalled",
    "page_type",
)


def _load(name: str) -> tuple[bytes, dict[str, Any]]:
    return (PAGES / f"{name}.html").read_bytes(), json.loads((PAGES / f"{name}.json").read_text())


def test_golden_pages_exist() -> None:
    assert {"nbc-banner-outside", "nbc-banner-inside", "charset-windows-1251"} <= set(GOLDEN)


@pytest.mark.parametrize("name", GOLDEN)
def test_golden_page(name: str) -> None:
    body, expected = _load(name)
    article = extract_article(body, expected["url"], expected["content_type"])
    for field in FIELDS:
        if field in expected:
            assert getattr(article, field) == expected[field], field
    if "authors" in expected:
        assert list(article.authors) == expected["authors"]
    if "tags" in expected:
        assert list(article.tags) == expected["tags"]
    for field in ("published_at", "modified_at"):
        if field in expected:
            value = expected[field] and datetime.fromisoformat(expected[field])
            assert getattr(article, field) == value, field
            if value:
                assert getattr(article, field).utcoffset() == value.utcoffset(), field
    for fragment in expected.get("text_excludes", []):
        assert fragment not in article.text
    assert article.extractor_version == EXTRACTOR_VERSION


@pytest.mark.parametrize("name", ["nbc-banner-outside", "nbc-banner-inside"])
def test_seed_article_matches_archived_text(name: str) -> None:
    """The seed's definition: dateline (with its dash) to the reporting credit, nothing else."""
    body, expected = _load(name)
    article = extract_article(body, expected["url"], expected["content_type"])
    lines = article.text.split("\n")
    assert lines[0].startswith("CEYLANPINAR, Turkey — Two Belgian ISIS fighters")
    assert lines[-1].startswith("Erin McLaughlin and Mac William Bishop reported from")
    assert article.title == "2 Belgian ISIS fighters escape from Kurdish prison, officials say"
    assert article.title not in article.text
    assert not any(line.startswith("Image:") or line.endswith(" / AP") for line in lines)


def test_banner_inside_article_matters() -> None:
    """The banner really is inside the article container in the 'inside' variant."""
    inside = (PAGES / "nbc-banner-inside.html").read_text()
    article_start = inside.index("<article")
    assert inside.index("IE 11 is not supported") > article_start
