"""The worker pool: results, typed errors, and limits that kill and replace a worker."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from crawler.extraction import ExtractionError
from crawler.extraction.pool import ExtractionPool

ARTICLE = (
    b"<html><body><article><p>"
    + b"The council voted to expand the riverside park by twelve acres on Tuesday. " * 20
    + b"</p></article></body></html>"
)
# Unclosed inline tags: lxml re-opens the <b> in every <p>, so trafilatura's work grows
# quadratically (2 MB of this takes ~40 s); 20,000 repeats take several seconds.
HOSTILE = b"<html><body><div>" + b"<p><b>word " * 20_000 + b"</body></html>"
# Many paragraphs: a big tree, far more than 200 MB of address space once parsed.
HUGE = b"<html><body><article>" + b"<p>Words of the article body, quite a few.</p>" * 150_000


@pytest.fixture(scope="module")
def pool() -> Iterator[ExtractionPool]:
    with ExtractionPool(workers=1, timeout=1.0, memory_mb=200) as extraction_pool:
        yield extraction_pool


def test_extracts_in_a_worker(pool: ExtractionPool) -> None:
    article = pool.extract_blocking(ARTICLE, "https://news.example.com/park", "text/html")
    assert article.text.startswith("The council voted")


def test_typed_error_crosses_the_process_boundary(pool: ExtractionPool) -> None:
    with pytest.raises(ExtractionError) as caught:
        pool.extract_blocking(b"", None, None)
    assert caught.value.reason == "empty_body"


def test_timeout_kills_and_replaces_the_worker(pool: ExtractionPool) -> None:
    with pytest.raises(ExtractionError) as caught:
        pool.extract_blocking(HOSTILE, "https://news.example.com/hostile", "text/html")
    assert caught.value.reason == "timeout"
    assert pool.extract_blocking(ARTICLE, None, None).text  # the replacement works


def test_memory_limit_kills_and_replaces_the_worker() -> None:
    with ExtractionPool(workers=1, timeout=60.0, memory_mb=200) as pool:
        with pytest.raises(ExtractionError) as caught:
            pool.extract_blocking(HUGE, "https://news.example.com/huge", "text/html")
        assert caught.value.reason == "memory"
        assert pool.extract_blocking(ARTICLE, None, None).text


def test_async_api(pool: ExtractionPool) -> None:
    async def run() -> list[str]:
        results = await asyncio.gather(*(pool.extract(ARTICLE, None, None) for _ in range(3)))
        return [article.text for article in results]

    assert len(set(asyncio.run(run()))) == 1
