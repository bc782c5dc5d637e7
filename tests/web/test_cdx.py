"""`serve` as a CDX server (Wayback and pywb forms) and the raw captures it replays, sandboxed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from storage import Archive, FetchedPage, open_archive, record_capture
from tests.web.conftest import Sample, plain_content
from web import create_app
from web.raw_capture import RAW_CONTENT_SECURITY_POLICY


def _stamp(sample: Sample, index: int) -> str:
    return sample.story_times[index].strftime("%Y%m%d%H%M%S")


def _wayback(client: TestClient, **params: str | int | list[str]) -> list[list[str]]:
    answer = client.get("/cdx/search/cdx", params={"output": "json", **params})
    assert answer.status_code == 200, answer.text
    rows: list[list[str]] = json.loads(answer.text) if answer.text.strip() else []
    return rows


def test_wayback_json_lists_every_capture_of_the_article(
    client: TestClient, sample: Sample
) -> None:
    header, *rows = _wayback(client, url=sample.story)
    assert header == [
        "urlkey",
        "timestamp",
        "original",
        "mimetype",
        "statuscode",
        "digest",
        "length",
    ]
    assert [row[1] for row in rows] == [_stamp(sample, i) for i in range(4)]
    assert {(row[0], row[2], row[3], row[4]) for row in rows} == {
        ("example,news)/world/2026/11/story.html", sample.story, "text/html", "200")
    }
    assert rows[0][5].startswith("sha256:")
    assert rows[0][6] == str(len(b"<html>raw</html>"))


def test_query_parameters_select_filter_collapse_and_limit(
    client: TestClient, sample: Sample
) -> None:
    # The sample's bodies are all the same bytes: collapse=digest keeps the first of the run.
    assert len(_wayback(client, url=sample.story, collapse="digest")) == 2
    first_hour = _wayback(client, url=sample.story, **{"from": "20261120", "to": "2026112011"})
    assert [row[1] for row in first_hour[1:]] == [_stamp(sample, 0)]
    assert [row[1] for row in _wayback(client, url=sample.story, limit=-1)[1:]] == [
        _stamp(sample, 3)
    ]
    assert len(_wayback(client, url=sample.story, limit=2)) == 3
    host = _wayback(client, url="news.example", matchType="host", fl="original")
    assert {row[0] for row in host[1:]} == {
        sample.story,
        sample.bridge,
        "https://news.example/gone.html",
    }
    assert {
        row[0] for row in _wayback(client, url="https://news.example/local/*", fl="original")[1:]
    } == {sample.bridge}
    domain = _wayback(client, url="example", matchType="domain", fl="original")
    assert {row[0] for row in domain[1:]} == {
        sample.story,
        sample.bridge,
        sample.other,
        "https://news.example/gone.html",
    }
    assert _wayback(client, url="*.example", fl="original") == domain
    not_story = _wayback(client, url="news.example", matchType="host", filter=["!~original:story"])
    assert sample.story not in {row[2] for row in not_story[1:]}
    assert _wayback(client, url="https://nowhere.example/") == []


def test_pywb_form_is_one_object_per_line(client: TestClient, sample: Sample) -> None:
    answer = client.get("/web/cdx", params={"url": sample.story, "output": "json"})
    rows = [json.loads(line) for line in answer.text.splitlines()]
    assert answer.headers["content-type"].startswith("application/x-ndjson")
    assert [row["timestamp"] for row in rows] == [_stamp(sample, i) for i in range(4)]
    assert set(rows[0]) == {"urlkey", "timestamp", "url", "mime", "status", "digest", "length"}
    cdxj = client.get("/web/cdx", params={"url": sample.story}).text.splitlines()
    key, stamp, rest = cdxj[0].split(" ", 2)
    assert (key, stamp, json.loads(rest)["url"]) == (
        "example,news)/world/2026/11/story.html",
        _stamp(sample, 0),
        sample.story,
    )


def test_bad_queries_are_one_400_each(client: TestClient, sample: Sample) -> None:
    for params in (
        {"url": ""},
        {"url": sample.story, "from": "2026x"},
        {"url": sample.story, "to": "20261340"},
        {"url": sample.story, "matchType": "everything"},
        {"url": sample.story, "filter": "statuscode"},
        {"url": sample.story, "filter": "nosuchfield:1"},
        {"url": sample.story, "filter": "original:(a+)+$"},
        {"url": sample.story, "filter": "original:["},
        {"url": sample.story, "collapse": "digest:x"},
        {"url": sample.story, "limit": "0"},
    ):
        answer = client.get("/cdx/search/cdx", params=params)
        assert answer.status_code == 400, (params, answer.text)
        assert answer.json()["error"]["status"] == 400


def test_raw_capture_is_the_stored_bytes_sandboxed(client: TestClient, sample: Sample) -> None:
    answer = client.get(f"/web/{_stamp(sample, 1)}id_/{sample.story}", follow_redirects=False)
    assert answer.status_code == 200
    assert answer.content == b"<html>raw</html>"
    assert answer.headers["content-type"] == "text/html"
    assert answer.headers["content-security-policy"] == RAW_CONTENT_SECURITY_POLICY
    assert answer.headers["content-security-policy"].startswith("sandbox;")
    assert "allow-" not in answer.headers["content-security-policy"]
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "set-cookie" not in answer.headers
    assert answer.headers["memento-datetime"] == "Fri, 20 Nov 2026 12:00:00 GMT"
    # Other pages keep the UI's own policy.
    assert "sandbox" not in client.get("/").headers["content-security-policy"]


def test_raw_capture_redirects_to_the_closest_and_replay_to_the_version(
    client: TestClient, sample: Sample
) -> None:
    near = (sample.story_times[2] + timedelta(minutes=3)).strftime("%Y%m%d%H%M%S")
    closest = client.get(f"/web/{near}id_/{sample.story}", follow_redirects=False)
    assert closest.status_code == 302
    assert closest.headers["location"] == f"/web/{_stamp(sample, 2)}id_/{sample.story}"
    replay = client.get(f"/web/{_stamp(sample, 1)}/{sample.story}", follow_redirects=False)
    assert replay.status_code == 302
    assert replay.headers["location"].endswith("&v=2")
    missing = client.get(f"/web/{_stamp(sample, 1)}id_/https://nowhere.example/a")
    assert missing.status_code == 404
    assert client.get(f"/web/2026xx/{sample.story}").status_code in (400, 404)


@pytest.fixture
def tmp_path_archive(tmp_path: Path) -> Iterator[Archive]:
    with open_archive(f"sqlite:///{tmp_path / 'hostile.db'}") as archive:
        yield archive


def test_hostile_raw_bytes_keep_their_type_and_sandbox(tmp_path_archive: Archive) -> None:
    url = "https://hostile.example/a.html"
    body = b"<html><script>document.title='PWNED'</script><p>text</p></html>"
    page = FetchedPage(
        requested_url=url,
        final_url=url,
        fetched_at=datetime(2026, 11, 1, 8, tzinfo=UTC),
        http_status=200,
        headers={"content-type": "text/html; charset=utf-8", "set-cookie": "a=b"},
        body=body,
    )
    content = plain_content("Hostile", "Some article text that is long enough.\n" * 5)
    tmp_path_archive.run_write(lambda session: record_capture(session, page, content))
    with TestClient(create_app(tmp_path_archive), base_url="http://127.0.0.1:8000") as client:
        answer = client.get(f"/web/20261101080000id_/{url}")
    assert answer.content == body
    assert answer.headers["content-security-policy"].startswith("sandbox;")
    assert "set-cookie" not in answer.headers
