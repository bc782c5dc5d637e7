"""By default newsarchive never connects to loopback, private, link-local or metadata addresses."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from scrapy import Request
from twisted.internet.error import DNSLookupError
from twisted.python.failure import Failure

from crawler.fetching import failure_reason
from crawler.middlewares.addresses import is_public
from crawler.middlewares.network import PrivateNetworkMiddleware
from crawler.middlewares.refused import RequestRefused
from crawler.middlewares.resolver import PublicOnlyResolver
from demosite.hostile import HostileServer

from .conftest import newsarchive


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.255.0.9",
        "10.1.2.3",
        "172.16.0.1",
        "172.31.255.255",
        "192.168.1.1",
        "169.254.169.254",
        "0.0.0.0",
        "100.64.0.1",
        "::1",
        "fc00::1",
        "fd12:3456::1",
        "fe80::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "::127.0.0.1",
        "2002:7f00:1::",
        "64:ff9b::a9fe:a9fe",
        "224.0.0.1",
        "not an address",
    ],
)
def test_private_and_odd_addresses_are_not_public(address: str) -> None:
    assert not is_public(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "172.32.0.1"])
def test_public_addresses_are_public(address: str) -> None:
    assert is_public(address)


def _refusal(middleware: PrivateNetworkMiddleware, url: str) -> RequestRefused | None:
    try:
        asyncio.run(middleware.process_request(Request(url)))
    except RequestRefused as refused:
        return refused
    return None


def test_every_resolved_address_of_every_hop_is_checked() -> None:
    answers = {
        "news.example": ["93.184.216.34"],
        "sneaky.example": ["93.184.216.34", "10.0.0.7"],
        "metadata.example": ["169.254.169.254"],
    }

    async def resolve(host: str, port: int) -> list[str]:
        return answers[host]

    guard = PrivateNetworkMiddleware(resolve)
    assert _refusal(guard, "https://news.example/story.html") is None
    refused = _refusal(guard, "https://sneaky.example/")
    assert refused is not None
    assert refused.reason == "private_network"
    assert "10.0.0.7" in refused.message
    # A redirect hop is a request of its own and passes the same check.
    hop = _refusal(guard, "http://metadata.example/latest/meta-data/")
    assert hop is not None
    assert hop.reason == "private_network"
    assert _refusal(guard, "http://[::ffff:127.0.0.1]:8080/") is not None
    assert _refusal(guard, "http://127.0.0.1:8080/") is not None


def test_resolver_refuses_a_private_answer_at_connection_time() -> None:
    """DNS rebinding: a name that turns private after the middleware's check is still refused."""
    resolver = PublicOnlyResolver.__new__(PublicOnlyResolver)
    resolver.allow_private = False
    assert resolver._refuse_private("93.184.216.34", "news.example") == "93.184.216.34"
    with pytest.raises(DNSLookupError) as raised:
        resolver._refuse_private("127.0.0.1", "rebind.example")
    reason = failure_reason(Failure(raised.value))
    assert reason.reason == "private_network"


@pytest.mark.slow
def test_crawl_of_a_local_server_is_refused_by_default(
    hostile: HostileServer, tmp_path: Path
) -> None:
    db_url = f"sqlite:///{tmp_path / 'archive.db'}"
    port = hostile.urls["main"].rsplit(":", 1)[1]
    before = len(hostile.log.snapshot())
    urls = [f"http://127.0.0.1:{port}/article/secret", f"http://localhost:{port}/article/secret2"]
    refused = newsarchive(
        db_url, "archive", "--json", *urls, env={"NEWSARCHIVE_ALLOW_PRIVATE_NETWORK": "0"}
    )
    assert refused.code == 1
    assert [r["error_reason"] for r in refused.json_lines()] == ["private_network"] * 2
    assert all("private" in r["error"] for r in refused.json_lines())
    assert len(hostile.log.snapshot()) == before, "the local server was contacted"
    with sqlite3.connect(tmp_path / "archive.db") as db:
        reasons = {row[0] for row in db.execute("SELECT error_reason FROM captures")}
    assert reasons == {"private_network"}

    allowed = newsarchive(db_url, "--allow-private-network", "archive", "--json", urls[0], env={})
    assert [r["status"] for r in allowed.json_lines()] == ["new"], allowed.stderr
