"""Extraction in worker processes, each job limited in wall time and memory."""

from __future__ import annotations

import asyncio
import logging
import os
import queue
import resource
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from multiprocessing import get_context
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from crawler.collector import spare_the_collector
from crawler.extraction.errors import ExtractionError
from crawler.lifeline import die_with_parent
from storage.content import ArticleContent

__all__ = ["ExtractionPool"]

logger = logging.getLogger(__name__)

# Workers are forked from a fork server, a single-threaded process started on first use that
# has imported and warmed up the extractor (crawler.extraction.preload). Never a plain fork
# of the crawler process: it runs threads (reactor, pools), and forking those can deadlock.
_CONTEXT = get_context("forkserver")
_CONTEXT.set_forkserver_preload(["crawler.extraction.preload"])
_START_TIMEOUT = 60.0


def _worker_main(conn: Connection, memory_mb: int) -> None:
    """Worker loop: cap the address space, then extract jobs until the pipe closes.

    The worker dies with the fork server that forked it, and the fork server exits when the
    crawl process does (end of its input): no worker outlives its crawl, even a killed one.
    """
    die_with_parent()
    if memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when workers stop
    warm_up()  # at once when forked from the warmed-up fork server
    from crawler.extraction import extract_article

    spare_the_collector()  # the extractor's tables and modules are kept for the worker's life

    conn.send(("ready", os.getpid()))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        body, url, content_type = job
        started = time.process_time()
        try:
            content = extract_article(body, url, content_type)
            conn.send(("ok", content, time.process_time() - started))
        except ExtractionError as error:  # sent whole: a subclass keeps its fields (amp_url)
            conn.send(("failed", error))
        except MemoryError:
            conn.send(("error", "memory", "the page needs more memory than the worker may use"))
            return  # the heap may be in a bad state: let the parent start a fresh worker
        except Exception as error:  # an extractor bug must not kill the crawl
            logger.exception("extraction crashed for %s", url)
            conn.send(("error", "extractor_bug", f"{type(error).__name__}: {error}"))


_WARM_UP_PAGE = (
    b"<html><head><title>Warm-up</title></head><body><article><p>"
    + b"A paragraph of text that loads the extractor's lazily built tables. " * 10
    + b"</p></article></body></html>"
)


_warmed_up = False


def warm_up() -> None:
    """Extract one small page so lazily loaded tables (public suffixes, ...) load now, once."""
    global _warmed_up
    if _warmed_up:
        return
    _warmed_up = True
    from crawler.extraction import extract_article

    try:
        extract_article(_WARM_UP_PAGE, "https://www.example.com/news/warm-up.html", "text/html")
    except Exception:  # a warm-up failure only means the first real job pays the cost
        logger.debug("extraction warm-up failed", exc_info=True)


class _Worker:
    """One worker process and the parent's end of its pipe."""

    def __init__(self, memory_mb: int) -> None:
        """Start the process; ``wait_ready`` waits until it can take jobs."""
        self.conn, child = _CONTEXT.Pipe()
        self.process: BaseProcess = _CONTEXT.Process(
            target=_worker_main, args=(child, memory_mb), daemon=True, name="extraction-worker"
        )
        self.process.start()
        child.close()

    def wait_ready(self) -> None:
        if not self.conn.poll(_START_TIMEOUT):
            self.kill()
            raise RuntimeError("extraction worker did not start")
        try:
            self.conn.recv()
        except EOFError as error:
            self.kill()
            raise RuntimeError(
                f"extraction worker died on start (exit code {self.process.exitcode}); "
                "is memory_mb too small?"
            ) from error

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()


class ExtractionPool:
    """Run extract_article in ``workers`` processes; a job past its limits is killed.

    A job running longer than ``timeout`` seconds raises ExtractionError("timeout"), one
    exceeding ``memory_mb`` of address space raises ExtractionError("memory"); either way the
    worker is replaced. ``extract`` is a coroutine for the crawler's asyncio loop;
    ``extract_blocking`` does the same from plain threads. ``cpu_seconds`` adds up the CPU
    time the workers spent in successful extractions (``jobs`` of them); ``start_seconds`` is
    how long starting the workers took.
    """

    def __init__(self, workers: int | None = None, timeout: float = 30.0, memory_mb: int = 1024):
        self.workers = workers or os.cpu_count() or 1
        self.timeout = timeout
        self.memory_mb = memory_mb
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self.cpu_seconds = 0.0
        self.jobs = 0
        self._threads = ThreadPoolExecutor(self.workers, thread_name_prefix="extraction")
        started = time.perf_counter()
        # The first pool of a process starts the fork server (about a second: trafilatura is
        # imported and warmed up there once); every worker after that is a fork of it.
        self._add_workers(self.workers)
        self.start_seconds = time.perf_counter() - started

    def _add_workers(self, count: int) -> None:
        workers = [_Worker(self.memory_mb) for _ in range(count)]
        try:
            for worker in workers:
                worker.wait_ready()
        except RuntimeError:
            for worker in workers:
                worker.kill()
            raise
        with self._lock:
            self._all.update(workers)
        for worker in workers:
            self._idle.put(worker)

    def _retire(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self._all.discard(worker)
        if not self._closed:
            self._add_workers(1)

    async def extract(
        self, body: bytes, url: str | None, content_type: str | None
    ) -> ArticleContent:
        """Extract in a worker without blocking the event loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._threads, self.extract_blocking, body, url, content_type
        )

    def extract_blocking(
        self, body: bytes, url: str | None, content_type: str | None
    ) -> ArticleContent:
        """Extract in a worker, blocking the calling thread until the result or a limit."""
        if self._closed:
            raise RuntimeError("the extraction pool is closed")
        worker = self._idle.get()
        try:
            reply = self._run(worker, (body, url, content_type))
        except ExtractionError:
            self._retire(worker)
            raise
        if (reply[0] == "error" and reply[1] == "memory") or not worker.process.is_alive():
            self._retire(worker)  # a worker that hit its memory cap exits; start a fresh one
        else:
            self._idle.put(worker)
        if reply[0] == "ok":
            content: ArticleContent = reply[1]
            with self._lock:
                self.cpu_seconds += reply[2]
                self.jobs += 1
            return content
        if reply[0] == "failed":
            raise reply[1]
        raise ExtractionError(reply[1], reply[2])

    def _run(self, worker: _Worker, job: tuple[bytes, str | None, str | None]) -> Any:
        try:
            worker.conn.send(job)
            if not worker.conn.poll(self.timeout):
                logger.warning(
                    "extraction of %s passed %.1fs; killing worker", job[1], self.timeout
                )
                raise ExtractionError("timeout", f"extraction took longer than {self.timeout:g}s")
            return worker.conn.recv()
        except (EOFError, BrokenPipeError, ConnectionResetError) as error:
            worker.process.join(5)
            code = worker.process.exitcode
            # Under RLIMIT_AS an allocation failure in C code often ends in a signal.
            if (
                code is not None
                and code < 0
                and -code in (signal.SIGKILL, signal.SIGSEGV, signal.SIGABRT)
            ):
                raise ExtractionError(
                    "memory", f"worker died with signal {-code}, most likely out of memory"
                ) from error
            raise ExtractionError("worker_crashed", f"worker exited with code {code}") from error

    def close(self) -> None:
        """Stop all workers; jobs still waiting raise or never start."""
        self._closed = True
        self._threads.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            workers, self._all = list(self._all), set()
        for worker in workers:
            worker.kill()

    def __enter__(self) -> ExtractionPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def launch_fork_server() -> None:
    """Start the workers' fork server without waiting for it.

    Its second of imports and warm-up then runs on the other core while the caller imports
    the crawler and opens the archive, instead of after it, when the first page needs
    extracting (the `archive` command calls this first).
    """
    from multiprocessing import forkserver

    forkserver.ensure_running()


def start_fork_server() -> None:
    """Start the workers' fork server now and wait until it has warmed up the extractor.

    The first pool of a process would otherwise pay that second when the first page needs
    extracting. A scheduler's next round calls this while it waits for its turn.
    """
    worker = _Worker(memory_mb=0)
    try:
        worker.wait_ready()
    finally:
        worker.kill()
