"""A hit's snippet, made in Python alike for every backend: the window of the text that holds
most of the query's words, each matched word or phrase wrapped in the highlight marks.

Words are compared as the index compares them (storage.script.word_spans: folded, lowercased,
one word per character in scripts without spaces), so ``cafe`` marks ``Café`` and ``地下鉄``
marks those three characters inside ``東京の地下鉄が``.
"""

from __future__ import annotations

from bisect import bisect_left

from storage.script import indexed_words, word_spans
from storage.search.query import InvalidQuery, QueryTerm, parse_query

__all__ = ["make_snippet", "query_terms"]

ELLIPSIS = "…"


def query_terms(query: str) -> list[QueryTerm]:
    """The terms of ``query`` that a snippet of the text marks (none for a malformed query)."""
    try:
        terms = parse_query(query).terms
    except InvalidQuery:
        return []
    return [term for term in terms if term.field != "title"]


def _positions(words: list[str], word: str) -> list[int]:
    """Where ``word`` occurs in ``words`` (list.index scans in C: a few calls per text)."""
    found: list[int] = []
    at = -1
    while True:
        try:
            at = words.index(word, at + 1)
        except ValueError:
            return found
        found.append(at)


def _matches(words: list[str], term: QueryTerm) -> list[tuple[int, int]]:
    """(first, last + 1) word positions where ``term`` occurs in ``words``."""
    wanted = [word for _, _, word in word_spans(term.words)]
    if not wanted:
        return []
    size = len(wanted)
    first, final = wanted[0], wanted[-1]
    if size == 1 and term.prefix:
        return [(at, at + 1) for at, word in enumerate(words) if word.startswith(first)]
    found = []
    for at in _positions(words, first):
        if at + size > len(words) or words[at : at + size - 1] != wanted[:-1]:
            continue
        last = words[at + size - 1]
        if last == final or (term.prefix and last.startswith(final)):
            found.append((at, at + size))
    return found


def make_snippet(
    text: str | None, terms: list[QueryTerm], size: int, highlight: tuple[str, str]
) -> str:
    """About ``size`` words of ``text`` around the most matches, matches marked."""
    if not text:
        return ""
    words, spans = indexed_words(text)
    if not spans:
        return ""
    runs = sorted({run for term in terms for run in _matches(words, term)})
    first = 0
    if runs:
        starts = [start for start, _ in runs]  # sorted: the runs from i within size words
        best = max(
            range(len(runs)),
            key=lambda i: (bisect_left(starts, starts[i] + size, i) - i, -i),
        )
        first = max(0, min(runs[best][0] - size // 4, len(words) - size))
    last = min(len(words), first + size)
    opening, closing = highlight
    out: list[str] = [ELLIPSIS] if first > 0 else []
    cursor = spans[first][0]
    marked_until = -1
    for start, end in runs:
        if start < first or end > last or start < marked_until:
            continue
        out.append(text[cursor : spans[start][0]])
        out.append(opening + text[spans[start][0] : spans[end - 1][1]] + closing)
        cursor = spans[end - 1][1]
        marked_until = end
    out.append(text[cursor : spans[last - 1][1]])
    if last < len(words):
        out.append(ELLIPSIS)
    return "".join(out)
