"""The JSON API: every page group as JSON, paginated; bad parameters are 400, never 500."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tests.web.conftest import Sample


def test_article_latest_and_numbered(client: TestClient, sample: Sample) -> None:
    latest = client.get("/api/article", params={"url": sample.story}).json()
    assert (latest["version"], latest["version_count"]) == (4, 4)
    assert latest["authors"] == ["Bob Reporter"]
    assert "<script>" in latest["title"]  # JSON carries the text as archived; it is data
    second = client.get("/api/article", params={"url": sample.story, "v": 2}).json()
    assert second["title"] == "Budget deal agreed after all-night talks"


def test_versions_are_paginated(client: TestClient, sample: Sample) -> None:
    first = client.get("/api/article/versions", params={"url": sample.story, "per_page": 3})
    body = first.json()
    assert [v["version"] for v in body["items"]] == [1, 2, 3]
    assert body["prev"] is None
    assert body["next"].endswith("page=2")
    rest = client.get(body["next"]).json()
    assert [v["version"] for v in rest["items"]] == [4]
    assert rest["next"] is None
    assert rest["items"][0]["change"]["fields"] == ["byline"]
    assert body["items"][2]["change"]["flipflop_of"] == 1


def test_diff(client: TestClient, sample: Sample) -> None:
    body = client.get("/api/article/diff", params={"url": sample.story, "from": 1, "to": 2}).json()
    assert (body["from_version"], body["to_version"]) == (1, 2)
    assert {"op": "+", "text": "Wednesday"} in body["text"] or any(
        r["op"] == "+" and "Wednesday" in r["text"] for r in body["text"]
    )
    assert body["change"]["notices"]


def test_search(client: TestClient, sample: Sample) -> None:
    body = client.get("/api/search", params={"q": "opposition"}).json()
    (hit,) = body["items"]
    assert hit["url"] == sample.story
    assert {"text": "opposition", "match": True} in hit["snippet_parts"]
    assert "\x02" not in hit["snippet"]
    assert (
        client.get("/api/search", params={"q": "vote", "site": "other.example"}).json()["items"][0][
            "site"
        ]
        == "other.example"
    )
    dated = client.get("/api/search", params={"q": "vote", "since": "2026-11-21"}).json()
    assert [h["version"] for h in dated["items"]] == [2]


def test_lists(client: TestClient, sample: Sample) -> None:
    articles = client.get("/api/articles", params={"site": "news.example"}).json()["items"]
    assert {a["url"] for a in articles} == {sample.story, sample.bridge}
    changes = client.get("/api/changes").json()["items"]
    assert [c["version"] for c in changes] == [2, 4, 3, 2]  # newest first
    sites = {s["site"]: s for s in client.get("/api/sites").json()}
    assert sites["news.example"]["articles"] == 2
    site = client.get("/api/sites/news.example").json()
    assert site["errors_by_reason"] == {"http_404": 1, "timeout": 1}
    runs = client.get("/api/runs").json()["items"]
    assert runs[0]["status"] == "finished"


def test_openapi_documents_the_api(client: TestClient) -> None:
    schema = client.get("/api/openapi.json").json()
    for path in ("/api/search", "/api/article", "/api/article/diff", "/timegate/{uri}"):
        assert path in schema["paths"], path


@pytest.mark.parametrize(
    ("path", "params", "fragment"),
    [
        ("/api/search", {"q": "x", "page": "0"}, "page"),
        ("/api/search", {"q": "x", "page": "two"}, "page"),
        ("/api/search", {"q": "x", "per_page": "1000"}, "per_page"),
        ("/api/search", {"q": "x", "since": "yesterday"}, "since"),
        ("/api/search", {"q": "x", "since": "2026-12-01", "until": "2026-11-01"}, "since"),
        ("/api/search", {"q": '"unbalanced'}, "quote"),
        ("/api/search", {}, "q"),
        ("/api/article", {"url": "https://news.example/x", "v": "-1"}, "v"),
        ("/api/article/diff", {"url": "https://news.example/x", "from": "a"}, "from"),
        ("/api/articles", {"site": "bad host/../"}, "site"),
        ("/search", {"q": "x", "until": "2026-13-45"}, "until"),
        ("/article", {"url": ""}, "url"),
        ("/diff", {"url": "u", "view": "sideways"}, "view"),
        ("/sites/news.example", {"page": "999999999"}, "page"),
    ],
)
def test_bad_parameters_are_400(
    client: TestClient, path: str, params: dict[str, str], fragment: str
) -> None:
    response = client.get(path, params=params)
    assert response.status_code == 400, response.text
    assert fragment in response.text


def test_not_found_is_404_json(client: TestClient, sample: Sample) -> None:
    response = client.get("/api/article", params={"url": "https://nowhere.example/a"})
    assert response.status_code == 404
    assert response.json()["error"]["message"].startswith("no archived article")
    response = client.get("/api/article", params={"url": sample.story, "v": 9})
    assert response.status_code == 404
    assert client.get("/api/sites/nowhere.example").status_code == 404
