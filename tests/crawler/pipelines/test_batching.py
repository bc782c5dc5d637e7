"""Write batches: items wait for company while pages are still being fetched, not after."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.orm import Session

from crawler.pipelines.batching import BatchWriter, GroupedWrites
from storage import Archive


def _one(session: Session) -> int:
    return int(session.execute(text("SELECT 1")).scalar_one())


def test_a_write_waits_for_its_batch_while_pages_are_still_coming(archive: Archive) -> None:
    async def go() -> bool:
        writer = BatchWriter(archive, batch_size=50, batch_seconds=60)
        waiting = asyncio.ensure_future(writer.submit(_one))
        await asyncio.sleep(0.5)
        written = waiting.done()
        waiting.cancel()
        return written

    assert not asyncio.run(go()), "written before its batch filled or its time came"


def test_the_last_writes_go_at_once_when_nothing_more_is_coming(archive: Archive) -> None:
    async def go() -> list[int]:
        writer = BatchWriter(
            archive, batch_size=50, batch_seconds=60, nothing_more_coming=lambda: True
        )
        groups: GroupedWrites[int, int] = GroupedWrites(
            writer, lambda session, items: [_one(session) + item for item in items], seconds=60
        )
        return list(
            await asyncio.wait_for(
                asyncio.gather(writer.submit(_one), groups.submit(1)), timeout=10
            )
        )

    assert asyncio.run(go()) == [1, 2]
