"""Full-text search on PostgreSQL: a stored weighted tsvector with a GIN index (0006, 0014, 0017).

The query language is the one FTS5 gets (storage/search/query.py): words, "phrases", prefix*,
AND / OR / NOT, parentheses, ``title:`` / ``text:``. Its parse tree (``parse_query``) becomes
here a tsquery whose terms PostgreSQL itself normalises (``phraseto_tsquery``), so queries and
the index always agree on how text is split. The ``simple`` configuration lowercases without
stemming, as FTS5's unicode61 tokenizer does, so a query finds the same words on both backends.
Both the index and the query terms go through ``newsarchive_search_text`` (migration 0014, the
SQL twin of storage.script.search_text: accents folded, unspaced scripts one word a character).
Titles are weight A, texts weight B; ``title:`` and ``text:`` restrict terms to one weight.
Each version's vector is stored (``versions.search_vector``, a generated column, migration
0017): ranking and rechecks read it instead of parsing the text again. A query matching more
than ``BROAD_MATCHES`` versions is listed newest first instead of ranked, as on SQLite
(storage/search/broad.py): ranking would read every match's vector. Snippets are made in Python
(storage.search.snippet), as on SQLite.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import (
    Select,
    Text,
    and_,
    bindparam,
    case,
    cast,
    false,
    func,
    literal,
    literal_column,
    select,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from storage.models import Article, Site, Version
from storage.reading import reads_of
from storage.records import SearchHit
from storage.script import SEARCH_TEXT_FUNCTION as F
from storage.search.broad import BROAD_MATCHES, walk_filters
from storage.search.filters import hit_rows, version_filters
from storage.search.query import InvalidQuery, QueryTerm, parse_query
from storage.search.request import SNIPPET_TOKENS, TITLE_WEIGHT, SearchRequest
from storage.search.snippet import make_snippet, query_terms

__all__ = ["RANK_WEIGHTS", "SEARCH_VECTOR", "PostgresTextSearch", "to_tsquery_text"]

# The stored vector (migration 0017: the expression of 0014, computed when a version is written).
SEARCH_VECTOR = "versions.search_vector"
# ts_rank_cd weights, in the order {D, C, B, A}: a title match counts TITLE_WEIGHT times a text one.
RANK_WEIGHTS = f"{{0.1, 0.1, {1.0 / TITLE_WEIGHT}, 1.0}}"
_WEIGHT = {"title": "A", "text": "B"}  # by QueryTerm.field
_LEXEME = re.compile(r"'(?:[^']|'')*'")


def _labelled(fragment: str, term: QueryTerm, *, weighted: bool) -> str:
    lexemes = list(_LEXEME.finditer(fragment))
    if not lexemes:
        return fragment
    out, last = [], 0
    for index, lexeme in enumerate(lexemes):
        label = "*" if term.prefix and index == len(lexemes) - 1 else ""
        label += _WEIGHT.get(term.field, "") if weighted else ""
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
    parsed = parse_query(query)
    columns = ", ".join(
        f"phraseto_tsquery('simple', {F}(CAST(:t{i} AS text)))::text"
        for i in range(len(parsed.terms))
    )
    params = {f"t{i}": term.words for i, term in enumerate(parsed.terms)}
    normalised: list[str] = list(session.execute(text(f"SELECT {columns}"), params).one())
    for term, fragment in zip(parsed.terms, normalised, strict=True):
        if not fragment:
            raise InvalidQuery(f"cannot search for {query!r}: {term.words!r} has no words in it")
    pairs = list(zip(normalised, parsed.terms, strict=True))
    weighted = [_labelled(fragment, term, weighted=True) for fragment, term in pairs]
    plain = [_labelled(fragment, term, weighted=False) for fragment, term in pairs]
    return _render(parsed.tree, weighted), _render(parsed.tree, plain)


def _matching(request: SearchRequest, vector: ColumnElement[Any], *columns: Any) -> Select[Any]:
    """``columns`` of the matching versions that pass the request's filters (all joined)."""
    return (
        select(*columns)
        .select_from(Version)
        .join(Article, Article.id == Version.article_id)
        .join(Site, Site.id == Article.site_id)
        .where(vector.bool_op("@@")(_tsquery("pg_query")))
        .where(*version_filters(request))
    )


# Past this factor above BROAD_MATCHES, the planner's estimate decides alone.
ESTIMATE_MARGIN = 4


def _estimated_matches(session: Session, vector: ColumnElement[Any], weighted: str) -> int:
    """The planner's estimate of the query's matches (before filters)."""
    plan = session.scalar(
        text(
            f"EXPLAIN (FORMAT JSON) SELECT 1 FROM versions "
            f"WHERE {vector} @@ CAST(:pg_query AS tsquery)"
        ),
        {"pg_query": weighted},
    )
    return int(plan[0]["Plan"]["Plan Rows"])


def _counted_matches(session: Session, vector: ColumnElement[Any], weighted: str) -> int:
    """The query's matches counted up to BROAD_MATCHES + 1 off the GIN index.

    A bitmap scan, forced for this statement: the planner, which takes reading a version's
    vector for free, would rather read versions in a row until it has found enough (each
    vector read ~15 us, most of them for nothing when the query's words are rare).
    """
    # Read, then switched off for the rest of the transaction (a select list runs in order).
    seqscan, indexscan, _, _ = session.execute(
        text(
            "SELECT current_setting('enable_seqscan'), current_setting('enable_indexscan'), "
            "set_config('enable_seqscan', 'off', true), set_config('enable_indexscan', 'off', true)"
        )
    ).one()
    matches = (
        select(literal(1))
        .select_from(Version)
        .where(vector.bool_op("@@")(_tsquery("pg_query")))
        .limit(BROAD_MATCHES + 1)
        .subquery()
    )
    counted = session.scalar(select(func.count()).select_from(matches), {"pg_query": weighted})
    # Back as they were (after an error, the search's savepoint rolls them back: bounds.py).
    session.execute(
        text(
            "SELECT set_config('enable_seqscan', :seqscan, true), "
            "set_config('enable_indexscan', :indexscan, true)"
        ),
        {"seqscan": seqscan, "indexscan": indexscan},
    )
    return int(counted or 0)


def is_broad(session: Session, vector: ColumnElement[Any], weighted: str) -> bool:
    """Whether the query's matches (before filters) exceed BROAD_MATCHES, as on SQLite.

    SQLite counts up to BROAD_MATCHES + 1 on its index's rowids for almost nothing. Here a
    count reads rows, and a common word's GIN bitmap holds every match (21-23 ms for "said"
    at 100,000 versions, growing with the archive). So a query the planner estimates at more
    than ESTIMATE_MARGIN times BROAD_MATCHES is broad at once: such estimates come from the
    statistics of the stored vectors' most common lexemes (ANALYZE), which are close. Any
    other is counted: a lexeme outside those statistics is estimated at a flat 0.5 % of the
    versions, whatever its real count.
    """
    if _estimated_matches(session, vector, weighted) > BROAD_MATCHES * ESTIMATE_MARGIN:
        return True
    return _counted_matches(session, vector, weighted) > BROAD_MATCHES


def _ranked_page(request: SearchRequest, vector: ColumnElement[Any]) -> Select[Any]:
    """One page of ranked matches: (version id, rank), best first."""
    rank = func.ts_rank_cd(
        literal_column(f"'{RANK_WEIGHTS}'::float4[]"), vector, _tsquery("pg_query")
    )
    return (
        _matching(request, vector, Version.id.label("version_id"), rank.label("rank"))
        .order_by(rank.desc(), Version.id.desc())
        .limit(request.limit)
        .offset(request.offset)
    )


def _newest_page(
    session: Session, request: SearchRequest, vector: ColumnElement[Any], params: dict[str, str]
) -> Select[Any]:
    """One page of matches newest first: (version id, rank 0), the order of SQLite's broad path.

    One statement walks the versions down ``ix_versions_captured_at_id`` (migration 0017; the
    date range is its index condition) and stops when the page is full. Each version's cheap
    filters (its article's latest version, site, changed-only: a primary-key lookup) are
    checked first and its stored vector only for the versions that pass: the CASE fixes that
    order, which also keeps the GIN index out (it would read every match of a common word).
    """
    sql_conditions, filter_params = walk_filters(reads_of(session), request)
    conditions = [text(condition) for condition in sql_conditions]
    params = {**params, **filter_params}
    match = vector.bool_op("@@")(_tsquery("pg_query"))
    # Also outside the CASE: the date range becomes the index scan's bounds.
    checked = case((and_(*conditions), match), else_=false()) if conditions else match.is_(true())
    page = (
        select(Version.id)
        .where(*conditions, checked)
        .order_by(Version.captured_at.desc(), Version.id.desc())
        .limit(request.limit)
        .offset(request.offset)
    )
    # The page's ids first: joined in one statement, the planner (which cannot know how few
    # rows the walk gives) may join every version to them.
    ids = list(session.scalars(page, params))
    columns: list[Any] = [Version.id.label("version_id"), literal(0.0).label("rank")]
    return select(*columns).where(Version.id.in_(ids))


class PostgresTextSearch:
    """PostgreSQL: the GIN-indexed stored tsvector of migration 0017, ranked by ts_rank_cd.

    Filters, ranking and paging happen in one subquery; only its page gets a snippet. Nothing
    caps the set of matches; a query with more than BROAD_MATCHES matches is listed newest
    first (its cost follows the page's depth, not the archive's size).
    """

    def search(self, session: Session, request: SearchRequest) -> list[SearchHit]:
        weighted, _ = to_tsquery_text(session, request.query)
        params = {"pg_query": weighted}
        vector: ColumnElement[Any] = literal_column(SEARCH_VECTOR)
        if is_broad(session, vector, weighted):
            hits = _newest_page(session, request, vector, params).subquery("hits")
            statement = hit_rows(hits, Version.text.expression, hits).order_by(
                Version.captured_at.desc(), Version.id.desc()
            )
        else:
            hits = _ranked_page(request, vector).subquery("hits")
            statement = hit_rows(hits, Version.text.expression, hits).order_by(
                hits.c.rank.desc(), Version.id.desc()
            )
        rows = session.execute(statement, params).all()
        terms = query_terms(request.query)
        return [
            SearchHit(
                url=url,
                site=host,
                version=number,
                version_count=count,
                title=title,
                captured_at=captured_at,
                snippet=make_snippet(body, terms, SNIPPET_TOKENS, request.highlight),
                score=float(rank),
            )
            for url, host, number, count, title, captured_at, body, rank in rows
        ]

    def count(self, session: Session, request: SearchRequest) -> int:
        weighted, _ = to_tsquery_text(session, request.query)
        vector: ColumnElement[Any] = literal_column(SEARCH_VECTOR)
        statement = _matching(request, vector, func.count())
        return int(session.scalar(statement, {"pg_query": weighted}) or 0)
