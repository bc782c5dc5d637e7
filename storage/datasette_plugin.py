"""A Datasette plugin (entry point ``datasette``): its ``?_search=`` folds and segments queries.

Datasette finds the archive's full-text index by itself (``versions_fts``, declared
``content="versions"``) and matches ``escape_fts(:search)`` against it. The index holds folded,
segmented text (storage.script), so on a connection to a newsarchive archive this plugin
replaces ``escape_fts`` with one that treats the query the same way first: ``地下鉄`` and
``Καύσωνας`` are then found as in ``newsarchive search``. Other databases keep Datasette's own.
Without the plugin (Datasette installed elsewhere), Latin words and unaccented queries work.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any

import pluggy

from storage.script import SEARCH_TEXT_FUNCTION, search_text

__all__ = ["escape_search", "prepare_connection"]

# Datasette's own marker (datasette.hookimpl is this), so that this module needs only pluggy.
hookimpl = pluggy.HookimplMarker("datasette")

_TERMS = re.compile(r'"[^"]*"|[^\s"]+')


def escape_search(query: str) -> str:
    """Datasette's escaping of a search (each term or "quoted phrase" a phrase), after folding
    and segmenting it: a term in a script without spaces becomes the phrase of its characters.
    """
    if query.count('"') % 2:
        query += '"'
    phrases = []
    for term in _TERMS.findall(query):
        words = " ".join((search_text(term.strip('"')) or "").split())
        if words:
            phrases.append('"' + words + '"')
    return " ".join(phrases)


def _is_archive(conn: sqlite3.Connection) -> bool:
    try:
        row = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'trigger' "
            "AND name = 'versions_fts_after_insert' AND sql LIKE ?",
            (f"%{SEARCH_TEXT_FUNCTION}%",),
        ).fetchone()
    except sqlite3.Error:
        return False
    return row is not None


@hookimpl(trylast=True)
def prepare_connection(conn: sqlite3.Connection, database: str, datasette: Any) -> None:
    """Register ``escape_search`` as ``escape_fts`` (and the index function) on an archive."""
    if _is_archive(conn):
        conn.create_function("escape_fts", 1, escape_search, deterministic=True)
        conn.create_function(SEARCH_TEXT_FUNCTION, 1, search_text, deterministic=True)
