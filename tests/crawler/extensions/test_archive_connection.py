"""One database connection per crawl: opened at first use, shared, closed once at the end."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.utils.test import get_crawler

from crawler.extensions.archive_connection import (
    ArchiveClosed,
    ArchiveConnection,
    archive_connection,
    archive_of,
)

EXTENSION = "crawler.extensions.archive_connection.ArchiveConnection"


def crawler_on(db_url: str) -> Crawler:
    return get_crawler(settings_dict={"EXTENSIONS": {EXTENSION: 0}, "ARCHIVE_DATABASE_URL": db_url})


def test_every_component_gets_the_same_archive(db_url: str) -> None:
    crawler = crawler_on(db_url)
    first = archive_of(crawler)
    assert archive_of(crawler) is first
    assert archive_connection(crawler).archive() is first
    archive_connection(crawler).close()


def test_nothing_is_opened_until_a_component_asks(tmp_path: Path) -> None:
    connection = ArchiveConnection(f"sqlite:///{tmp_path}/missing/dir/archive.db")
    connection.close()  # never opened: closing is harmless
    with pytest.raises(ArchiveClosed):
        connection.archive()


def test_it_closes_when_the_engine_stops_not_while_spider_closed_receivers_run(
    db_url: str,
) -> None:
    crawler = crawler_on(db_url)
    archive = archive_of(crawler)
    crawler.signals.send_catch_log(signals.engine_started)
    crawler.signals.send_catch_log(signals.spider_closed, reason="finished")
    assert archive_of(crawler) is archive  # the spider may still be giving its leases back
    crawler.signals.send_catch_log(signals.engine_stopped)
    with pytest.raises(ArchiveClosed):
        archive_of(crawler)


def test_a_crawl_that_never_started_closes_it_at_spider_closed(db_url: str) -> None:
    crawler = crawler_on(db_url)
    archive_of(crawler)
    crawler.signals.send_catch_log(signals.spider_closed, reason="shutdown")
    with pytest.raises(ArchiveClosed):
        archive_of(crawler)


def test_without_the_extension_the_error_says_what_to_enable() -> None:
    with pytest.raises(RuntimeError, match="EXTENSIONS"):
        archive_of(get_crawler())
