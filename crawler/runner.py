"""Run one spider in this process, record the run, and hand each capture result to a callback."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

# Imported first, before this process loads much else: Scrapy's TLS modules make deprecated
# aliases at import, each walking the stack with inspect.stack(), which reads every frame's
# source and looks through all loaded modules; with 900 of them loaded it cost 120-140 ms.
import scrapy.core.downloader.handlers.http11  # noqa: F401
from scrapy import Spider
from scrapy import signals as scrapy_signals
from scrapy.crawler import AsyncCrawlerProcess, Crawler
from scrapy.settings import Settings

from crawler import signals
from crawler.collector import spare_the_collector
from crawler.config import CrawlConfig
from crawler.stopping import drop_queued_requests_when_closing
from storage import CaptureResult
from storage.frontier import release_leases
from storage.runs import finish_run, start_run

if TYPE_CHECKING:
    from crawler.rounds import RoundProcess

log = logging.getLogger(__name__)


@dataclass
class RunSummary:
    """What a run did, counted from its capture results."""

    run_id: int
    finish_reason: str
    counts: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    elapsed_seconds: float = 0.0
    stats: dict[str, Any] = field(default_factory=dict)
    stop_signal: int | None = None  # SIGINT or SIGTERM when a signal stopped the run
    start_error: str | None = None  # why the crawl could not start (a component failed to load)

    @property
    def failed(self) -> int:
        return self.counts.get("error", 0)

    @property
    def stop_reason(self) -> str:
        """The finish reason, with Ctrl-C ("interrupted", exit 130) told apart from SIGTERM."""
        if self.finish_reason == "shutdown" and self.stop_signal == signal.SIGINT:
            return "interrupted"
        return self.finish_reason


class SignalNotingProcess(AsyncCrawlerProcess):
    """Scrapy's process, noting which signal stopped it (Ctrl-C exits 130, SIGTERM 143)."""

    stop_signal: int | None = None

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        # Scrapy sets its loggers to DEBUG, so each response and item made a log record that
        # the handlers then dropped; at the crawl's own level, no record is made at all.
        logging.getLogger("scrapy").setLevel(settings.get("LOG_LEVEL"))

    def _noted(self, signum: int) -> None:
        if self.stop_signal is None and signum in (signal.SIGINT, signal.SIGTERM):
            self.stop_signal = signum

    def _signal_shutdown(self, signum: int, frame: Any) -> None:
        self._noted(signum)
        super()._signal_shutdown(signum, frame)

    def _signal_shutdown_reactorless(self, signum: int, frame: Any) -> None:
        self._noted(signum)
        super()._signal_shutdown_reactorless(signum, frame)


def run_spider(
    config: CrawlConfig,
    spider_class: type[Spider],
    command: str,
    on_result: Callable[[CaptureResult], None] | None = None,
    *,
    rounds: RoundProcess | None = None,
    **spider_arguments: Any,
) -> RunSummary:
    """Crawl with ``spider_class`` until done, and record the run.

    Without ``rounds`` the crawl gets a Scrapy process of its own (Twisted's reactor allows one
    per process). With it, the crawl runs in that process's reactor, which stays up for the
    next one: the rounds of a long-running `schedule` (crawler/rounds.py).
    """
    with config.open_archive() as archive:
        run_id = archive.run_write(lambda s: start_run(s, command))
    config = dataclasses.replace(config, crawl_run_id=run_id)
    summary = RunSummary(run_id=run_id, finish_reason="unknown")

    def recorded(result: CaptureResult, **_: Any) -> None:
        summary.counts[result.status] = summary.counts.get(result.status, 0) + 1
        if result.error_reason:
            summary.errors[result.error_reason] = summary.errors.get(result.error_reason, 0) + 1
        if on_result is not None:
            on_result(result)

    def engine_started() -> None:
        drop_queued_requests_when_closing(crawler)
        if rounds is None:
            spare_the_collector()

    def connect(crawler: Crawler) -> None:
        crawler.signals.connect(recorded, signal=signals.archive_recorded)
        # Signal receivers are held weakly: ``engine_started`` lives as long as this call.
        crawler.signals.connect(engine_started, signal=scrapy_signals.engine_started)

    if rounds is None:
        process = SignalNotingProcess(config.scrapy_settings())
        crawler = process.create_crawler(spider_class)
        connect(crawler)
        task = process.crawl(crawler, **spider_arguments)
        task.add_done_callback(lambda done: _note_start_error(done, summary))
        process.start()
        stop_signal = process.stop_signal
    else:
        crawler = Crawler(spider_class, config.scrapy_settings())
        connect(crawler)
        rounds.crawl(crawler, **spider_arguments)
        stop_signal = rounds.stop_signal
    return _finished(config, crawler, summary, stop_signal)


def _note_start_error(task: asyncio.Task[None], summary: RunSummary) -> None:
    """Keep, and say in one line, why a crawl task ended in an exception (it never started).

    Without -v, Scrapy's own traceback is not shown; this line is what the user sees, e.g. a
    dependency missing from a broken install.
    """
    if task.cancelled() or task.exception() is None:
        return
    error = task.exception()
    summary.start_error = f"{type(error).__name__}: {error}"
    log.error("the crawl could not start: %s (run with -v for details)", summary.start_error)


def _finished(
    config: CrawlConfig, crawler: Crawler, summary: RunSummary, stop_signal: int | None
) -> RunSummary:
    """Record how the crawl ended, give back leases it took while stopping; the summary."""
    run_id = summary.run_id
    try:
        stats = crawler.stats.get_stats()
    except RuntimeError:  # the crawl never started: the spider or a component failed to open
        stats = {"finish_reason": "failed_to_start"}
    summary.finish_reason = str(stats.get("finish_reason", "unknown"))
    if summary.start_error is not None:
        summary.finish_reason = "failed_to_start"
    summary.elapsed_seconds = float(stats.get("elapsed_time_seconds", 0.0))
    summary.stats = _json_stats(stats)
    summary.stop_signal = stop_signal
    status = "finished" if summary.finish_reason == "finished" else summary.finish_reason
    owner = crawler.settings.get("ARCHIVE_LEASE_OWNER")
    with config.open_archive() as archive:
        archive.run_write(lambda s: finish_run(s, run_id, status, _json_stats(stats)))
        if owner:
            # A frontier spider may lease a batch while it is already closing (SIGTERM lands
            # as it goes idle); nothing will fetch those rows now, so give them back.
            released = archive.run_write(lambda s: release_leases(s, owner))
            if released:
                log.info("gave back %d leases taken while the crawl was stopping", released)
    return summary


def _json_stats(stats: dict[str, Any]) -> dict[str, Any]:
    return {
        key: value if isinstance(value, int | float | str | bool) else str(value)
        for key, value in stats.items()
    }
