"""Fixtures shared by every test: a fresh, migrated archive database per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from storage import Archive, open_archive


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'archive.db'}"


@pytest.fixture
def archive(db_url: str) -> Iterator[Archive]:
    with open_archive(db_url) as opened:
        yield opened
