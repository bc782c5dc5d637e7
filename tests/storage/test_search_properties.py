"""Any Unicode query or text: the tokenizer, the parser and both backends give a result or
InvalidQuery, never another exception."""

from __future__ import annotations

import sqlite3
import unicodedata
from collections.abc import Callable

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from storage import Archive, CaptureResult
from storage.datasette_plugin import escape_search
from storage.script import _DROPPED_RANGES as DROPPED
from storage.script import count_words, fold, indexed_words, search_text, word_spans, words
from storage.search import InvalidQuery, count_matches, search
from storage.search.query import parse_query, to_fts5
from storage.search.snippet import make_snippet, query_terms

Capture = Callable[..., CaptureResult]
PROPERTY = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
GRAMMAR = ["AND", "OR", "NOT", "(", ")", '"', "*", "title:", "text:", "-", ":", "\x00", "\u0301"]
SAMPLES = ["地下鉄", "東京", "καύσωνας", "CAFÉ", "서울", "รถไฟ", "مَوْجَة", "ёлка", "prison"]
queries = st.one_of(
    st.text(),
    st.lists(st.one_of(st.text(max_size=6), st.sampled_from(GRAMMAR + SAMPLES))).map(
        lambda parts: " ".join(parts)
    ),
    st.lists(st.sampled_from(GRAMMAR + SAMPLES)).map(lambda parts: "".join(parts)),
)


# Any text, and text from the blocks the dropped marks lie in (Latin to Thai).
MARKED = st.text() | st.text(st.characters(min_codepoint=0x2FF, max_codepoint=0xE7F), min_size=1)


@PROPERTY
@given(MARKED)
@example("Ἀθῆναι ΚΑΎΣΩΝΑΣ مَوْجَة ก่อน Café")
def test_folding_drops_exactly_the_listed_marks_of_any_text(text: str) -> None:
    """Every mark of the dropped ranges goes, nothing else does (the index and queries agree)."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    kept = "".join(c for c in decomposed if not any(a <= ord(c) <= b for a, b in DROPPED))
    expected = text if text.isascii() else unicodedata.normalize("NFC", kept).replace("ς", "σ")
    assert fold(text) == expected


@PROPERTY
@given(st.text())
def test_any_text_is_folded_segmented_and_counted(text: str) -> None:
    indexed = search_text(text)
    assert indexed is not None
    assert count_words(text) >= 0
    assert all(word for word in words(text))
    for start, end, word in word_spans(text):
        assert 0 <= start < end <= len(text)
        assert word


@PROPERTY
@given(queries, st.text())
def test_any_query_parses_or_is_invalid(query: str, text: str) -> None:
    try:
        to_fts5(query)
        parse_query(query)
    except InvalidQuery:
        return
    snippet = make_snippet(text, query_terms(query), 24, ("[", "]"))
    assert isinstance(snippet, str)


@PROPERTY
@given(queries)
def test_any_query_searches_or_is_invalid(archive: Archive, capture: Capture, query: str) -> None:
    with archive.read() as s:
        empty = not count_matches(s, "prison")
    if empty:  # the first example: an article in several scripts
        capture("https://example.com/a", "東京の地下鉄 prison", "Ο καύσωνας. Café. 서울 รถไฟ")
    with archive.read() as s:
        try:
            hits = search(s, query)
            total = count_matches(s, query)
        except InvalidQuery:
            return
    assert len(hits) <= total


@PROPERTY
@given(queries)
def test_any_datasette_search_is_a_valid_fts5_query(query: str) -> None:
    fts = sqlite3.connect(":memory:")
    fts.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='unicode61 remove_diacritics 2')")
    fts.execute("INSERT INTO t VALUES (?)", (search_text("東京の地下鉄 Καύσωνας café"),))
    escaped = escape_search(query.replace("\x00", ""))
    if escaped:
        fts.execute("SELECT rowid FROM t WHERE t MATCH ?", (escaped,)).fetchall()


@PROPERTY
@given(st.one_of(st.text(), st.text(alphabet=st.characters(max_codepoint=127))))
def test_indexed_words_are_the_word_spans(text: str) -> None:
    # The snippet's quick path (one regex split for ASCII text) finds the same words at the
    # same offsets as the index's own word_spans.
    spans = list(word_spans(text))
    assert indexed_words(text) == ([w for _, _, w in spans], [(s, e) for s, e, _ in spans])
