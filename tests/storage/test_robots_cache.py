"""robots.txt kept in the archive: one row per origin, fresh for a day, upserted by any worker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storage import Archive
from storage.robots_cache import CachedRobots, cached_robots, robots_origin, store_robots

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
DAY = timedelta(hours=24)
ORIGIN = "https://news.example"
ROBOTS = b"User-agent: *\nDisallow: /private/\n"


def lookup(archive: Archive, now: datetime, origin: str = ORIGIN) -> CachedRobots | None:
    with archive.read() as session:
        return cached_robots(session, origin, now=now, max_age=DAY)


def test_a_stored_copy_is_served_for_a_day_then_no_more(archive: Archive) -> None:
    archive.run_write(lambda s: store_robots(s, ORIGIN, 200, ROBOTS, now=T0))
    assert lookup(archive, T0 + timedelta(hours=23, minutes=59)) == CachedRobots(
        ORIGIN, 200, ROBOTS, T0
    )
    assert lookup(archive, T0 + DAY) is None
    assert lookup(archive, T0, "http://news.example") is None  # another origin
    assert lookup(archive, T0 - timedelta(minutes=1)) is None  # stamped in the future


def test_storing_again_replaces_the_copy(archive: Archive) -> None:
    archive.run_write(lambda s: store_robots(s, ORIGIN, 200, ROBOTS, now=T0))
    later = T0 + timedelta(hours=30)
    archive.run_write(lambda s: store_robots(s, ORIGIN, 404, b"", now=later))
    assert lookup(archive, later) == CachedRobots(ORIGIN, 404, b"", later)


def test_server_errors_are_never_stored(archive: Archive) -> None:
    with pytest.raises(ValueError, match="503"):
        archive.run_write(lambda s: store_robots(s, ORIGIN, 503, b"", now=T0))
    assert lookup(archive, T0) is None


@pytest.mark.parametrize(
    ("scheme", "netloc", "origin"),
    [
        ("https", "news.example", "https://news.example"),
        ("HTTP", "News.Example:8080", "http://news.example:8080"),
        ("http", "reader:s3cret@news.example", "http://news.example"),
        ("http", "[::1]:80", "http://[::1]:80"),
    ],
)
def test_origin_keys(scheme: str, netloc: str, origin: str) -> None:
    assert robots_origin(scheme, netloc) == origin
