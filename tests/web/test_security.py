"""Strict headers on every response, Host header checked, loopback by default."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from starlette.testclient import TestClient

from storage import Archive
from tests.web.conftest import Sample
from web import WebConfig, create_app
from web.security import SECURITY_HEADERS


def assert_strict(headers: Mapping[str, str]) -> None:
    csp = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp
    assert "'unsafe-eval'" not in csp
    assert "script-src 'self'" in csp
    assert "default-src 'none'" in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/", 200),
        ("/static/style.css", 200),
        ("/api/openapi.json", 200),
        ("/feeds/changes.atom", 200),
        ("/no/such/page", 404),
        ("/api/search?q=x&page=0", 400),
        ("/search?since=never", 400),
        ("/timegate/https://nowhere.example/", 404),
    ],
)
def test_every_response_has_strict_headers(client: TestClient, path: str, status: int) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == status
    assert_strict(response.headers)


def test_unexpected_errors_are_500_with_headers(sample_archive: Archive, sample: Sample) -> None:
    app = create_app(sample_archive)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("boom")

    with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert response.json() == {"error": {"status": 500, "message": "internal error"}}
    assert_strict(response.headers)


@pytest.mark.parametrize("host", ["evil.example", "127.0.0.1.evil.example", "0.0.0.0"])
def test_foreign_host_header_is_refused(sample_archive: Archive, host: str) -> None:
    with TestClient(create_app(sample_archive), base_url=f"http://{host}") as client:
        response = client.get("/")
    assert response.status_code == 400
    assert_strict(response.headers)


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "localhost:8000", "[::1]:8000"])
def test_loopback_names_are_allowed(sample_archive: Archive, host: str) -> None:
    with TestClient(create_app(sample_archive), base_url=f"http://{host}") as client:
        assert client.get("/static/style.css").status_code == 200


def test_configured_host_is_allowed(sample_archive: Archive) -> None:
    config = WebConfig(host="0.0.0.0", extra_allowed_hosts=("archive.internal",))
    assert "0.0.0.0" not in config.allowed_hosts
    with TestClient(create_app(sample_archive, config), base_url="http://archive.internal") as c:
        assert c.get("/static/style.css").status_code == 200


def test_default_config_binds_loopback() -> None:
    assert WebConfig().host == "127.0.0.1"
    assert "*" not in WebConfig(extra_allowed_hosts=("*",)).allowed_hosts


def test_header_values_are_what_the_module_declares(client: TestClient) -> None:
    response = client.get("/")
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value


def test_pages_link_only_same_origin_css_and_no_inline_code(
    client: TestClient, sample: Sample
) -> None:
    html = client.get("/article", params={"url": sample.story}).text
    assert '<link rel="stylesheet" href="/static/style.css">' in html
    assert "style=" not in html
    assert "<style" not in html
    assert "<script" not in html
