"""The search query language: one tokenizer, its FTS5 translation and its parse tree.

Words (all must match), "exact phrases", prefix* (``escap*``), AND / OR / NOT between terms
(upper case), parentheses, and ``title:`` or ``text:`` before a term to search one field.
Words with punctuation (``covid-19``, ``U.S.``) are matched as phrases, and so are words in
scripts without spaces (``地下鉄`` is the phrase of its characters, see storage.script). SQLite
hands the
translation (``to_fts5``) to FTS5, which parses it; PostgreSQL renders the tree that
``parse_query`` builds with FTS5's grammar, so both accept and reject the same queries.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from storage.errors import StorageError
from storage.script import search_text

__all__ = [
    "FIELDS",
    "OPERATORS",
    "QUERY_ENDS_TOO_EARLY",
    "InvalidQuery",
    "ParsedQuery",
    "QueryTerm",
    "Token",
    "cannot_search",
    "parse_query",
    "to_fts5",
    "tokens",
]

OPERATORS = frozenset({"AND", "OR", "NOT"})
FIELDS = ("title:", "text:")
QUERY_ENDS_TOO_EARLY = "the query ends too early (an operator or '(' with nothing after it)"
_HINT = '(use words, "exact phrases", prefix*, and AND / OR / NOT between terms)'
_TOKEN = re.compile(
    r'\s*(?:(?P<phrase>"[^"]*"\*?)|(?P<paren>[()])|(?P<word>[^\s()"]+)|(?P<quote>"))'
)
_BAREWORD = re.compile(r"^\w+$")


class InvalidQuery(StorageError):
    """The search query cannot be parsed; the message says what to fix."""


def cannot_search(query: str, message: str) -> InvalidQuery:
    """The error for a query the grammar rejects, with a hint at what the grammar accepts."""
    return InvalidQuery(f"cannot search for {query!r}: {message} {_HINT}")


def _lone(word: str) -> InvalidQuery:
    return InvalidQuery(f"a lone '{word}' is not a search term; put it after a word: escap*")


class Token(NamedTuple):
    """One token of a query: a ``phrase`` (quotes kept), a ``paren`` or a ``word``."""

    kind: str
    text: str


def tokens(query: str) -> Iterator[Token]:
    """The query's tokens in order; InvalidQuery when they reach an unbalanced double quote.

    A NUL character is refused up front: PostgreSQL text cannot hold one.
    """
    if "\x00" in query:
        raise InvalidQuery("a search query cannot contain a NUL character")
    for match in _TOKEN.finditer(query):
        if match["quote"]:
            raise InvalidQuery(f"unbalanced double quote in search query {query!r}")
        kind = next(k for k in ("phrase", "paren", "word") if match[k])
        yield Token(kind, match[kind])


def _field_of(word: str) -> str | None:
    """The ``title:`` / ``text:`` prefix that ``word`` starts with (any case), if any."""
    return next((f for f in FIELDS if word.lower().startswith(f)), None)


def _fts5_term(word: str) -> str:
    prefix = word.endswith("*")
    core = word.rstrip("*")
    if not core:
        raise _lone(word)
    core = " ".join((search_text(core) or "").split())
    quoted = core if _BAREWORD.match(core) else '"' + core.replace('"', '""') + '"'
    return quoted + ("*" if prefix else "")


def to_fts5(query: str) -> str:
    """Translate the user's query into FTS5 syntax; raise InvalidQuery on unbalanced quotes."""
    parts: list[str] = []
    for kind, word in tokens(query):
        if kind == "phrase":
            star = "*" if word.endswith("*") else ""
            inner = word.removesuffix("*")[1:-1]
            parts.append('"' + " ".join((search_text(inner) or "").split()) + '"' + star)
            continue
        if kind != "word" or word in OPERATORS:
            parts.append(word)
            continue
        field_name = _field_of(word)
        if field_name is not None:
            rest = word[len(field_name) :]
            parts.append(field_name[:-1] + " : " + (_fts5_term(rest) if rest else ""))
        else:
            parts.append(_fts5_term(word))
    translated = " ".join(parts).replace(": (", ":(").strip()
    if not translated:
        raise InvalidQuery("empty search query: give at least one word")
    return translated


@dataclass(frozen=True)
class QueryTerm:
    """A word or phrase to match: its words, whether the last one is a prefix, its field.

    ``field`` is ``"title"``, ``"text"`` or ``""`` (either).
    """

    words: str
    prefix: bool
    field: str


@dataclass(frozen=True)
class ParsedQuery:
    """A query as a tree over its terms.

    A node is ``["term", index into terms]``, or ``[operator, left, right]`` where the
    operator is ``"|"`` (OR), ``"&"`` (AND) or ``"!"`` (left AND NOT right).
    """

    tree: list[Any]
    terms: list[QueryTerm]


def parse_query(query: str) -> ParsedQuery:
    """Parse with FTS5's grammar: OR binds loosest, then AND (implicit between terms), then NOT."""
    parser = _Parser(query, list(tokens(query)))
    if not parser.tokens:
        raise InvalidQuery("empty search query: give at least one word")
    tree = parser.parse()
    return ParsedQuery(tree, parser.terms)


@dataclass
class _Parser:
    """A recursive descent over the tokens, collecting terms as it meets them."""

    query: str
    tokens: list[Token]
    terms: list[QueryTerm] = field(default_factory=list)
    at: int = 0

    def parse(self) -> list[Any]:
        tree = self._or("")
        if self.at < len(self.tokens):
            self._fail(f'syntax error near "{self.tokens[self.at].text}"')
        return tree

    def _fail(self, message: str) -> None:
        raise cannot_search(self.query, message)

    def _peek(self) -> Token | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def _operator(self, name: str) -> bool:
        if self._peek() == ("word", name):
            self.at += 1
            return True
        return False

    def _or(self, field_name: str) -> list[Any]:
        node = self._and(field_name)
        while self._operator("OR"):
            node = ["|", node, self._and(field_name)]
        return node

    def _and(self, field_name: str) -> list[Any]:
        node = self._not(field_name)
        while True:
            if self._operator("AND"):
                node = ["&", node, self._not(field_name)]
                continue
            token = self._peek()
            if token is None or token == ("paren", ")") or token.text in ("OR", "NOT"):
                return node
            node = ["&", node, self._not(field_name)]

    def _not(self, field_name: str) -> list[Any]:
        node = self._primary(field_name)
        while self._operator("NOT"):
            node = ["!", node, self._primary(field_name)]
        return node

    def _primary(self, field_name: str) -> list[Any]:
        token = self._peek()
        if token is None:
            self._fail(QUERY_ENDS_TOO_EARLY)
        assert token is not None
        kind, value = token
        self.at += 1
        if kind == "paren":
            if value == ")":
                self._fail('syntax error near ")"')
            node = self._or(field_name)
            if self._peek() != ("paren", ")"):
                self._fail(QUERY_ENDS_TOO_EARLY)
            self.at += 1
            return node
        if kind == "word" and value in OPERATORS:
            self._fail(f'syntax error near "{value}"')
        prefix = _field_of(value) if kind == "word" else None
        if prefix is not None:
            rest = value[len(prefix) :]
            if not rest:
                return self._primary(prefix[:-1])
            value, field_name = rest, prefix[:-1]
        words = value[1:].rstrip("*")[:-1] if kind == "phrase" else value.rstrip("*")
        if not words:
            raise _lone(value)
        self.terms.append(QueryTerm(words, value.endswith("*"), field_name))
        return ["term", len(self.terms) - 1]
