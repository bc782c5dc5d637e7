"""Fixtures: a small demo site served in-process on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from demosite.server import DemoServer, serve
from demosite.site import NewsSite
from tests.demosite.client import NOW


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    """A 60-article site that stays in round 1 (tests must not change its round)."""
    with serve(NewsSite(articles=60, now=NOW)) as running:
        yield running


@pytest.fixture
def fresh_server() -> Iterator[DemoServer]:
    """A 60-article site of its own, for tests that advance the round."""
    with serve(NewsSite(articles=60, now=NOW)) as running:
        yield running
