"""Redirect records of a WARC joined to the response they lead to, as a live fetch joins them."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import TypeVar
from urllib.parse import urljoin

from storage.warc import WarcPage
from storage.warc_reading import UnreadableRecord

# A WARC's pages, with or without the unreadable records reported among them.
Record = TypeVar("Record", WarcPage, WarcPage | UnreadableRecord)

# Redirects waiting for their target's response (oldest forgotten first).
MAX_PENDING = 10_000


def _location(record: WarcPage) -> str | None:
    status = record.page.http_status or 0
    location = record.page.header("location")
    if not (300 <= status < 400) or not location:
        return None
    try:
        return urljoin(record.page.final_url or record.page.requested_url, location.strip())
    except ValueError:  # e.g. a malformed IPv6 host: not a place the chain can be followed to
        return None


def follow_redirects(records: Iterable[Record]) -> Iterator[Record]:
    """``records``, with each response reached through redirect records carrying that chain.

    A 3xx record with a Location is remembered; the next response (or revisit) for the URL it
    points to gets the chain's URLs as ``redirect_urls`` and its first URL as the requested URL,
    so the redirecting URLs become aliases of the article. The 3xx records themselves still
    pass through (and are counted as skipped redirects), as do unreadable records.
    """
    pending: OrderedDict[str, tuple[str, ...]] = OrderedDict()
    for record in records:
        if isinstance(record, UnreadableRecord):
            yield record
            continue
        uri: str = record.page.final_url or record.page.requested_url
        target = _location(record)
        if target is not None:
            pending[target] = (*pending.pop(uri, ()), uri)
            if len(pending) > MAX_PENDING:
                pending.popitem(last=False)
            yield record
            continue
        chain = pending.pop(uri, None)
        if not chain:
            yield record
            continue
        page = replace(record.page, requested_url=chain[0], redirect_urls=chain)
        yield replace(record, page=page)
