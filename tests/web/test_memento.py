"""Memento (RFC 7089): TimeGate negotiation, TimeMaps, memento headers on version pages."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.testclient import TestClient

from tests.web.conftest import Sample


def version_of(location: str) -> int:
    return int(parse_qs(urlsplit(location).query)["v"][0])


@pytest.mark.parametrize(
    ("accept_datetime", "version"),
    [
        ("Fri, 20 Nov 2026 10:00:00 GMT", 1),  # exactly the first capture
        ("Fri, 20 Nov 2026 11:59:59 GMT", 1),
        ("Fri, 20 Nov 2026 12:00:00 GMT", 2),
        ("Fri, 20 Nov 2026 16:30:00 GMT", 3),
        ("Sat, 21 Nov 2026 00:00:00 GMT", 4),
        ("Mon, 01 Jan 2024 00:00:00 GMT", 1),  # before the first capture: the first version
        (None, 4),  # no Accept-Datetime: the latest
    ],
)
def test_timegate_redirects_to_version_current_at_date(
    client: TestClient, sample: Sample, accept_datetime: str | None, version: int
) -> None:
    headers = {"Accept-Datetime": accept_datetime} if accept_datetime else {}
    response = client.get(f"/timegate/{sample.story}", headers=headers, follow_redirects=False)
    assert response.status_code == 302
    assert version_of(response.headers["location"]) == version
    assert response.headers["vary"] == "accept-datetime"
    link = response.headers["link"]
    assert f'<{sample.story}>; rel="original"' in link
    assert 'rel="timemap"; type="application/link-format"' in link
    assert "first" in link
    assert "last" in link
    assert "memento-datetime" not in response.headers


def test_timegate_finds_article_by_alias_and_query(client: TestClient, sample: Sample) -> None:
    url = sample.story + "?utm_source=feed"
    response = client.get(f"/timegate/{url}", follow_redirects=False)
    assert response.status_code == 302
    collapsed = sample.story.replace("https://", "https:/")  # proxies merge double slashes
    assert client.get(f"/timegate/{collapsed}", follow_redirects=False).status_code == 302


def test_timegate_errors(client: TestClient, sample: Sample) -> None:
    bad = client.get(f"/timegate/{sample.story}", headers={"Accept-Datetime": "last tuesday"})
    assert bad.status_code == 400
    assert "Accept-Datetime" in bad.json()["error"]["message"]
    assert client.get("/timegate/https://nowhere.example/a").status_code == 404


def test_memento_page_headers(client: TestClient, sample: Sample) -> None:
    response = client.get("/article", params={"url": sample.story, "v": 3})
    assert response.headers["memento-datetime"] == "Fri, 20 Nov 2026 15:00:00 GMT"
    link = response.headers["link"]
    assert f'<{sample.story}>; rel="original"' in link
    assert 'rel="timegate"' in link
    assert 'rel="timemap"' in link
    assert 'v=2>; rel="prev memento"' in link
    assert 'v=4>; rel="next last memento"' in link
    assert 'v=1>; rel="first memento"' in link


def test_latest_page_is_not_a_memento_but_points_to_timegate(
    client: TestClient, sample: Sample
) -> None:
    response = client.get("/article", params={"url": sample.story})
    assert "memento-datetime" not in response.headers
    assert 'rel="timegate"' in response.headers["link"]


def test_timemap_link_format(client: TestClient, sample: Sample) -> None:
    response = client.get(f"/timemap/link/{sample.story}")
    assert response.headers["content-type"] == "application/link-format"
    lines = response.text.strip().split(",\n")
    assert lines[0] == f'<{sample.story}>; rel="original"'
    assert 'rel="self"' in lines[1]
    assert 'from="Fri, 20 Nov 2026 10:00:00 GMT"' in lines[1]
    mementos = [line for line in lines if "memento" in line]
    assert len(mementos) == 4
    assert 'rel="first memento"' in mementos[0]
    assert 'rel="last memento"' in mementos[-1]
    assert all('datetime="' in line for line in mementos)


def test_timemap_json(client: TestClient, sample: Sample) -> None:
    body = client.get(f"/timemap/json/{sample.story}").json()
    assert body["original_uri"] == sample.story
    assert [m["version"] for m in body["mementos"]["list"]] == [1, 2, 3, 4]
    assert body["mementos"]["first"]["datetime"] == "2026-11-20T10:00:00Z"
    assert body["timegate_uri"].endswith(f"/timegate/{sample.story}")


def test_memento_resources_answer_head(client: TestClient, sample: Sample) -> None:
    assert client.head(f"/timegate/{sample.story}", follow_redirects=False).status_code == 302
    assert client.head(f"/timemap/link/{sample.story}").status_code == 200
