"""Full-text search on PostgreSQL: a weighted tsvector with a GIN index (migration 0006).

The query language is the one FTS5 gets (storage/search.py): words, "phrases", prefix*, AND /
OR / NOT, parentheses, ``title:`` / ``text:``. It is parsed here and turned into a tsquery whose
terms PostgreSQL itself normalises (``phraseto_tsquery``), so queries and the index always agree
on how text is split. The ``simple`` configuration lowercases without stemming, as FTS5's
unicode61 tokenizer does, so a query finds the same words on both backends. Titles are weight A,
texts weight B; ``title:`` and ``text:`` restrict terms to one weight.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, Text, bindparam, cast, func, literal_column, select, text
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from storage.listing import site_matches
from storage.models import Article, Site, Version
from storage.records import SearchHit
from storage.search import _TOKEN, SNIPPET_TOKENS, TITLE_WEIGHT, InvalidQuery, SearchRequest

# Must stay identical to the index expression of migration 0006, or the index is not used.
SEARCH_VECTOR = (
    "(setweight(to_tsvector('simple'::regconfig, COALESCE(versions.title, '')), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, versions.text), 'B'))"
)
# ts_rank_cd weights, in the order {D, C, B, A}: a title match counts TITLE_WEIGHT times a text one.
RANK_WEIGHTS = f"{{0.1, 0.1, {1.0 / TITLE_WEIGHT}, 1.0}}"
_WEIGHT = {"title:": "A", "text:": "B"}
_LEXEME = re.compile(r"'(?:[^']|'')*'")
_HINT = '(use words, "exact phrases", prefix*, and AND / OR / NOT between terms)'


@dataclass
class _Term:
    words: str
    prefix: bool
    weight: str


@dataclass
class _Parser:
    """FTS5's grammar: OR binds loosest, then AND (implicit between terms), then binary NOT."""

    query: str
    tokens: list[tuple[str, str]] = field(default_factory=list)
    terms: list[_Term] = field(default_factory=list)
    at: int = 0

    def parse(self) -> list[Any]:
        for match in _TOKEN.finditer(self.query):
            if match["quote"]:
                raise InvalidQuery(f"unbalanced double quote in search query {self.query!r}")
            kind = next(k for k in ("phrase", "paren", "word") if match[k])
            self.tokens.append((kind, match[kind]))
        if not self.tokens:
            raise InvalidQuery("empty search query: give at least one word")
        tree = self._or("")
        if self.at < len(self.tokens):
            self._fail(f'syntax error near "{self.tokens[self.at][1]}"')
        return tree

    def _fail(self, message: str) -> None:
        raise InvalidQuery(f"cannot search for {self.query!r}: {message} {_HINT}")

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def _operator(self, name: str) -> bool:
        token = self._peek()
        if token == ("word", name):
            self.at += 1
            return True
        return False

    def _or(self, weight: str) -> list[Any]:
        node = self._and(weight)
        while self._operator("OR"):
            node = ["|", node, self._and(weight)]
        return node

    def _and(self, weight: str) -> list[Any]:
        node = self._not(weight)
        while True:
            if self._operator("AND"):
                node = ["&", node, self._not(weight)]
                continue
            token = self._peek()
            if token is None or token == ("paren", ")") or token[1] in ("OR", "NOT"):
                return node
            node = ["&", node, self._not(weight)]

    def _not(self, weight: str) -> list[Any]:
        node = self._primary(weight)
        while self._operator("NOT"):
            node = ["!", node, self._primary(weight)]
        return node

    def _primary(self, weight: str) -> list[Any]:
        token = self._peek()
        if token is None:
            self._fail("the query ends too early (an operator or '(' with nothing after it)")
        assert token is not None
        kind, value = token
        self.at += 1
        if kind == "paren":
            if value == ")":
                self._fail('syntax error near ")"')
            node = self._or(weight)
            if self._peek() != ("paren", ")"):
                self._fail("the query ends too early (an operator or '(' with nothing after it)")
            self.at += 1
            return node
        if kind == "word" and value in ("AND", "OR", "NOT"):
            self._fail(f'syntax error near "{value}"')
        column = next((c for c in _WEIGHT if value.lower().startswith(c)), None)
        if kind == "word" and column is not None:
            rest = value[len(column) :]
            if not rest:
                return self._primary(_WEIGHT[column])
            value, weight = rest, _WEIGHT[column]
        words = value[1:].rstrip("*")[:-1] if kind == "phrase" else value.rstrip("*")
        if not words:
            raise InvalidQuery(
                f"a lone '{value}' is not a search term; put it after a word: escap*"
            )
        self.terms.append(_Term(words, value.endswith("*"), weight))
        return ["term", len(self.terms) - 1]


def _labelled(fragment: str, term: _Term, *, weighted: bool) -> str:
    lexemes = list(_LEXEME.finditer(fragment))
    if not lexemes:
        return fragment
    out, last = [], 0
    for index, lexeme in enumerate(lexemes):
        label = "*" if term.prefix and index == len(lexemes) - 1 else ""
        label += term.weight if weighted else ""
        out.append(fragment[last : lexeme.end()] + (":" + label if label else ""))
        last = lexeme.end()
    return "(" + "".join(out) + fragment[last:] + ")"


def _render(node: list[Any], fragments: list[str]) -> str:
    if node[0] == "term":
        index: int = node[1]
        return fragments[index]
    left, right = _render(node[1], fragments), _render(node[2], fragments)
    if node[0] == "!":
        return f"({left} & !{right})"
    return f"({left} {node[0]} {right})"


def _tsquery(name: str) -> ColumnElement[Any]:
    return cast(bindparam(name, type_=Text()), TSQUERY)


def to_tsquery_text(session: Session, query: str) -> tuple[str, str]:
    """The query as tsquery text: weighted (for matching, ranking) and plain (for snippets)."""
    parser = _Parser(query)
    tree = parser.parse()
    columns = ", ".join(
        f"phraseto_tsquery('simple', CAST(:t{i} AS text))::text" for i in range(len(parser.terms))
    )
    params = {f"t{i}": term.words for i, term in enumerate(parser.terms)}
    normalised: list[str] = list(session.execute(text(f"SELECT {columns}"), params).one())
    for term, fragment in zip(parser.terms, normalised, strict=True):
        if not fragment:
            raise InvalidQuery(f"cannot search for {query!r}: {term.words!r} has no words in it")
    pairs = list(zip(normalised, parser.terms, strict=True))
    weighted = [_labelled(fragment, term, weighted=True) for fragment, term in pairs]
    plain = [_labelled(fragment, term, weighted=False) for fragment, term in pairs]
    return _render(tree, weighted), _render(tree, plain)


class PostgresTextSearch:
    """PostgreSQL: the GIN-indexed weighted tsvector of migration 0006, ranked by ts_rank_cd."""

    def _statement(
        self, request: SearchRequest, oldest: int | None, vector: ColumnElement[Any]
    ) -> Select[Any]:
        query_ts = _tsquery("pg_query")
        rank = func.ts_rank_cd(literal_column(f"'{RANK_WEIGHTS}'::float4[]"), vector, query_ts)
        ranked = (
            select(Version.id.label("version_id"), rank.label("rank"))
            .join(Article, Article.id == Version.article_id)
            .join(Site, Site.id == Article.site_id)
            .where(vector.bool_op("@@")(query_ts))
            .order_by(rank.desc(), Version.id.desc())
            .limit(request.limit)
            .offset(request.offset)
        )
        if oldest is not None:
            ranked = ranked.where(Version.id >= oldest)
        if not request.all_versions:
            ranked = ranked.where(Version.number == Article.version_count)
        if request.changed_only:
            ranked = ranked.where(Article.version_count > 1)
        if request.site:
            ranked = ranked.where(site_matches(request.site))
        if request.since is not None:
            ranked = ranked.where(Version.captured_at >= request.since)
        if request.until is not None:
            ranked = ranked.where(Version.captured_at < request.until)
        hits = ranked.subquery("hits")
        open_mark, close_mark = request.highlight
        options = (
            f'StartSel="{open_mark}", StopSel="{close_mark}", MaxWords={SNIPPET_TOKENS}, '
            f'MinWords={SNIPPET_TOKENS // 2}, MaxFragments=1, FragmentDelimiter="…"'
        )
        snippet = func.ts_headline(
            literal_column("'simple'::regconfig"),
            Version.text,
            _tsquery("pg_plain_query"),
            options,
        )
        return (
            select(
                Article.url,
                Site.host,
                Version.number,
                Article.version_count,
                Version.title,
                Version.captured_at,
                snippet,
                hits.c.rank,
            )
            .select_from(hits)
            .join(Version, Version.id == hits.c.version_id)
            .join(Article, Article.id == Version.article_id)
            .join(Site, Site.id == Article.site_id)
            .order_by(hits.c.rank.desc(), Version.id.desc())
        )

    def search(self, session: Session, request: SearchRequest) -> list[SearchHit]:
        if '"' in request.highlight[0] + request.highlight[1]:
            raise InvalidQuery("highlight markers cannot contain a double quote on PostgreSQL")
        weighted, plain = to_tsquery_text(session, request.query)
        params = {"pg_query": weighted, "pg_plain_query": plain}
        vector: ColumnElement[Any] = literal_column(SEARCH_VECTOR)
        oldest = session.scalar(
            select(Version.id)
            .where(vector.bool_op("@@")(_tsquery("pg_query")))
            .order_by(Version.id.desc())
            .limit(1)
            .offset(request.max_ranked - 1),
            params,
        )
        rows = session.execute(self._statement(request, oldest, vector), params).all()
        open_mark, close_mark = request.highlight
        joined = re.compile(re.escape(close_mark) + r"(\s+)" + re.escape(open_mark))
        return [
            SearchHit(
                url=url,
                site=host,
                version=number,
                version_count=count,
                title=title,
                captured_at=captured_at,
                # ts_headline marks each word of a phrase; FTS5 marks the phrase as one run.
                snippet=joined.sub(r"\1", snippet or ""),
                score=float(rank),
            )
            for url, host, number, count, title, captured_at, snippet, rank in rows
        ]
