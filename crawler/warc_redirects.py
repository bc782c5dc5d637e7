"""Redirect records of a WARC joined to the response they lead to, as a live fetch joins them.

Each page also gets the exchange its records show (``CaptureHttp``: the response head, the
redirect hops), so an imported capture exports again with its heads rather than synthesised
ones. Headers an export renamed (``X-Archive-Orig-Content-Encoding``) get their names back.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import TypeVar
from urllib.parse import urljoin

from storage.capture_http import CaptureHttp, Header, HttpHop, cap_head
from storage.warc import WarcPage
from storage.warc_heads import ORIGINAL_PREFIX
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


def _head(record: WarcPage) -> tuple[tuple[Header, ...], bool]:
    """The record's response headers, any renamed by an export under their own names again."""
    prefix = ORIGINAL_PREFIX.lower()
    headers = record.page.headers
    originals = {
        name.removeprefix(prefix): value
        for name, value in headers.items()
        if name.startswith(prefix)
    }
    pairs = [
        (name, originals.pop(name, value))
        for name, value in headers.items()
        if not name.startswith(prefix)
    ]
    pairs.extend(originals.items())
    return cap_head(pairs)


def _hop(record: WarcPage) -> HttpHop:
    headers, _ = _head(record)
    return HttpHop(
        url=record.page.final_url or record.page.requested_url,
        status=record.page.http_status or 0,
        headers=headers,
        fetched_at=record.page.fetched_at,
    )


def _exchange(record: WarcPage, hops: tuple[HttpHop, ...]) -> CaptureHttp:
    headers, cut = _head(record)
    body = record.page.body
    return CaptureHttp(
        response_headers=headers,
        hops=hops,
        payload_sha256=hashlib.sha256(body).hexdigest() if body is not None else None,
        truncated=cut,
    )


def follow_redirects(records: Iterable[Record]) -> Iterator[Record]:
    """``records``, with each response reached through redirect records carrying that chain.

    A 3xx record with a Location is remembered; the next response (or revisit) for the URL it
    points to gets the chain's URLs as ``redirect_urls`` and its first URL as the requested URL,
    so the redirecting URLs become aliases of the article. The 3xx records themselves still
    pass through (and are counted as skipped redirects), as do unreadable records.
    """
    pending: OrderedDict[str, tuple[WarcPage, ...]] = OrderedDict()
    for record in records:
        if isinstance(record, UnreadableRecord):
            yield record
            continue
        uri: str = record.page.final_url or record.page.requested_url
        target = _location(record)
        if target is not None:
            pending[target] = (*pending.pop(uri, ()), record)
            if len(pending) > MAX_PENDING:
                pending.popitem(last=False)
            yield record
            continue
        chain = pending.pop(uri, ())
        http = _exchange(record, tuple(_hop(hop) for hop in chain))
        if not chain:
            yield replace(record, page=replace(record.page, http=http))
            continue
        urls = tuple(hop.page.final_url or hop.page.requested_url for hop in chain)
        page = replace(record.page, requested_url=urls[0], redirect_urls=urls, http=http)
        yield replace(record, page=page)
