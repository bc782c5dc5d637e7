"""A polite HTTP client for web archives: one request at a time per archive, a delay between
requests, 429/503 with Retry-After honoured, no redirect followed, private addresses refused
unless allowed. Standard library only (see docs/backfill.md for why not Scrapy or `wayback`).
"""

from __future__ import annotations

import http.client
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from typing import IO, Protocol
from urllib.parse import urlsplit

from crawler.middlewares.addresses import is_public

__all__ = [
    "Answer",
    "ArchiveClient",
    "ArchiveError",
    "ArchiveUnavailable",
    "HostSlots",
    "TruncatedCapture",
]

USER_AGENT = "newsarchive-backfill/1 (+https://github.com/newsarchive; one request at a time)"
MAX_BODY_BYTES = 20 * 1024 * 1024
MAX_RETRIES = 3
MAX_RETRY_AFTER = 120.0  # seconds: an archive asking for more is treated as unavailable


class ArchiveError(Exception):
    """An archive that cannot be used: unreachable, refused, overloaded or answering garbage."""


class ArchiveUnavailable(ArchiveError):
    """The archive cannot be asked now: unreachable, or overloaded (429/503 past our patience)."""


class TruncatedCapture(ArchiveError):
    """A capture's body ended before its declared length (the connection was cut)."""


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # a capture that redirects is recorded as such, never followed


def _headers(message: Message) -> dict[str, str]:
    return {name.lower(): value for name, value in message.items()}


def _retry_after(value: str | None, default: float) -> float:
    if value and value.strip().isdigit():
        return float(value.strip())
    return default


class HostSlots(Protocol):
    """A per-host request schedule shared with other processes (the crawl's, in the database)."""

    def reserve(self, host: str, delay: float) -> float:
        """Reserve the host's next slot ``delay`` after the last one; seconds to wait for it."""
        ...

    def pause(self, host: str, seconds: float) -> None:
        """Let no one ask ``host`` anything for ``seconds`` (a Retry-After)."""
        ...


@dataclass
class ArchiveClient:
    """Fetches from archives politely; ``delay`` seconds between two requests to one host."""

    delay: float = 1.0
    timeout: float = 30.0
    allow_private_network: bool = False
    sleep: Callable[[float], None] = time.sleep
    slots: HostSlots | None = None  # shared with crawls and other backfills, when given
    _next_at: dict[str, float] = field(default_factory=dict)
    _checked: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._opener = urllib.request.build_opener(_NoRedirect())

    def _guard(self, url: str) -> str:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.scheme not in ("http", "https") or not host:
            raise ArchiveError(f"not an http(s) URL: {url}")
        if host in self._checked or self.allow_private_network:
            return host
        try:
            addresses = {info[4][0] for info in socket.getaddrinfo(host, parts.port or 80)}
        except OSError as error:
            raise ArchiveError(f"cannot resolve archive host {host}: {error}") from None
        if not all(is_public(str(address)) for address in addresses):
            raise ArchiveError(
                f"archive {host} is on a private or loopback address; pass "
                "--allow-private-network to use it"
            )
        self._checked.add(host)
        return host

    def _wait_turn(self, host: str) -> None:
        wait = self._next_at.get(host, 0.0) - time.monotonic()
        if self.slots is not None and self.delay > 0:
            wait = max(wait, self.slots.reserve(host, self.delay))
        if wait > 0:
            self.sleep(wait)

    @contextmanager
    def _open(self, url: str) -> Iterator[tuple[int, dict[str, str], IO[bytes]]]:
        host = self._guard(url)
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        for attempt in range(MAX_RETRIES + 1):
            self._wait_turn(host)
            try:
                response = self._opener.open(request, timeout=self.timeout)
            except urllib.error.HTTPError as error:
                response = error
            except (urllib.error.URLError, OSError) as error:
                self._next_at[host] = time.monotonic() + self.delay
                reason = getattr(error, "reason", error)
                raise ArchiveUnavailable(f"cannot reach archive {host}: {reason}") from None
            status = response.status if response.status is not None else 0
            headers = _headers(response.headers)
            self._next_at[host] = time.monotonic() + self.delay
            if status in (429, 503) and attempt < MAX_RETRIES:
                wait = _retry_after(headers.get("retry-after"), self.delay * 2 ** (attempt + 1))
                response.close()
                if wait > MAX_RETRY_AFTER:
                    raise ArchiveUnavailable(f"archive {host} asks to wait {wait:.0f} s; try later")
                self._next_at[host] = time.monotonic() + max(wait, self.delay)
                if self.slots is not None:
                    self.slots.pause(host, max(wait, self.delay))
                continue
            try:
                yield status, headers, response
            finally:
                response.close()
            return
        raise ArchiveUnavailable(f"archive {host} kept answering {status} (overloaded); try later")

    def fetch(self, url: str) -> Answer:
        """One answer, whatever its status (redirects are not followed), body capped."""
        with self._open(url) as (status, headers, stream):
            try:
                body = stream.read(MAX_BODY_BYTES + 1)
            except http.client.IncompleteRead as error:
                raise TruncatedCapture(
                    f"capture cut short after {len(error.partial)} bytes: {url}"
                ) from None
            except (OSError, http.client.HTTPException) as error:
                raise ArchiveError(f"connection to the archive lost: {error}") from None
        if len(body) > MAX_BODY_BYTES:
            raise ArchiveError(f"capture larger than {MAX_BODY_BYTES} bytes: {url}")
        declared = headers.get("content-length", "").strip()
        if declared.isdigit() and len(body) < int(declared):
            raise TruncatedCapture(f"capture cut short at {len(body)} of {declared} bytes: {url}")
        return Answer(status, headers, body)

    @contextmanager
    def lines(self, url: str) -> Iterator[Iterator[str]]:
        """The answer's lines, streamed (a 2xx answer only: anything else is an ArchiveError)."""
        with self._open(url) as (status, _, stream):
            if not 200 <= status < 300:
                raise ArchiveError(f"archive answered HTTP {status} to {url}")
            yield (raw.decode("utf-8", "replace") for raw in stream)
