"""The search query language without a database: tokens, the FTS5 translation, the parse tree."""

from __future__ import annotations

import pytest

from storage.search.query import InvalidQuery, QueryTerm, Token, parse_query, to_fts5, tokens


def test_tokens_keep_phrases_parentheses_and_words_in_order() -> None:
    assert list(tokens('title:escap* ("prison break"* OR jail)')) == [
        Token("word", "title:escap*"),
        Token("paren", "("),
        Token("phrase", '"prison break"*'),
        Token("word", "OR"),
        Token("word", "jail"),
        Token("paren", ")"),
    ]


def test_unbalanced_quote_is_an_invalid_query() -> None:
    with pytest.raises(InvalidQuery, match="unbalanced double quote"):
        list(tokens('"prison break'))


@pytest.mark.parametrize(
    ("query", "fts5"),
    [
        ("prison escape", "prison escape"),
        ("covid-19 AND U.S.", '"covid-19" AND "U.S."'),
        ("escap* OR jail", "escap* OR jail"),
        ("Title:escap* text:jail", "title : escap* text : jail"),
        ('"prison break" NOT (a OR b)', '"prison break" NOT ( a OR b )'),
    ],
)
def test_to_fts5(query: str, fts5: str) -> None:
    assert to_fts5(query) == fts5


@pytest.mark.parametrize(("query", "message"), [("   ", "empty"), ("a *", "a lone '\\*'")])
def test_to_fts5_rejects(query: str, message: str) -> None:
    with pytest.raises(InvalidQuery, match=message):
        to_fts5(query)


def test_or_binds_loosest_then_and_then_not() -> None:
    parsed = parse_query('a OR b c NOT "d e"*')
    assert parsed.tree == ["|", ["term", 0], ["&", ["term", 1], ["!", ["term", 2], ["term", 3]]]]
    assert parsed.terms[3] == QueryTerm("d e", prefix=True, field="")


def test_a_field_applies_to_its_term_or_its_parenthesis() -> None:
    parsed = parse_query("title:(a b) text:c d")
    assert [(t.words, t.field) for t in parsed.terms] == [
        ("a", "title"),
        ("b", "title"),
        ("c", "text"),
        ("d", ""),
    ]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("a AND", "ends too early"),
        ("a (b", "ends too early"),
        ("a b)", 'syntax error near "\\)"'),
        ("OR a", 'syntax error near "OR"'),
        ("title:*", "a lone '\\*'"),
        ("", "empty search query"),
    ],
)
def test_parse_query_rejects_what_fts5_rejects(query: str, message: str) -> None:
    with pytest.raises(InvalidQuery, match=message):
        parse_query(query)
