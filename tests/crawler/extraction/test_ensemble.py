"""The paragraph vote: what a majority of extractors holds stays, what most add comes in."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from crawler.extraction import extract_article
from crawler.extraction.candidates import readability_text, summary_text
from crawler.extraction.ensemble import VoteRule, vote_lines
from crawler.extraction.parsing import text_to_tree

A = "The council voted on Tuesday to rebuild the old harbour wall after the winter storms."
B = "Engineers said the work would take eighteen months and cost about four million pounds."
C = "Residents who live near the harbour will be offered temporary parking during the work."
TEASER = "Most read: the ten best walks along the coast this summer, chosen by our readers."


def test_a_paragraph_no_other_extractor_holds_goes() -> None:
    assert vote_lines([A, TEASER, B], [f"{A}\n{B}", f"{A} {B}"]) == [A, B]


def test_a_paragraph_one_other_extractor_holds_stays() -> None:
    assert vote_lines([A, C, B], [f"{A}\n{B}\n{C}", f"{A}\n{B}"]) == [A, C, B]


def test_a_paragraph_both_others_hold_is_added_in_its_place() -> None:
    assert vote_lines([A, C], [f"{A}\n{B}\n{C}", f"{A}\n{B}\n{C}"]) == [A, B, C]


def test_a_paragraph_only_one_other_holds_is_not_added() -> None:
    assert vote_lines([A, C], [f"{A}\n{B}\n{C}", f"{A}\n{C}"]) == [A, C]


def test_a_voter_that_found_another_block_abstains() -> None:
    # The second voter read only a teaser: it does not outvote the base's paragraphs.
    assert vote_lines([A, C, B], [f"{A}\n{B}", TEASER]) == [A, C, B]


def test_no_voters_or_a_wholesale_disagreement_keeps_the_base() -> None:
    assert vote_lines([A, B], []) == [A, B]
    assert vote_lines([A, B], ["", ""]) == [A, B]
    # Both voters found a different article of the same length: the vote would drop it all.
    other = f"{TEASER}\n{TEASER.upper()} {C}"
    assert vote_lines([A, B], [other, other], VoteRule(min_voter_share=0.0)) == [A, B]


def test_partial_agreement_counts_by_cover() -> None:
    half = " ".join(A.split()[:8])
    strict, loose = VoteRule(cover=0.9), VoteRule(cover=0.3)
    assert vote_lines([A, B, C], [f"{half}\n{B}\n{C}", f"{B}\n{C}"], loose) == [A, B, C]
    assert vote_lines([A, B, C], [f"{half}\n{B}\n{C}", f"{B}\n{C}"], strict) == [B, C]


def test_summary_text_gives_one_block_per_line() -> None:
    html = "<div><h2>Heading</h2><p>One <b>bold</b> line.</p><ul><li><p>Item</p></li></ul></div>"
    assert summary_text(html) == "Heading\nOne bold line.\nItem"
    assert summary_text("  ") == ""


def test_a_plain_article_comes_through_the_vote_whole() -> None:
    paragraphs = "".join(f"<p>{line}</p>" for line in (A, B, C))
    page = (
        "<html><head><title>Harbour wall</title></head><body><article><h1>Harbour wall</h1>"
        f"{paragraphs}</article></body></html>"
    ).encode()
    assert extract_article(page, "https://news.example/harbour").text == f"{A}\n{B}\n{C}"


lines = st.lists(st.text(max_size=120), max_size=8)


@given(lines, st.lists(st.text(max_size=400), max_size=3))
def test_vote_never_invents_text(base: list[str], voters: list[str]) -> None:
    result = vote_lines(base, voters)
    pool = set(base) | {line.strip() for text in voters for line in text.splitlines()}
    assert set(result) <= pool


@given(st.text(max_size=600))
def test_readability_voter_never_raises(markup: str) -> None:
    tree = text_to_tree(f"<html><body>{markup}</body></html>")
    if tree is not None:
        assert isinstance(readability_text(tree), str)
