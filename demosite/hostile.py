"""A misbehaving HTTP server on 127.0.0.1 for crash-safety tests: raw asyncio sockets, no framework.

Each *listener* is one port with its own robots.txt behaviour (robots.txt is per host and port);
every listener answers every path below. ``HostileServer().start()`` serves in a background
thread; ``python -m demosite.hostile`` prints one ``name url`` line per listener and serves
until interrupted. Every request is logged with its listener, path and monotonic time.

Paths (all ``GET``):
  /article/<name>          a plain, extractable news article (the crawl goes on)
  /ads/<name>              the same article with new ads and a nonce on every fetch
  /endless                 200, chunked, never ends
  /slow-drip               200, Content-Length 1 MB, one byte every 0.2 s
  /hang                    reads the request, never answers
  /gzip-bomb, /deflate-bomb   a few hundred kB that inflate to BOMB_BYTES
  /short-body              Content-Length larger than the body, then the connection closes
  /bad-chunks              chunked encoding with a chunk size that is not hexadecimal
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
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self

BOMB_BYTES = 128 * 1024 * 1024
HUGE_ROBOTS_BYTES = 10 * 1024 * 1024
LISTENERS = ("main", "robots_500", "robots_hang", "robots_huge", "crawl_delay", "busy")
CRAWL_DELAY = 2
RETRY_AFTER = 2

PARAGRAPHS = (
    "The city council voted on Tuesday to extend the night bus network to the northern "
    "districts, after a year of complaints from shift workers who said the last service left "
    "them stranded after midnight.",
    "Council members argued for more than three hours about the cost, which the transport "
    "department puts at four million a year, before the proposal passed by a narrow margin of "
    "eleven votes to nine.",
    "The new routes start in March. Officials said the timetable would be reviewed after six "
    "months, and that ridership figures would decide whether the extra services stay.",
    "Residents of the northern districts welcomed the decision. One nurse who works nights at "
    "the central hospital said she had been spending a third of her wages on taxis.",
)
CYRILLIC = (
    "Городской совет во вторник проголосовал за продление ночных автобусных маршрутов в "
    "северные районы города после года жалоб от работников ночных смен, которые говорили, что "
    "последний автобус уходит задолго до полуночи и оставляет их без транспорта."
)


def article_html(title: str, paragraphs: tuple[str, ...] = PARAGRAPHS, extra: str = "") -> str:
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
        f"<meta property='og:title' content='{title}'></head><body>"
        f"<header><nav><a href='/'>Home</a> <a href='/world/'>World</a></nav></header>"
        f"<main><article><h1>{title}</h1><p class='byline'>By Ann Writer</p>{body}</article>"
        f"{extra}</main><footer>Copyright The Hostile Times</footer></body></html>"
    )


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


Writer = asyncio.StreamWriter
Behaviour = Callable[[Writer, str, str, int], Awaitable[None]]


def _head(status: str, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in headers.items()), "", ""]
    return "\r\n".join(lines).encode("latin-1")


async def _send(
    writer: Writer,
    body: bytes,
    *,
    status: str = "200 OK",
    content_type: str = "text/html; charset=utf-8",
    headers: dict[str, str] | None = None,
) -> None:
    all_headers = {"Content-Type": content_type, "Content-Length": str(len(body))}
    all_headers.update(headers or {})
    all_headers["Connection"] = "close"
    writer.write(_head(status, all_headers) + body)
    await writer.drain()


async def _redirect(writer: Writer, location: str, status: str = "302 Found") -> None:
    await _send(
        writer, b"<html><body>moved</body></html>", status=status, headers={"Location": location}
    )


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
            "/binary-as-html": self._binary,
            "/charset-lie": self._charset_lie,
            "/charset-unknown": self._charset_unknown,
            "/bom-vs-header": self._bom_vs_header,
            "/invalid-utf8": self._invalid_utf8,
            "/deep-nesting": self._deep_nesting,
            "/quadratic": self._quadratic,
            "/empty": self._empty,
            "/soft-404": self._soft_404,
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
            await _send(writer, article_html(f"Night buses for the north: {rest}").encode())
        elif first == "ads":
            ads = f"<aside class='ad'>Buy {random.randint(0, 10**9)} now</aside>"
            ads += f"<script>var nonce='{os.urandom(8).hex()}';</script>"
            await _send(writer, article_html("Ads change, the story does not", extra=ads).encode())
        elif first == "redirect-loop":
            await _redirect(writer, "/redirect-loop/b" if rest == "a" else "/redirect-loop/a")
        elif first == "redirect-chain":
            await _redirect(writer, f"/redirect-chain/{int(rest or 0) + 1}")
        elif first == "meta-loop":
            other = "b" if rest == "a" else "a"
            page = (
                f"<html><head><meta http-equiv='refresh' content='0; url=/meta-loop/{other}'>"
                f"</head><body>Redirecting</body></html>"
            )
            await _send(writer, page.encode())
        elif first == "redirect-to":
            targets = {
                "file": "file:///etc/passwd",
                "ftp": "ftp://127.0.0.1/pub/secret.txt",
                "data": "data:text/html,<h1>hello</h1>",
                "javascript": "javascript:alert(document.cookie)",
            }
            await _redirect(writer, targets[rest])
        elif first in ("retry-after", "unavailable", "too-long-retry"):
            status = (
                "503 Service Unavailable" if first == "unavailable" else "429 Too Many Requests"
            )
            wait = "86400" if first == "too-long-retry" else str(RETRY_AFTER)
            if count == 1 or first == "too-long-retry":
                await _send(writer, b"slow down", status=status, headers={"Retry-After": wait})
            else:
                await _send(writer, article_html(f"Patience pays: {rest}").encode())
        else:
            await _send(writer, b"<html><body>not here</body></html>", status="404 Not Found")

    async def _robots(self, writer: Writer, listener: str) -> None:
        if listener in ("main", "busy"):
            await _send(
                writer, b"no robots here", status="404 Not Found", content_type="text/plain"
            )
        elif listener == "robots_500":
            await _send(
                writer, b"oops", status="500 Internal Server Error", content_type="text/plain"
            )
        elif listener == "robots_hang":
            await self._hang(writer, listener, "/robots.txt", 1)
        elif listener == "crawl_delay":
            body = f"User-agent: *\nCrawl-delay: {CRAWL_DELAY}\nDisallow: /private/\n".encode()
            await _send(writer, body, content_type="text/plain")
        else:  # robots_huge: allowed at first, then 10 MB of comments, then "Disallow: /"
            start = b"User-agent: *\nDisallow: /private/\n"
            end = b"User-agent: *\nDisallow: /\n"
            filler_line = b"# " + b"x" * 97 + b"\n"
            filler = filler_line * ((HUGE_ROBOTS_BYTES - len(start) - len(end)) // 100)
            await _send(writer, start + filler + end, content_type="text/plain")

    # -- size and time --------------------------------------------------------------------------

    async def _endless(self, writer: Writer, *_: object) -> None:
        writer.write(_head("200 OK", {"Content-Type": "text/html", "Transfer-Encoding": "chunked"}))
        chunk = b"<p>" + b"endless " * 8000 + b"</p>"
        framed = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
        for _chunk in range(200_000):  # about 13 GB: far past any limit, but not truly forever
            writer.write(framed)
            await writer.drain()

    async def _slow_drip(self, writer: Writer, *_: object) -> None:
        writer.write(_head("200 OK", {"Content-Type": "text/html", "Content-Length": "1000000"}))
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
        await _send(writer, body, headers={"Content-Encoding": "gzip"})

    async def _deflate_bomb(self, writer: Writer, *_: object) -> None:
        body = await asyncio.to_thread(self._bomb, "deflate")
        await _send(writer, body, headers={"Content-Encoding": "deflate"})

    async def _short_body(self, writer: Writer, *_: object) -> None:
        writer.write(_head("200 OK", {"Content-Type": "text/html", "Content-Length": "50000"}))
        writer.write(article_html("Cut short").encode()[:1000])
        await writer.drain()

    async def _bad_chunks(self, writer: Writer, *_: object) -> None:
        writer.write(_head("200 OK", {"Content-Type": "text/html", "Transfer-Encoding": "chunked"}))
        writer.write(b"6\r\n<html>\r\nZZZ-not-hex\r\n<body>broken</body>\r\n0\r\n\r\n")
        await writer.drain()

    # -- content --------------------------------------------------------------------------------

    async def _binary(self, writer: Writer, *_: object) -> None:
        await _send(writer, random.Random(8).randbytes(200_000))

    async def _charset_lie(self, writer: Writer, *_: object) -> None:
        page = article_html("Ночные автобусы", (CYRILLIC, CYRILLIC[::-1], *PARAGRAPHS[:2]))
        body = page.replace("<meta charset='utf-8'>", "").encode("cp1251", "replace")
        await _send(writer, body, content_type="text/html; charset=utf-8")

    async def _charset_unknown(self, writer: Writer, *_: object) -> None:
        body = article_html("Unknown charset").replace("<meta charset='utf-8'>", "").encode()
        await _send(writer, body, content_type="text/html; charset=x-klingon")

    async def _bom_vs_header(self, writer: Writer, *_: object) -> None:
        page = article_html("Café society — naïve résumé", (CYRILLIC, *PARAGRAPHS))
        body = b"\xef\xbb\xbf" + page.replace("<meta charset='utf-8'>", "").encode()
        await _send(writer, body, content_type="text/html; charset=iso-8859-1")

    async def _invalid_utf8(self, writer: Writer, *_: object) -> None:
        body = article_html("Broken bytes", PARAGRAPHS).encode().replace(b"three", b"thr\xff\xfee")
        await _send(writer, body)

    async def _deep_nesting(self, writer: Writer, *_: object) -> None:
        depth = 50_000
        body = b"<html><body>" + b"<div>" * depth + b"deep" + b"</div>" * depth + b"</body></html>"
        await _send(writer, body)

    async def _quadratic(self, writer: Writer, *_: object) -> None:
        body = b"<html><body><article>" + b"<p>word word word word word" * 100_000
        await _send(writer, body + b"</article></body></html>")

    async def _empty(self, writer: Writer, *_: object) -> None:
        await _send(writer, b"")

    async def _soft_404(self, writer: Writer, *_: object) -> None:
        page = (
            "<html><head><title>Page not found</title></head><body><h1>Page not found</h1>"
            "<p>Sorry, we could not find that page.</p><a href='/'>Home</a></body></html>"
        )
        await _send(writer, page.encode())


def main() -> None:
    with HostileServer().start() as server:
        for name, url in server.urls.items():
            print(name, url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
