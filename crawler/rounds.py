"""Many crawls in one Scrapy process: the rounds of a long-running `schedule`, kept warm.

A round in a process of its own pays about two seconds of CPU before its first request:
imports, Scrapy's components, the extraction workers' fork server. ``RoundProcess`` keeps one
process for many rounds: the reactor runs in the main thread for the process's whole life, and
rounds run one after another in a driver thread, each crawl handed to the reactor and waited
for (``crawl``). The database work of a round (its lock, what is due, the run's record) stays
plain blocking code in the driver thread, as in a round of its own.

SIGTERM or Ctrl-C stop the crawl in flight gracefully (Scrapy's handlers), then the reactor;
the driver finishes the round's bookkeeping and the process exits with 143 or 130.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from typing import Any

from scrapy.crawler import Crawler
from scrapy.settings import Settings

from crawler.runner import SignalNotingProcess

log = logging.getLogger(__name__)

_POLL_SECONDS = 1.0
_JOIN_SECONDS = 120.0  # how long the round in flight may take to record itself after a stop


class ReactorStopped(RuntimeError):
    """The reactor stopped (a signal) before a crawl could be handed to it."""


class RoundProcess:
    """A reactor that stays up between crawls; ``serve`` runs the rounds beside it."""

    def __init__(self, settings: Settings) -> None:
        self._process = SignalNotingProcess(settings)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._running = threading.Event()
        self._in_round = threading.Event()

    @property
    def stop_signal(self) -> int | None:
        """SIGTERM or SIGINT once one asked the process to stop, else None."""
        return self._process.stop_signal

    def serve(
        self, wait_for_go: Callable[[], bool], run_round: Callable[[RoundProcess], int]
    ) -> int:
        """Run the reactor here and, in a thread, ``run_round`` each time ``wait_for_go`` says so.

        Ends when ``wait_for_go`` returns False (after the rounds so far), or on SIGTERM/SIGINT
        (after the crawl in flight stops and its round is recorded). Returns the last round's
        result (0 without one).
        """
        from twisted.internet import reactor

        result = {"code": 0}

        def drive() -> None:
            try:
                while self.stop_signal is None and wait_for_go() and self.stop_signal is None:
                    self._in_round.set()
                    try:
                        result["code"] = run_round(self)
                    except ReactorStopped:
                        log.info("stopped before the round's crawl started")
                        return
                    except Exception:
                        log.exception("a scheduled round failed")
                        result["code"] = 1
                    finally:
                        self._in_round.clear()
            finally:
                reactor.callFromThread(self._stop_reactor)

        def started() -> None:
            self._loop = asyncio.get_event_loop()
            self._running.set()
            thread.start()

        thread = threading.Thread(target=drive, name="rounds", daemon=True)
        reactor.callWhenRunning(started)
        self._process.start(stop_after_crawl=False)
        self._running.clear()
        if self._in_round.is_set():  # stopped by a signal: let the round record how it ended
            thread.join(_JOIN_SECONDS)
        return result["code"]

    @staticmethod
    def _stop_reactor() -> None:
        from twisted.internet import reactor

        with contextlib.suppress(RuntimeError):  # already stopping (a signal)
            reactor.stop()  # type: ignore[misc]  # (twisted types the global reactor loosely)

    def crawl(self, crawler: Crawler, **spider_arguments: Any) -> None:
        """From the round's thread: run ``crawler`` in the reactor and wait until it ends.

        A crawl that fails to start is logged and ends there, as in a process of its own (its
        stats then say it never started).
        """
        if not self._running.is_set() or self._loop is None or self.stop_signal is not None:
            raise ReactorStopped()

        async def run() -> None:
            try:
                await self._process.crawl(crawler, **spider_arguments)
            except Exception:
                log.exception("the crawl failed")

        done = asyncio.run_coroutine_threadsafe(run(), self._loop)
        while True:
            try:
                done.result(timeout=_POLL_SECONDS)
                return
            except TimeoutError:
                if not self._running.is_set():
                    done.cancel()
                    raise ReactorStopped() from None
