"""The body pipeline: the full trafilatura pass runs only on signs of loss; order is kept."""

from __future__ import annotations

import pytest
from lxml.html import HtmlElement

from crawler.extraction import body, parse_html
from crawler.extraction.body import extract_body
from crawler.extraction.boilerplate import filter_lines

SENTENCE = "This sentence is part of the article and carries its own distinct words {n}."


def _page(paragraphs: int) -> bytes:
    text = "".join(f"<p>{SENTENCE.format(n=n)}</p>" for n in range(paragraphs))
    return f"<html><body><article>{text}</article></body></html>".encode()


def test_long_article_takes_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def raw_pass(tree: HtmlElement, url: str | None) -> str:
        calls.append("raw")
        return ""

    monkeypatch.setattr(body, "raw_trafilatura_text", raw_pass)
    text = extract_body(parse_html(_page(20)), "https://news.example/a.html")
    assert text.count("\n") == 19
    assert calls == []


def test_short_result_triggers_full_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def raw_pass(tree: HtmlElement, url: str | None) -> str:
        calls.append("raw")
        return "Recovered line here."

    monkeypatch.setattr(body, "raw_trafilatura_text", raw_pass)
    extract_body(parse_html(_page(2)), "https://news.example/a.html")
    assert calls == ["raw"]


def test_split_body_keeps_page_order() -> None:
    chunk = '<section class="article__content"><p>{}</p></section>'
    html = (
        "<html><body><article>"
        + chunk.format(SENTENCE.format(n="one") * 3)
        + f'<blockquote class="pull"><p>{SENTENCE.format(n="quote") * 2}</p></blockquote>'
        + chunk.format(SENTENCE.format(n="two") * 3)
        + "</article></body></html>"
    )
    lines = extract_body(parse_html(html.encode()), None).split("\n")
    assert [line.split()[-1] for line in lines] == ["one.", "quote.", "two."]


def test_empty_body_marker_is_not_a_chunk() -> None:
    html = (
        '<html><body><div class="fake-br-for-article-body"></div><nav><p>Menu</p></nav>'
        f"<article><p>{SENTENCE.format(n=1) * 8}</p></article>"
        '<div class="fake-br-for-article-body"></div></body></html>'
    )
    assert extract_body(parse_html(html.encode()), None) == (SENTENCE.format(n=1) * 8).strip()


def test_paragraph_repeated_in_removed_caption_stays() -> None:
    caption = "2018 theatre series performance: the palace, on stage"
    line = "2018 Theatre Series Performance"
    assert filter_lines([line], removed={caption}) == [line]
    assert filter_lines([line], removed={caption}, removed_within=[line]) == []


def test_in_place_cleaning_reparses_for_the_full_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    """With ``original``, the tree is cleaned in place and the full pass sees a fresh parse."""
    page = _page(2).replace(b"<article>", b"<article><aside><p>Side note.</p></aside>")
    seen: list[str] = []

    def raw_pass(tree: HtmlElement, url: str | None) -> str:
        seen.append(tree.text_content())
        return ""

    monkeypatch.setattr(body, "raw_trafilatura_text", raw_pass)
    tree = parse_html(page)
    extract_body(tree, None, original=lambda: parse_html(page))
    assert "Side note." not in tree.text_content()  # dropped unread, without a copy
    assert len(seen) == 1
    assert "Side note." in seen[0]
