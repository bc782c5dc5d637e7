"""The archive pipeline: extract each fetched page in worker processes, then record it in SQL."""

from __future__ import annotations

import asyncio
import logging
import os
import resource
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from sqlalchemy.orm import Session

from crawler import signals
from crawler.amp import amp_request
from crawler.discovery.classify import article_reason
from crawler.extensions.archive_connection import archive_connection
from crawler.extraction import ExtractionError
from crawler.extraction.errors import NeedsJavaScript
from crawler.extraction.pool import ExtractionPool
from crawler.items import DiscoveredLinks, FetchFailed, PageFetched
from crawler.pipelines.batching import BatchWriter, GroupedWrites
from crawler.pipelines.frontier_updates import (
    ROBOTS_REFUSALS,
    finish_capture,
    record_links,
    record_not_article,
    record_unarchived_failure,
)
from crawler.pipelines.site_boilerplate import SiteBoilerplateCache
from crawler.rendering.modes import RenderMode, mode_for
from storage import (
    Archive,
    ArticleContent,
    CaptureFailure,
    CaptureResult,
    StorageFull,
    record_capture,
    record_failure,
    record_not_modified,
)
from storage.kinds import FrontierKind
from storage.not_modified import NotModified, record_not_modified_many
from storage.revisits import DEFAULT_REVISIT_POLICY, RevisitPolicy
from storage.timeutil import utcnow

log = logging.getLogger(__name__)
BIG_DISCOVERY = 500  # discovered URLs in one item that are written in a transaction of their own


class ArchivePipeline:
    """Turns spider items into captures, versions and frontier updates; yields CaptureResults."""

    def __init__(
        self,
        archive: Callable[[], Archive],
        *,
        lease_owner: str | None = None,
        extract_workers: int = 0,
        extract_timeout: float = 30.0,
        extract_memory_mb: int = 1024,
        track: bool = True,
        keep_unchanged_bodies: bool = False,
        crawl_run_id: int | None = None,
        batch_size: int = 50,
        batch_seconds: float = 0.2,
        revisit_policies: dict[str, RevisitPolicy] | None = None,
        site_boilerplate: SiteBoilerplateCache | None = None,
        render: str = RenderMode.NEVER,
        render_sites: dict[str, str] | None = None,
        render_settle: float = 5.0,
    ) -> None:
        self._archive_of_crawl = archive  # opens the crawl's archive at the first call
        self.lease_owner = lease_owner  # a row another worker leased meanwhile is left to it
        self.extract_workers = extract_workers or os.cpu_count() or 1
        self.extract_timeout = extract_timeout
        self.extract_memory_mb = extract_memory_mb
        self.track = track
        self.keep_unchanged_bodies = keep_unchanged_bodies
        self.crawl_run_id = crawl_run_id
        self.batch_size = batch_size
        self.batch_seconds = batch_seconds
        self.revisit_policies = revisit_policies or {}
        self.site_boilerplate = site_boilerplate
        self.render = render  # --render: a shell nothing recovered is rendered unless never
        self.render_sites = render_sites or {}
        self.render_settle = render_settle
        self._extract_seconds = 0.0
        self._cpu_at_open = 0.0
        self._busy_until = 0.0  # monotonic time until which "something is coming" holds
        self.crawler: Crawler | None = None
        self.archive: Archive | None = None
        self.pool: ExtractionPool | None = None
        self._pool_starting: asyncio.Future[ExtractionPool] | None = None
        self.writer: BatchWriter | None = None
        self.discovery_writer: BatchWriter | None = None
        self.not_modified: GroupedWrites[NotModified, CaptureResult | None] | None = None
        self._closing: asyncio.Future[None] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("ARCHIVE_ENABLED"):
            raise NotConfigured("ARCHIVE_ENABLED is off")
        run_id = settings.get("ARCHIVE_CRAWL_RUN_ID")
        pipeline = cls(
            archive_connection(crawler).archive,
            lease_owner=settings.get("ARCHIVE_LEASE_OWNER") or None,
            extract_workers=settings.getint("ARCHIVE_EXTRACT_WORKERS"),
            extract_timeout=settings.getfloat("ARCHIVE_EXTRACT_TIMEOUT"),
            extract_memory_mb=settings.getint("ARCHIVE_EXTRACT_MEMORY_MB"),
            track=settings.getbool("ARCHIVE_TRACK"),
            keep_unchanged_bodies=settings.getbool("ARCHIVE_KEEP_UNCHANGED_BODIES"),
            crawl_run_id=int(run_id) if run_id is not None else None,
            batch_size=settings.getint("ARCHIVE_WRITE_BATCH_SIZE"),
            batch_seconds=settings.getfloat("ARCHIVE_WRITE_BATCH_SECONDS"),
            revisit_policies={
                scope: RevisitPolicy.parse(spec)
                for scope, spec in settings.getdict("ARCHIVE_REVISIT_POLICIES").items()
            },
            site_boilerplate=SiteBoilerplateCache(
                min_articles=settings.getint("ARCHIVE_SITE_BOILERPLATE_MIN_ARTICLES", 5),
                min_share=settings.getfloat("ARCHIVE_SITE_BOILERPLATE_MIN_SHARE", 0.3),
                relearn_every=settings.getint("ARCHIVE_SITE_BOILERPLATE_RELEARN_EVERY", 50),
            )
            if settings.getbool("ARCHIVE_SITE_BOILERPLATE_ENABLED", True)
            else None,
            render=settings.get("ARCHIVE_RENDER", RenderMode.NEVER),
            render_sites={
                str(k): str(v) for k, v in settings.getdict("ARCHIVE_RENDER_SITES").items()
            },
            render_settle=settings.getfloat("ARCHIVE_RENDER_SETTLE"),
        )
        pipeline.crawler = crawler
        return pipeline

    def open_spider(self) -> None:
        self._cpu_at_open = _process_cpu()
        self.archive = self._archive_of_crawl()
        self.writer = BatchWriter(
            self.archive, self.batch_size, self.batch_seconds, self._nothing_being_fetched
        )
        # PostgreSQL takes concurrent writers: discovered URLs get a writer (a thread and a
        # connection) of their own, so queuing does not wait behind the articles recorded
        # meanwhile. All of them, in order: a sitemap's row is completed with its last batch,
        # which must not commit before the earlier ones. SQLite has one write lock: one writer.
        self.discovery_writer = (
            BatchWriter(
                self.archive, self.batch_size, self.batch_seconds, self._nothing_being_fetched
            )
            if self.archive.dialect == "postgresql"
            else self.writer
        )
        self.not_modified = GroupedWrites(
            self.writer,
            lambda session, answers: record_not_modified_many(
                session,
                answers,
                now=utcnow(),
                crawl_run_id=self.crawl_run_id,
                owner=self.lease_owner,
            ),
            size=max(self.batch_size, 100),
            seconds=self.batch_seconds / 2,
        )

    def _nothing_being_fetched(self) -> bool:
        """No request is being downloaded or waits to be: pending writes need not wait for more.

        The last pages of a crawl (or the one page of ``archive URL``) would otherwise wait
        out the batch timers before the crawl can finish. Asked for every item written, and
        the scheduler's count walks one queue per host, so the answer "something is coming"
        is reused for 50 ms (a wrong "nothing more" costs a small batch, never a lost write).
        """
        now = time.monotonic()
        if now < self._busy_until:
            return False
        engine = self.crawler.engine if self.crawler is not None else None
        scheduler = engine.scheduler if engine is not None else None  # None once closed
        if (
            engine is None
            or engine.downloader.active
            or (scheduler is not None and scheduler.has_pending_requests())
        ):
            self._busy_until = now + 0.05
            return False
        return scheduler is not None

    async def _extraction_pool(self) -> ExtractionPool:
        """The worker pool, started when the first page needs extracting.

        Workers take seconds to start (a fresh interpreter importing trafilatura), so they are
        started in a thread while fetching goes on, and not at all by a revisit round that
        meets only 304s.
        """
        if self.pool is None:
            if self._pool_starting is None:
                self._pool_starting = asyncio.get_running_loop().run_in_executor(
                    None,
                    lambda: ExtractionPool(
                        workers=self.extract_workers,
                        timeout=self.extract_timeout,
                        memory_mb=self.extract_memory_mb,
                    ),
                )
            self.pool = await self._pool_starting
        return self.pool

    async def close_spider(self) -> None:
        if self.not_modified is not None:
            await self.not_modified.close()
        if self.discovery_writer is not None and self.discovery_writer is not self.writer:
            await self.discovery_writer.close()
        if self.writer is not None:
            await self.writer.close()
        if self.pool is None and self._pool_starting is not None:
            self.pool = await self._pool_starting
        self._record_timings()
        if self.pool is not None:
            self.pool.close()

    async def process_item(self, item: Any) -> Any:
        try:
            if isinstance(item, DiscoveredLinks):
                await self._record_links(item)
                return item
            if (
                isinstance(item, FetchFailed)
                and item.frontier_id is not None
                and (item.kind != FrontierKind.ARTICLE or item.failure.reason in ROBOTS_REFUSALS)
            ):
                await self._record_unarchived_failure(item)
                return item
            if not isinstance(item, PageFetched | FetchFailed):
                return item
            result = await self._record(item)
        except StorageFull as error:
            self._inc("archive/error/storage_full")
            if self._closing is None:  # one message, however many items were in flight
                log.error("%s; stopping the crawl (nothing already archived is lost)", error)
            if self._closing is None and self.crawler is not None and self.crawler.engine:
                self._closing = asyncio.ensure_future(
                    self.crawler.engine.close_spider_async(reason="storage_full")
                )
            # Not recorded, its lease is given back at close: a later run fetches it again.
            raise DropItem(f"not archived, {error}", log_level="DEBUG") from error
        if result is None:
            return item
        self._inc(f"archive/{result.status}")
        if result.error_reason:
            self._inc(f"archive/error/{result.error_reason}")
        if self.crawler is not None:
            self.crawler.signals.send_catch_log(
                signal=signals.archive_recorded, result=result, item=item
            )
        return result

    async def _record_links(self, item: DiscoveredLinks) -> None:
        assert self.discovery_writer is not None
        owner = self.lease_owner
        # A sitemap's batch of URLs is written on its own, at once: its rows can be leased
        # (and fetched) while the rest of the sitemap is still being read.
        at_once = len(item.urls) >= BIG_DISCOVERY
        added = await self.discovery_writer.submit(
            lambda s: record_links(s, item, owner), at_once=at_once
        )
        self._inc("archive/discovered", added)
        for reason, count in item.skipped.items():
            self._inc(f"archive/skipped/{reason}", count)
        if item.outcome == "unreadable":
            self._inc(f"archive/error/unreadable_{item.kind or 'source'}")

    async def _record_unarchived_failure(self, item: FetchFailed) -> None:
        assert self.writer is not None and item.frontier_id is not None
        frontier_id, reason, owner = item.frontier_id, item.failure.reason, self.lease_owner
        await self.writer.submit(lambda s: record_unarchived_failure(s, frontier_id, reason, owner))
        if reason in ROBOTS_REFUSALS:
            self._inc(f"archive/skipped/{reason}")
        else:
            self._inc(f"archive/error/{reason}")

    async def _record(self, item: PageFetched | FetchFailed) -> CaptureResult | None:
        assert self.writer is not None
        page = item.page
        if isinstance(item, FetchFailed):
            return await self._submit_failure(item, item.failure)
        if page.http_status == 304 and item.frontier_id is not None:
            recorded = await self._record_not_modified(item, item.frontier_id)
            if recorded is not None:
                return recorded
        if page.http_status == 304:
            return await self._submit(
                item, lambda s: record_not_modified(s, page, crawl_run_id=self.crawl_run_id)
            )
        started = time.perf_counter()
        try:
            pool = await self._extraction_pool()
            content = await pool.extract(
                page.body or b"", page.final_url, page.header("content-type")
            )
        except ExtractionError as error:
            self._extract_seconds += time.perf_counter() - started
            if self._follow_amp(item, error) or self._follow_render(item, error):
                return None  # recorded when the AMP page or rendering (or its failure) is back
            message = str(error)
            if item.rendered and isinstance(error, NeedsJavaScript):
                message = "after rendering in a browser, still " + error.message.replace(
                    "; archiving it needs a browser", ""
                )
            return await self._submit_failure(item, CaptureFailure(error.reason, message))
        self._extract_seconds += time.perf_counter() - started
        if item.amp:
            content = replace(content, body_source="amp")
        elif item.rendered:
            content = replace(content, body_source="rendered")
        reason = article_reason(content.page_type, content.text, item.source)
        if not item.vouched and reason is None:  # the page, not its URL, decides
            await self._skip_non_article(item)
            return None
        return await self._submit(item, lambda s: self._capture(s, item, content), reason)

    def _follow_amp(self, item: PageFetched, error: ExtractionError) -> bool:
        """Fetch the AMP version a shell names in its place (crawler/amp.py); True if asked."""
        engine = self.crawler.engine if self.crawler is not None else None
        if not isinstance(error, NeedsJavaScript) or not error.amp_url or item.amp:
            return False
        if engine is None or item.page.http_status == 304:
            return False
        rendering = mode_for(self.render, self.render_sites, item.scope) != RenderMode.NEVER
        settle = self.render_settle if rendering else None
        engine.crawl(amp_request(item, error.amp_url, error.message, settle))
        self._inc("archive/amp_followed")
        return True

    def _follow_render(self, item: PageFetched, error: ExtractionError) -> bool:
        """Render a shell that nothing recovered in the browser (crawler/rendering); True if
        asked. Only with ``--render auto|always`` (or the site's own) and a renderer."""
        engine = self.crawler.engine if self.crawler is not None else None
        if not isinstance(error, NeedsJavaScript) or item.rendered or engine is None:
            return False
        if item.page.http_status == 304:
            return False
        if mode_for(self.render, self.render_sites, item.scope) == RenderMode.NEVER:
            return False
        from crawler.rendering.requests import render_request

        engine.crawl(render_request(item, error.message, self.render_settle))
        self._inc("archive/render/followed")
        return True

    async def _record_not_modified(
        self, item: PageFetched, frontier_id: int
    ) -> CaptureResult | None:
        """A 304 for a leased article, recorded with others (None: record it on its own)."""
        assert self.not_modified is not None
        policy = self.revisit_policies.get(item.scope or "", DEFAULT_REVISIT_POLICY)
        return await self.not_modified.submit(NotModified(item.page, frontier_id, policy))

    def _capture(
        self, session: Session, item: PageFetched, content: ArticleContent
    ) -> CaptureResult:
        if self.site_boilerplate is not None:
            content = self.site_boilerplate.apply(session, item.page, content)
        return record_capture(
            session,
            item.page,
            content,
            crawl_run_id=self.crawl_run_id,
            track=self.track,
            keep_unchanged_body=self.keep_unchanged_bodies,
            reread=lambda body, url, content_type: self._reread(
                session, item, body, url, content_type
            ),
        )

    def _reread(
        self,
        session: Session,
        item: PageFetched,
        body: bytes,
        url: str | None,
        content_type: str | None,
    ) -> ArticleContent | None:
        """The current extractor's reading of a stored body (for storage.rebase), or None.

        Runs in this process, not the pool: only after an extractor upgrade, once per article.
        The extractor is imported here, not with the module: a crawl process that never
        rereads a body need not load trafilatura.
        """
        from crawler.extraction import extract_article

        try:
            content = extract_article(body, url, content_type)
        except ExtractionError:
            return None
        if self.site_boilerplate is not None:
            content = self.site_boilerplate.apply(session, item.page, content)
        return content

    async def _submit(
        self,
        item: PageFetched | FetchFailed,
        record: Callable[[Session], CaptureResult],
        kept_because: str | None = None,
    ) -> CaptureResult:
        """Record a capture and update its frontier row in one transaction."""
        assert self.writer is not None
        page = item.page
        frontier_id = item.frontier_id
        policy = self.revisit_policies.get(item.scope or "", DEFAULT_REVISIT_POLICY)
        owner = self.lease_owner

        def work(session: Session) -> CaptureResult:
            result = record(session)
            finish_capture(session, result, page, frontier_id, policy, owner, kept_because)
            return result

        return await self.writer.submit(work)

    async def _submit_failure(
        self, item: PageFetched | FetchFailed, failure: CaptureFailure
    ) -> CaptureResult:
        page = item.page
        return await self._submit(
            item, lambda s: record_failure(s, page, failure, crawl_run_id=self.crawl_run_id)
        )

    async def _skip_non_article(self, item: PageFetched) -> None:
        assert self.writer is not None
        frontier_id, owner = item.frontier_id, self.lease_owner
        if frontier_id is not None:
            await self.writer.submit(lambda s: record_not_article(s, frontier_id, owner))
        self._inc("archive/skipped/not_article")

    def _record_timings(self) -> None:
        """Stage timings as stats: where the two cores went (seconds, summed over pages)."""
        if self.crawler is None or self.crawler.stats is None:
            return
        stats = self.crawler.stats
        crawler_cpu = _process_cpu() - self._cpu_at_open
        stats.set_value("archive/time/crawler_cpu_s", round(crawler_cpu, 3))
        stats.set_value("archive/time/extract_s", round(self._extract_seconds, 3))
        if self.pool is not None:
            stats.set_value("archive/time/pool_start_s", round(self.pool.start_seconds, 3))
            stats.set_value("archive/time/extract_cpu_s", round(self.pool.cpu_seconds, 3))
            stats.set_value("archive/extracted", self.pool.jobs)
        writers = {id(w): w for w in (self.writer, self.discovery_writer) if w is not None}
        if writers:
            seconds = sum(w.write_seconds for w in writers.values())
            cpu_seconds = sum(w.write_cpu_seconds for w in writers.values())
            stats.set_value("archive/time/store_s", round(seconds, 3))
            stats.set_value("archive/time/store_cpu_s", round(cpu_seconds, 3))
        if self.site_boilerplate is not None and self.site_boilerplate.removed:
            stats.set_value("archive/site_boilerplate_removed", self.site_boilerplate.removed)

    def _inc(self, key: str, count: int = 1) -> None:
        if self.crawler is not None and self.crawler.stats is not None and count:
            self.crawler.stats.inc_value(key, count)


def _process_cpu() -> float:
    """CPU seconds this process (all its threads, not the extraction workers) has used."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
