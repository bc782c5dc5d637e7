"""bylines.markup_author finds the author trafilatura's extract_author finds, at less cost."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest
from trafilatura.metadata import extract_author

from crawler.extraction import parse_html
from crawler.extraction.bylines import markup_author

REPO = Path(__file__).resolve().parents[3]
BENCH = Path(os.environ.get("NEWSARCHIVE_BENCH_DIR", REPO.parent / "shared" / "extraction-bench"))

BODIES = {
    "specific before generic": '<p class="byline">Generic Name</p><a rel="author">Jane Doe</a>',
    "generic before any": '<div id="main-author">Any One</div><span class="author">Jane Doe</span>',
    "author element": "<p>Text</p><author>Jane Doe</author>",
    "any element": '<section data-component="Byline">Jane Doe</section>',
    "itemprop": '<em itemprop="author">Jane Doe</em><div itemprop="author name">John Roe</div>',
    "sidebar is discarded": (
        '<div class="sidebar"><span class="author">Wrong Person</span></div>'
        '<p class="byline">Jane Doe</p>'
    ),
    "comments are discarded": (
        '<section id="comments"><div class="author-name">Commenter</div></section>'
        '<span class="author-name">Jane Doe</span>'
    ),
    "figure credit is discarded": (
        '<figure><span class="author">Photographer</span></figure><span class="author">Jane</span>'
    ),
    "a date inside keeps its tail": '<p class="byline">By Jane <time>May 5</time>and John Roe</p>',
    "a tail joins without a space": '<p class="author">Jane<span class="date">x</span>Doe</p>',
    "tails of two deleted siblings": (
        '<div class="byline"><b>By</b><time>1</time>Jane <time>2</time>Doe<time>3</time></div>'
    ),
    "too long is skipped": f'<p class="byline">{"word " * 30}</p><div class="author">Jane</div>',
    "too short is skipped": '<p class="byline">JD</p><div class="author">Jane Doe</div>',
    "nested candidates": '<div class="author"><div class="author">Jane Doe</div></div>',
    "rel child (sic)": "<div><rel>me</rel> Jane Doe</div>",
    "no author": "<p>Just an article.</p>",
}


@pytest.mark.parametrize("body", BODIES.values(), ids=BODIES.keys())
def test_same_author_as_trafilatura(body: str) -> None:
    html = f"<html><head><title>t</title></head><body><article>{body}</article></body></html>"
    tree = parse_html(html.encode(), "text/html; charset=utf-8")
    assert markup_author(tree) == extract_author(tree)


@pytest.mark.skipif(
    not (BENCH / "ground-truth.json").is_file(),
    reason=f"no extraction bench at {BENCH} (needs ground-truth.json and html/*.html.gz; "
    "set NEWSARCHIVE_BENCH_DIR)",
)
def test_same_author_as_trafilatura_on_the_bench() -> None:
    keys = json.loads((BENCH / "ground-truth.json").read_text(encoding="utf-8"))
    differ = []
    for key in sorted(keys):
        html = gzip.decompress((BENCH / "html" / f"{key}.html.gz").read_bytes())
        tree = parse_html(html, "text/html; charset=utf-8")
        if markup_author(tree) != extract_author(tree):
            differ.append(key)
    assert not differ
