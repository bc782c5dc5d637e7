"""Reading a sitemap response off the reactor thread, one batch of URLs at a time.

Parsing a 50,000-URL sitemap takes a second or more of CPU. Done in the callback on the
reactor thread, it would hold back everything else meanwhile: the writes of the URLs already
found, the lease of the first articles, their downloads. Here each batch is parsed in one
dedicated thread (lxml's parser state stays in the thread that created it) and handed to the
reactor as soon as it is ready, so the first articles are fetched while the rest is read.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Generator
from concurrent.futures import ThreadPoolExecutor

from crawler.discovery.routing import Routed


class SitemapParsing:
    """One thread that advances the crawl's sitemap parsers; closed with the spider."""

    def __init__(self) -> None:
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sitemap-parser")

    async def parts(
        self, parts: Generator[Routed], stop: Callable[[], bool]
    ) -> AsyncIterator[tuple[Routed, bool]]:
        """Each part with whether it is the last; ends early (no last part) once ``stop()``.

        A sitemap cut short this way leaves its frontier row unfinished: it is read again by
        the next crawl, and the URLs already added are skipped then as known. A part parsed
        but not handed on yet when ``stop()`` turns true is dropped: a stopping crawl (SIGTERM,
        ``--max-articles`` met) does not wait for it to be written.
        """
        loop = asyncio.get_running_loop()
        following = await loop.run_in_executor(self._thread, next, parts, None)
        while following is not None:
            current = following
            following = await loop.run_in_executor(self._thread, next, parts, None)
            if following is not None and stop():
                await loop.run_in_executor(self._thread, parts.close)
                return
            yield current, following is None

    def close(self) -> None:
        self._thread.shutdown(wait=False, cancel_futures=True)
