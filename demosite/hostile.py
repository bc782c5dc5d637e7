"""A misbehaving HTTP server on 127.0.0.1 for crash-safety tests: raw asyncio sockets, no framework.

Each *listener* is one port with its own robots.txt behaviour (robots.txt is per host and port);
every listener answers every path below. ``HostileServer().start()`` serves in a background
thread; ``python -m demosite.hostile`` prints one ``name url`` line per listener and serves
until interrupted. Every request is logged with its listener, path and monotonic time. The
bodies that need no server state (texts, bad charsets, deep nesting...) are in hostile_pages.py.

Paths (all ``GET``):
  /article/<name>          a plain, extractable news article (the crawl goes on)
  /ads/<name>              the same article with new ads and a nonce on every fetch
  /endless                 200, chunked, never ends
  /slow-drip               200, Content-Length 1 MB, one byte every 0.2 s
  /hang                    reads the request, never answers
  /gzip-bomb, /deflate-bomb   a few hundred kB that inflate to BOMB_BYTES
  /short-body              Content-Length larger than the body, then the connection closes
  /bad-chunks              chunked encoding with a chunk size that is not hexadecimal
  /cut-gzip                a long gzip article, no length, cut two thirds in (connection closed)
  /cut-gzip-length         the same with its full Content-Length announced
  /cut-chunks              a long chunked article whose last chunk never comes
  /cut-second/<name>       the /cut-gzip article whole, then cut (2nd fetch), then whole again
  /redirect-loop/a|b       302 to each other
  /redirect-chain/<n>      302 to /redirect-chain/<n+1>, forever
  /meta-loop/a|b           200 pages whose meta refresh points at each other
  /redirect-to/<scheme>    302 to a file:, ftp:, data: or javascript: URL
  /binary-as-html          random bytes labelled text/html
  /charset-lie             header says UTF-8, body is cp1251
  /charset-unknown         charset=x-klingon
  /bom-vs-header           UTF-8 BOM, header says ISO-8859-1
  /invalid-utf8            UTF-8 with stray invalid bytes
  /deep-nesting            50,000 nested <div>s
  /quadratic               100,000 unclosed <p>s in one <article>: extraction takes many seconds
  /empty                   200 with no body
  /soft-404                200 whose page says "Page not found"
  /retry-after/<name>      429 with Retry-After: 2 on the first fetch, then the article
  /unavailable/<name>      503 with Retry-After: 2 on the first fetch, then the article
  /too-long-retry/<name>   429 with Retry-After: 86400 (too long to wait for; it pauses the
                           host, so tests use it on the "busy" listener only)
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import random
import threading
import time
import zlib
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self

from demosite import hostile_pages as pages
from demosite.hostile_pages import Behaviour, Writer, article_html, head, redirect, send

BOMB_BYTES = 128 * 1024 * 1024
HUGE_ROBOTS_BYTES = 10 * 1024 * 1024
LISTENERS = ("main", "robots_500", "robots_hang", "robots_huge", "crawl_delay", "busy")
CRAWL_DELAY = 2
RETRY_AFTER = 2


@dataclass(frozen=True)
class Hit:
    listener: str
    path: str
    at: float


@dataclass
class RequestLog:
    hits: list[Hit] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, hit: Hit) -> None:
        with self.lock:
            self.hits.append(hit)

    def snapshot(self) -> list[Hit]:
        with self.lock:
            return list(self.hits)


class HostileServer:
    """Listeners on 127.0.0.1 (one port each) answering with precisely chosen misbehaviour."""

    def __init__(self, host: str = "127.0.0.1", bomb_bytes: int = BOMB_BYTES) -> None:
        self.host = host
        self.bomb_bytes = bomb_bytes
        self.log = RequestLog()
        self.urls: dict[str, str] = {}
        self._counts: dict[tuple[str, str], int] = {}
        self._bombs: dict[str, bytes] = {}
        self._loop = asyncio.new_event_loop()
        self._stopping: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._routes: dict[str, Behaviour] = {
            "/endless": self._endless,
            "/slow-drip": self._slow_drip,
            "/hang": self._hang,
            "/gzip-bomb": self._gzip_bomb,
            "/deflate-bomb": self._deflate_bomb,
            "/short-body": self._short_body,
            "/bad-chunks": self._bad_chunks,
            "/cut-gzip": pages.cut_gzip,
            "/cut-gzip-length": pages.cut_gzip_length,
            "/cut-chunks": pages.cut_chunks,
            "/binary-as-html": pages.binary,
            "/charset-lie": pages.charset_lie,
            "/charset-unknown": pages.charset_unknown,
            "/bom-vs-header": pages.bom_vs_header,
            "/invalid-utf8": pages.invalid_utf8,
            "/deep-nesting": pages.deep_nesting,
            "/quadratic": pages.quadratic,
            "/empty": pages.empty,
            "/soft-404": pages.soft_404,
        }

    # -- lifecycle ------------------------------------------------------------------------

    def url(self, path: str, listener: str = "main") -> str:
        return self.urls[listener] + path

    def hits(self, path_prefix: str = "", listener: str | None = None) -> list[Hit]:
        return [
            h
            for h in self.log.snapshot()
            if h.path.startswith(path_prefix) and (listener is None or h.listener == listener)
        ]

    def start(self) -> Self:
        self._thread = threading.Thread(target=self._run, name="hostile-server", daemon=True)
        self._thread.start()
        if not self._ready.wait(30):
            raise RuntimeError("the hostile server did not start")
        return self

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._serve())
        finally:
            self._loop.close()

    async def _serve(self) -> None:
        self._stopping = asyncio.Event()
        servers = []
        for name in LISTENERS:
            server = await asyncio.start_server(
                functools.partial(self._handle, listener=name), self.host, 0
            )
            port = server.sockets[0].getsockname()[1]
            self.urls[name] = f"http://{self.host}:{port}"
            servers.append(server)
        self._ready.set()
        await self._stopping.wait()
        for server in servers:
            server.close()
        # Hung handlers are cancelled with the loop's remaining tasks.
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def stop(self) -> None:
        if self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- one connection ---------------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: Writer, listener: str) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
            target = head.split(b"\r\n", 1)[0].split(b" ")[1].decode("latin-1")
            self.log.add(Hit(listener, target, time.monotonic()))
            key = (listener, target)
            self._counts[key] = count = self._counts.get(key, 0) + 1
            await self._respond(writer, listener, target, count)
        except (TimeoutError, ConnectionError, asyncio.IncompleteReadError, IndexError):
            pass
        except asyncio.CancelledError:  # the server is stopping: hung answers end here
            pass
        finally:
            writer.close()

    async def _respond(self, writer: Writer, listener: str, path: str, count: int) -> None:
        if path == "/robots.txt":
            await self._robots(writer, listener)
            return
        first, _, rest = path.lstrip("/").partition("/")
        behaviour = self._routes.get(path)
        if behaviour is not None:
            await behaviour(writer, listener, path, count)
        elif first == "article":
            await send(writer, article_html(f"Night buses for the north: {rest}").encode())
        elif first == "ads":
            ads = f"<aside class='ad'>Buy {random.randint(0, 10**9)} now</aside>"
            ads += f"<script>var nonce='{os.urandom(8).hex()}';</script>"
            await send(writer, article_html("Ads change, the story does not", extra=ads).encode())
        elif first == "cut-second":  # whole, then cut two thirds in, then whole again
            cut = pages.cut_gzip if count == 2 else pages.whole_gzip
            await cut(writer, listener, path, count)
        elif first == "redirect-loop":
            await redirect(writer, "/redirect-loop/b" if rest == "a" else "/redirect-loop/a")
        elif first == "redirect-chain":
            await redirect(writer, f"/redirect-chain/{int(rest or 0) + 1}")
        elif first == "meta-loop":
            other = "b" if rest == "a" else "a"
            page = (
                f"<html><head><meta http-equiv='refresh' content='0; url=/meta-loop/{other}'>"
                f"</head><body>Redirecting</body></html>"
            )
            await send(writer, page.encode())
        elif first == "redirect-to":
            targets = {
                "file": "file:///etc/passwd",
                "ftp": "ftp://127.0.0.1/pub/secret.txt",
                "data": "data:text/html,<h1>hello</h1>",
                "javascript": "javascript:alert(document.cookie)",
            }
            await redirect(writer, targets[rest])
        elif first in ("retry-after", "unavailable", "too-long-retry"):
            status = (
                "503 Service Unavailable" if first == "unavailable" else "429 Too Many Requests"
            )
            wait = "86400" if first == "too-long-retry" else str(RETRY_AFTER)
            if count == 1 or first == "too-long-retry":
                await send(writer, b"slow down", status=status, headers={"Retry-After": wait})
            else:
                await send(writer, article_html(f"Patience pays: {rest}").encode())
        else:
            await send(writer, b"<html><body>not here</body></html>", status="404 Not Found")

    async def _robots(self, writer: Writer, listener: str) -> None:
        if listener in ("main", "busy"):
            await send(writer, b"no robots here", status="404 Not Found", content_type="text/plain")
        elif listener == "robots_500":
            await send(
                writer, b"oops", status="500 Internal Server Error", content_type="text/plain"
            )
        elif listener == "robots_hang":
            await self._hang(writer, listener, "/robots.txt", 1)
        elif listener == "crawl_delay":
            body = f"User-agent: *\nCrawl-delay: {CRAWL_DELAY}\nDisallow: /private/\n".encode()
            await send(writer, body, content_type="text/plain")
        else:  # robots_huge: allowed at first, then 10 MB of comments, then "Disallow: /"
            start = b"User-agent: *\nDisallow: /private/\n"
            end = b"User-agent: *\nDisallow: /\n"
            filler_line = b"# " + b"x" * 97 + b"\n"
            filler = filler_line * ((HUGE_ROBOTS_BYTES - len(start) - len(end)) // 100)
            await send(writer, start + filler + end, content_type="text/plain")

    # -- size and time --------------------------------------------------------------------------

    async def _endless(self, writer: Writer, *_: object) -> None:
        writer.write(head("200 OK", {"Content-Type": "text/html", "Transfer-Encoding": "chunked"}))
        chunk = b"<p>" + b"endless " * 8000 + b"</p>"
        framed = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
        for _chunk in range(200_000):  # about 13 GB: far past any limit, but not truly forever
            writer.write(framed)
            await writer.drain()

    async def _slow_drip(self, writer: Writer, *_: object) -> None:
        writer.write(head("200 OK", {"Content-Type": "text/html", "Content-Length": "1000000"}))
        for _byte in range(1_000_000):
            writer.write(b"<")
            await writer.drain()
            await asyncio.sleep(0.2)

    async def _hang(self, writer: Writer, *_: object) -> None:
        assert self._stopping is not None
        await self._stopping.wait()

    def _bomb(self, kind: str) -> bytes:
        """``bomb_bytes`` of HTML compressed to a few hundred kB, built without holding them."""
        if kind not in self._bombs:
            wbits = 31 if kind == "gzip" else 15  # 31: gzip container, 15: zlib (deflate)
            packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
            parts = [packer.compress(b"<html><body>")]
            block = b" " * (1024 * 1024)
            parts += [packer.compress(block) for _ in range(self.bomb_bytes // len(block))]
            parts.append(packer.flush())
            self._bombs[kind] = b"".join(parts)
        return self._bombs[kind]

    async def _gzip_bomb(self, writer: Writer, *_: object) -> None:
        body = await asyncio.to_thread(self._bomb, "gzip")
        await send(writer, body, headers={"Content-Encoding": "gzip"})

    async def _deflate_bomb(self, writer: Writer, *_: object) -> None:
        body = await asyncio.to_thread(self._bomb, "deflate")
        await send(writer, body, headers={"Content-Encoding": "deflate"})

    async def _short_body(self, writer: Writer, *_: object) -> None:
        writer.write(head("200 OK", {"Content-Type": "text/html", "Content-Length": "50000"}))
        writer.write(article_html("Cut short").encode()[:1000])
        await writer.drain()

    async def _bad_chunks(self, writer: Writer, *_: object) -> None:
        writer.write(head("200 OK", {"Content-Type": "text/html", "Transfer-Encoding": "chunked"}))
        writer.write(b"6\r\n<html>\r\nZZZ-not-hex\r\n<body>broken</body>\r\n0\r\n\r\n")
        await writer.drain()


def main() -> None:
    with HostileServer().start() as server:
        for name, url in server.urls.items():
            print(name, url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
