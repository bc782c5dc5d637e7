"""The fast read path's URL guard opens only the file SQLAlchemy's own parsing would (issue 27)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from storage.database import sqlite_file
from storage.sqlite_files import plain_sqlite_path

URL_PIECES = st.sampled_from(
    ["sqlite:///", "sqlite:////", "sqlite+pysqlite:///", "sqlite://", "sqlite:", "postgresql://"]
)


@given(URL_PIECES, st.text())
def test_any_url_gives_a_path_or_none_and_never_another_file(prefix: str, rest: str) -> None:
    url = prefix + rest
    path = plain_sqlite_path(url)
    if path is not None:
        # Whatever the fast path opens is the file the general path (SQLAlchemy) would open.
        assert path == sqlite_file(url)


@given(st.text())
def test_any_text_gives_a_path_or_none(text: str) -> None:
    assert plain_sqlite_path(text) is None or isinstance(plain_sqlite_path(text), Path)


def test_the_usual_forms_take_the_fast_path() -> None:
    assert plain_sqlite_path("sqlite:///newsarchive.db") == Path("newsarchive.db")
    assert plain_sqlite_path("sqlite:////srv/news/archive.db") == Path("/srv/news/archive.db")
    assert plain_sqlite_path("sqlite+pysqlite:///a b.db") == Path("a b.db")


def test_anything_unusual_goes_the_general_way() -> None:
    for url in (
        "sqlite://",
        "sqlite:///:memory:",
        "sqlite:///file:archive.db?mode=ro&uri=true",
        "sqlite:///archive.db?timeout=5",
        "sqlite:///caf%C3%A9.db",
        "sqlite+aiosqlite:///archive.db",
        "postgresql+psycopg://user@host/news",
    ):
        assert plain_sqlite_path(url) is None, url
