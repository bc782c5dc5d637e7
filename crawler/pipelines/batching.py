"""Database writes off the reactor thread, grouped into one transaction per batch."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import Session

from storage import Archive, DatabaseBusy, StorageFull

log = logging.getLogger(__name__)

T = TypeVar("T")
ItemT = TypeVar("ItemT")
ResultT = TypeVar("ResultT")
Work = Callable[[Session], Any]


class BatchWriter:
    """Queues write functions and runs them in batches, each batch in one write transaction.

    One bad item fails alone (``write_batch``); a failure of the whole transaction (database
    full, locked past every retry) fails every item of the batch.
    Writes happen in one background thread, never on the reactor thread; ``write_seconds`` and
    ``write_cpu_seconds`` add up the wall and CPU time of that thread's batches.
    """

    def __init__(
        self,
        archive: Archive,
        batch_size: int = 50,
        batch_seconds: float = 0.2,
        nothing_more_coming: Callable[[], bool] = lambda: False,
    ) -> None:
        self.archive = archive
        self.batch_size = max(1, batch_size)
        self.batch_seconds = batch_seconds
        # When true, items waiting now are the last for a while (nothing is being fetched):
        # they are written at once instead of after ``batch_seconds``.
        self.nothing_more_coming = nothing_more_coming
        self._pending: list[tuple[Work, asyncio.Future[Any]]] = []
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="archive-writer")
        self._timer: asyncio.TimerHandle | None = None
        self._flushes: set[asyncio.Task[None]] = set()
        self.write_seconds = 0.0
        self.write_cpu_seconds = 0.0

    async def submit(self, work: Callable[[Session], T], *, at_once: bool = False) -> T:
        """Run ``work`` in the next batch; ``at_once``: start that batch now (a big write that
        should neither wait ``batch_seconds`` nor share its transaction with many others)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._pending.append((work, future))
        if at_once or len(self._pending) >= self.batch_size or self.nothing_more_coming():
            self._start_flush()
        elif self._timer is None:
            self._timer = loop.call_later(self.batch_seconds, self._start_flush)
        return await future

    def _start_flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._pending:
            return
        batch, self._pending = self._pending, []
        task = asyncio.get_running_loop().create_task(self._flush(batch))
        self._flushes.add(task)
        task.add_done_callback(self._flushes.discard)

    async def _flush(self, batch: list[tuple[Work, asyncio.Future[Any]]]) -> None:
        loop = asyncio.get_running_loop()
        try:
            outcomes = await loop.run_in_executor(
                self._executor, self._write, [w for w, _ in batch]
            )
        except (DatabaseBusy, StorageFull) as error:
            for _, future in batch:
                if not future.done():
                    future.set_exception(error)
            return
        except Exception as error:  # a bug in one function would otherwise hang every caller
            log.exception("archive write batch failed")
            outcomes = [error] * len(batch)
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            if future.done():
                continue
            if isinstance(outcome, BaseException):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)

    def _write(self, works: list[Work]) -> list[Any]:
        started, started_cpu = time.perf_counter(), time.thread_time()
        try:
            return write_batch(self.archive, works)
        finally:
            self.write_seconds += time.perf_counter() - started
            self.write_cpu_seconds += time.thread_time() - started_cpu

    async def close(self) -> None:
        self._start_flush()
        while self._flushes:
            await asyncio.gather(*list(self._flushes), return_exceptions=True)
        self._executor.shutdown(wait=True)


def write_batch(archive: Archive, works: list[Work]) -> list[Any]:
    """Run ``works`` in one write transaction; each one's result, or the exception it raised.

    The batch runs first as it is, without a savepoint per item: a savepoint and its release
    cost two statements and the session's nested-transaction bookkeeping for each item, in
    batches where nothing fails. When an item raises, that transaction is rolled back whole
    and the batch runs again with each item in its own savepoint, so that the item fails alone
    and the others are written (``run_write`` already runs a batch again when the database
    was locked: items are written by their function alone). A storage failure (database full,
    locked past every retry) fails the whole batch, either way.
    """
    try:
        return archive.run_write(lambda session: [work(session) for work in works])
    except Exception as error:
        _raise_storage_failure(error)
        log.debug("a write of the batch failed (%s); writing each item alone", error)
    return archive.run_write(partial(_each_alone, works=works))


def _each_alone(session: Session, works: list[Work]) -> list[Any]:
    """Each of ``works`` in its own savepoint: its result, or the exception it raised."""
    outcomes: list[Any] = []
    for work in works:
        try:
            # Appended only once the savepoint is released: a failing release must
            # not leave both a result and an error for one item.
            outcomes.append(_in_savepoint(session, work))
        except Exception as error:
            # SQLite may roll back the whole transaction on a full disk, so
            # the savepoint is gone too ("no such savepoint"): fail the batch.
            _raise_storage_failure(error)
            outcomes.append(error)
    return outcomes


def _raise_storage_failure(error: Exception) -> None:
    """Raise the storage failure (database full, locked past every retry) that is or caused
    ``error``, if there is one: it fails the whole batch, not one item."""
    if isinstance(error, DatabaseBusy | StorageFull):
        raise error
    storage_error = _storage_error(error)
    if storage_error is not None:
        raise storage_error from error


# PostgreSQL's deadlock_detected and serialization_failure: the statement lost a race with a
# concurrent writer and may simply run again.
_TRANSIENT_SQLSTATES = ("40P01", "40001")
TRANSIENT_ATTEMPTS = 3


def _in_savepoint(session: Session, work: Work) -> Any:
    """``work(session)`` in a savepoint, run again when it loses a race with another writer.

    A failed write would leave the item's lease to be given back and its page fetched a
    second time; a deadlock is the database choosing a victim, not a fault of the item.
    """
    for attempt in range(1, TRANSIENT_ATTEMPTS + 1):
        try:
            with session.begin_nested():
                return work(session)
        except Exception as error:
            state = getattr(getattr(error, "orig", None), "sqlstate", None)
            if state not in _TRANSIENT_SQLSTATES or attempt == TRANSIENT_ATTEMPTS:
                raise
            log.info("write lost a race with another writer (%s); running it again", state)
    raise AssertionError("unreachable")


def _storage_error(error: BaseException) -> StorageFull | DatabaseBusy | None:
    """The storage failure behind ``error`` or anything in its chain, if there is one."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        text = str(current).lower()
        if "database or disk is full" in text or "disk is full" in text:
            return StorageFull(f"the database is full: {str(current).splitlines()[0]}")
        if "database is locked" in text:
            return DatabaseBusy(f"the database stayed locked: {str(current).splitlines()[0]}")
        current = current.__cause__ or current.__context__
    return None


class GroupedWrites(Generic[ItemT, ResultT]):
    """Items recorded together: one call of ``record`` per group, inside the writer's batches.

    For items whose recording is the same few statements each (304 answers), ``record`` can
    write a whole group with one statement per table. A group goes to the writer when it has
    ``size`` items, its oldest item has waited ``seconds``, or the writer's
    ``nothing_more_coming`` says no more will come soon. ``record`` returns one result per
    item, in order; if it raises, every item of the group gets the error.
    """

    def __init__(
        self,
        writer: BatchWriter,
        record: Callable[[Session, list[ItemT]], list[ResultT]],
        size: int = 100,
        seconds: float = 0.1,
    ) -> None:
        self.writer = writer
        self.record = record
        self.size = max(1, size)
        self.seconds = seconds
        self._items: list[ItemT] = []
        self._futures: list[asyncio.Future[ResultT]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._writes: set[asyncio.Task[None]] = set()

    async def submit(self, item: ItemT) -> ResultT:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[ResultT] = loop.create_future()
        self._items.append(item)
        self._futures.append(future)
        if len(self._items) >= self.size or self.writer.nothing_more_coming():
            self._send()
        elif self._timer is None:
            self._timer = loop.call_later(self.seconds, self._send)
        return await future

    def _send(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._items:
            return
        items, futures = self._items, self._futures
        self._items, self._futures = [], []
        task = asyncio.get_running_loop().create_task(self._write(items, futures))
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)

    async def _write(self, items: list[ItemT], futures: list[asyncio.Future[ResultT]]) -> None:
        try:
            results = await self.writer.submit(lambda session: self.record(session, items))
        except Exception as error:
            for future in futures:
                if not future.done():
                    future.set_exception(error)
            return
        for future, result in zip(futures, results, strict=True):
            if not future.done():
                future.set_result(result)

    async def close(self) -> None:
        """Send the last group and wait until every group is written."""
        self._send()
        while self._writes:
            await asyncio.gather(*list(self._writes), return_exceptions=True)
