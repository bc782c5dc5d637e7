"""Fetch a given list of article URLs once each (the `newsarchive archive` command)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Any

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.fetching import item_for_failure, item_for_response, page_request
from crawler.items import FetchFailed, PageFetched
from crawler.stopping import CrawlStopping
from storage.validators import Validators


class ArchiveSpider(scrapy.Spider):
    """Fetches each URL it is given; from the shell: ``scrapy crawl archive -a urls=URL,URL``."""

    name = "archive"

    def __init__(
        self,
        urls: Iterable[str] | str = (),
        validators: Mapping[str, Validators] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.urls = list(urls.split(",")) if isinstance(urls, str) else list(urls)
        # An archived URL's last ETag/Last-Modified: fetched again, it asks "changed since?"
        self.validators = dict(validators or {})

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.urls:
            known = self.validators.get(url)
            yield page_request(
                url,
                self.parse_page,
                self.on_error,
                etag=known.etag if known else None,
                last_modified=known.last_modified if known else None,
            )

    def parse_page(self, response: Response) -> Iterable[PageFetched | FetchFailed]:
        yield item_for_response(response)

    def on_error(self, failure: Failure) -> Iterable[FetchFailed]:
        if isinstance(failure.value, CrawlStopping):
            return  # never sent: the crawl stopped first; nothing to record
        yield item_for_failure(failure)
