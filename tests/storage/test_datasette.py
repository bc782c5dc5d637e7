"""The archive opened in Datasette (the real package): ``?_search=`` finds what ``search`` finds."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from datasette.app import Datasette

from storage import CaptureResult

pytestmark = pytest.mark.sqlite_only("Datasette opens SQLite files")

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "tests" / "fixtures" / "multilingual" / "articles.json"
ARTICLES: list[dict[str, Any]] = json.loads(SAMPLE.read_text(encoding="utf-8"))["articles"]
METADATA = REPO / "docs" / "datasette-metadata.json"
Capture = Callable[..., CaptureResult]


def fetch(datasette: Datasette, path: str) -> Any:
    async def get() -> Any:
        response = await datasette.client.get(path)
        assert response.status_code == 200, response.text
        return response.json()

    return asyncio.run(get())


@pytest.fixture
def database(capture: Capture, db_url: str) -> Path:
    for article in ARTICLES:
        capture(article["url"], article["title"], article["text"])
    return Path(db_url.removeprefix("sqlite:///"))


def searched(datasette: Datasette, name: str, query: str) -> list[str]:
    """The titles of the versions Datasette's ``?_search=`` finds."""
    rows = fetch(datasette, f"/{name}/versions.json?_search={query}&_shape=array")
    return [row["title"] for row in rows]


def test_search_works_without_configuration(database: Path) -> None:
    datasette = Datasette([str(database)])
    name = database.stem
    french, greek = ARTICLES[8]["title"], ARTICLES[4]["title"]
    # Datasette detects the index by itself: without it, ?_search= would be ignored (all rows).
    assert searched(datasette, name, "cafe") == [french]
    # With newsarchive's plugin (installed with it): accents, case and CJK as in `search`.
    assert searched(datasette, name, "CAFÉ") == [french]
    assert searched(datasette, name, "Καύσωνας") == [greek]
    assert searched(datasette, name, "地下鉄") == [ARTICLES[0]["title"]]
    assert searched(datasette, name, "서울 파업") == [ARTICLES[2]["title"]]
    assert searched(datasette, name, "unheard-of") == []


def test_shipped_metadata_labels_rows_by_url_and_title(database: Path, tmp_path: Path) -> None:
    archive = tmp_path / "named" / "archive.db"  # the name the metadata file uses
    archive.parent.mkdir()
    with sqlite3.connect(database) as source, sqlite3.connect(archive) as copy:
        source.backup(copy)
    metadata = json.loads(METADATA.read_text(encoding="utf-8"))
    datasette = Datasette([str(archive)], metadata=metadata)
    rows = fetch(datasette, "/archive/versions.json?_search=метро&_shape=array&_labels=on")
    assert [row["article_id"]["label"] for row in rows] == [ARTICLES[7]["url"]]
