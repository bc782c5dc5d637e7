"""fast_text gives trafilatura.extract's text whether it copies the tree or works on it."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest
import trafilatura
from lxml.etree import tostring

from crawler.extraction import parse_html
from crawler.extraction.fastpass import INTERNAL_PATH, fast_text

REPO = Path(__file__).resolve().parents[3]
FIXTURES = REPO / "tests" / "fixtures" / "pages"
BENCH = Path(os.environ.get("NEWSARCHIVE_BENCH_DIR", REPO.parent / "shared" / "extraction-bench"))


def _fixture_pages() -> list[tuple[str, bytes, str | None]]:
    pages = []
    for page in sorted(FIXTURES.glob("*.html")):
        meta = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
        pages.append((page.name, page.read_bytes(), meta.get("url")))
    return pages


def _differences(pages: list[tuple[str, bytes, str | None]]) -> list[str]:
    """Pages where the consuming path's text differs from trafilatura.extract's on a copy."""
    differ = []
    for name, html, url in pages:
        public = trafilatura.extract(
            parse_html(html), url=url, include_comments=False, fast=True, deduplicate=False
        )
        if fast_text(parse_html(html), url, consume=True) != public:
            differ.append(name)
    return differ


def test_the_pinned_trafilatura_has_the_internal_path() -> None:
    # Fails after a trafilatura upgrade that changed its internals: every page then takes the
    # public path (correct, one tree copy slower); re-check fastpass.py against the new code.
    assert INTERNAL_PATH


def test_same_text_as_extract_on_the_fixture_pages() -> None:
    pages = _fixture_pages()
    assert pages
    assert not _differences(pages)


@pytest.mark.skipif(
    not (BENCH / "ground-truth.json").is_file(),
    reason=f"no extraction bench at {BENCH} (needs ground-truth.json and html/*.html.gz; "
    "set NEWSARCHIVE_BENCH_DIR)",
)
def test_same_text_as_extract_on_the_bench() -> None:
    keys = json.loads((BENCH / "ground-truth.json").read_text(encoding="utf-8"))
    pages = [
        (key, gzip.decompress((BENCH / "html" / f"{key}.html.gz").read_bytes()), item["url"])
        for key, item in sorted(keys.items())
    ]
    assert not _differences(pages)


def test_without_consume_the_tree_is_left_as_it_was() -> None:
    _, html, url = _fixture_pages()[0]
    tree = parse_html(html)
    before = tostring(tree)
    assert fast_text(tree, url)
    assert tostring(tree) == before


def test_consume_works_on_the_tree_itself() -> None:
    # What the consuming path is for: trafilatura's pruning deletes from the tree it is given.
    html = (
        b"<html><body><article><p>" + b"An article sentence of some length. " * 20 + b"</p>"
        b'<div class="comments-area"><p>A reader comment.</p></div></article></body></html>'
    )
    tree = parse_html(html)
    assert fast_text(tree, None, consume=True)
    assert b"comments-area" not in tostring(tree)
