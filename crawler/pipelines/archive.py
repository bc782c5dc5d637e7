"""The archive pipeline: extract each fetched page in worker processes, then record it in SQL."""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler import signals
from crawler.extraction import ExtractionError
from crawler.extraction.pool import ExtractionPool
from crawler.items import FetchFailed, PageFetched
from crawler.pipelines.batching import BatchWriter
from storage import (
    Archive,
    CaptureFailure,
    CaptureResult,
    StorageFull,
    open_archive,
    record_capture,
    record_failure,
    record_not_modified,
)

log = logging.getLogger(__name__)


class ArchivePipeline:
    """Turns PageFetched / FetchFailed items into captures and versions; yields CaptureResults."""

    def __init__(
        self,
        database_url: str,
        *,
        extract_workers: int = 0,
        extract_timeout: float = 30.0,
        extract_memory_mb: int = 1024,
        track: bool = True,
        keep_unchanged_bodies: bool = False,
        crawl_run_id: int | None = None,
        batch_size: int = 50,
        batch_seconds: float = 0.2,
    ) -> None:
        self.database_url = database_url
        self.extract_workers = extract_workers or os.cpu_count() or 1
        self.extract_timeout = extract_timeout
        self.extract_memory_mb = extract_memory_mb
        self.track = track
        self.keep_unchanged_bodies = keep_unchanged_bodies
        self.crawl_run_id = crawl_run_id
        self.batch_size = batch_size
        self.batch_seconds = batch_seconds
        self.crawler: Crawler | None = None
        self.archive: Archive | None = None
        self.pool: ExtractionPool | None = None
        self.writer: BatchWriter | None = None
        self._closing: asyncio.Future[None] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("ARCHIVE_ENABLED"):
            raise NotConfigured("ARCHIVE_ENABLED is off")
        run_id = settings.get("ARCHIVE_CRAWL_RUN_ID")
        pipeline = cls(
            settings.get("ARCHIVE_DATABASE_URL"),
            extract_workers=settings.getint("ARCHIVE_EXTRACT_WORKERS"),
            extract_timeout=settings.getfloat("ARCHIVE_EXTRACT_TIMEOUT"),
            extract_memory_mb=settings.getint("ARCHIVE_EXTRACT_MEMORY_MB"),
            track=settings.getbool("ARCHIVE_TRACK"),
            keep_unchanged_bodies=settings.getbool("ARCHIVE_KEEP_UNCHANGED_BODIES"),
            crawl_run_id=int(run_id) if run_id is not None else None,
            batch_size=settings.getint("ARCHIVE_WRITE_BATCH_SIZE"),
            batch_seconds=settings.getfloat("ARCHIVE_WRITE_BATCH_SECONDS"),
        )
        pipeline.crawler = crawler
        return pipeline

    def open_spider(self) -> None:
        self.archive = open_archive(self.database_url)
        self.pool = ExtractionPool(
            workers=self.extract_workers,
            timeout=self.extract_timeout,
            memory_mb=self.extract_memory_mb,
        )
        self.writer = BatchWriter(self.archive, self.batch_size, self.batch_seconds)

    async def close_spider(self) -> None:
        if self.writer is not None:
            await self.writer.close()
        if self.pool is not None:
            self.pool.close()
        if self.archive is not None:
            self.archive.close()

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, PageFetched | FetchFailed):
            return item
        try:
            result = await self._record(item)
        except StorageFull as error:
            log.error("%s; stopping the crawl (nothing already archived is lost)", error)
            self._inc("archive/error/storage_full")
            if self.crawler is not None and self.crawler.engine is not None:
                self._closing = asyncio.ensure_future(
                    self.crawler.engine.close_spider_async(reason="storage_full")
                )
            raise
        self._inc(f"archive/{result.status}")
        if result.error_reason:
            self._inc(f"archive/error/{result.error_reason}")
        if self.crawler is not None:
            self.crawler.signals.send_catch_log(
                signal=signals.archive_recorded, result=result, item=item
            )
        return result

    async def _record(self, item: PageFetched | FetchFailed) -> CaptureResult:
        assert self.writer is not None
        assert self.pool is not None
        run_id = self.crawl_run_id
        page = item.page
        if isinstance(item, FetchFailed):
            failure = item.failure
            return await self.writer.submit(
                lambda s: record_failure(s, page, failure, crawl_run_id=run_id)
            )
        if page.http_status == 304:
            return await self.writer.submit(
                lambda s: record_not_modified(s, page, crawl_run_id=run_id)
            )
        try:
            content = await self.pool.extract(
                page.body or b"", page.final_url, page.header("content-type")
            )
        except ExtractionError as error:
            extraction_failure = CaptureFailure(error.reason, str(error))
            return await self.writer.submit(
                lambda s: record_failure(s, page, extraction_failure, crawl_run_id=run_id)
            )
        track, keep = self.track, self.keep_unchanged_bodies
        return await self.writer.submit(
            lambda s: record_capture(
                s, page, content, crawl_run_id=run_id, track=track, keep_unchanged_body=keep
            )
        )

    def _inc(self, key: str) -> None:
        if self.crawler is not None and self.crawler.stats is not None:
            self.crawler.stats.inc_value(key)
