"""Serve a NewsSite over HTTP on loopback, with conditional GET, a request log and controls."""

from __future__ import annotations

import argparse
import gzip
import logging
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType, TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

from demosite.control import CONTROL_PREFIX, RequestLog, RequestRecord, control_response
from demosite.response import Response, not_modified
from demosite.site import NewsSite

logger = logging.getLogger(__name__)

COMPRESSIBLE = (
    "text/",
    "application/xml",
    "application/rss",
    "application/atom",
    "application/feed+json",
    "application/json",
)
MIN_COMPRESS = 512
POLL_INTERVAL = 0.05  # seconds; how quickly shutdown() takes effect


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    demo: DemoServer


class DemoServer:
    """One HTTP server for a NewsSite; start() runs it in a background thread."""

    def __init__(
        self,
        site: NewsSite,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        conditional: bool = True,
        compress: bool = True,
        log: RequestLog | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.site = site
        self.conditional = conditional
        self.compress = compress
        self.log = log or RequestLog()
        self.clock = clock
        self._httpd = _HTTPServer((host, port), _Handler)
        self._httpd.demo = self
        bound_host, bound_port = self._httpd.server_address[:2]
        self.url = f"http://{bound_host!s}:{bound_port}"
        self._thread: threading.Thread | None = None

    @property
    def requests(self) -> list[RequestRecord]:
        """Requests served so far (a snapshot)."""
        return self.log.snapshot()

    def start(self) -> Self:
        """Serve in a daemon thread."""
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            args=(POLL_INTERVAL,),
            name=f"demo-site {self.url}",
            daemon=True,
        )
        self._thread.start()
        logger.info("demo site serving at %s", self.url)
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until shutdown()."""
        self._httpd.serve_forever(POLL_INTERVAL)

    def shutdown(self) -> None:
        """Stop serving and close the socket."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.shutdown()

    def now(self) -> datetime:
        """Wall-clock time for render stamps."""
        return datetime.now(UTC)


class ServerGroup:
    """Several DemoServers for one site on different loopback addresses (multi-host mode)."""

    def __init__(self, site: NewsSite, servers: Sequence[DemoServer]) -> None:
        self.site = site
        self.servers = list(servers)
        self.urls = [s.url for s in self.servers]
        self.url = self.urls[0]
        self.log = self.servers[0].log

    @property
    def requests(self) -> list[RequestRecord]:
        """Requests served by all servers of the group."""
        return self.log.snapshot()

    @property
    def conditional(self) -> bool:
        """Whether conditional GET is answered with 304."""
        return self.servers[0].conditional

    @conditional.setter
    def conditional(self, value: bool) -> None:
        for server in self.servers:
            server.conditional = value

    def shutdown(self) -> None:
        """Stop every server."""
        for server in self.servers:
            server.shutdown()
        self.site.hosts = []

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.shutdown()


def serve(
    site: NewsSite,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    conditional: bool = True,
    compress: bool = True,
    clock: Callable[[], datetime] | None = None,
) -> DemoServer:
    """Start serving `site` in a background thread; see DemoServer for the options."""
    server = DemoServer(site, host, port, conditional=conditional, compress=compress, clock=clock)
    return server.start()


def serve_many(
    site: NewsSite,
    hosts: Sequence[str],
    port: int = 0,
    *,
    conditional: bool = True,
    compress: bool = True,
    clock: Callable[[], datetime] | None = None,
) -> ServerGroup:
    """Serve `site` on each loopback address in `hosts`; articles are spread over them.

    Every server answers every path, but each article's links, canonical URL, feed and sitemap
    entries name the one host it is assigned to (article n on hosts[(n - 1) % len(hosts)]).
    """
    if not hosts:
        raise ValueError("serve_many needs at least one host")
    log = RequestLog()
    servers: list[DemoServer] = []
    try:
        for host in hosts:
            servers.append(
                DemoServer(
                    site,
                    host,
                    port,
                    conditional=conditional,
                    compress=compress,
                    log=log,
                    clock=clock,
                )
            )
    except OSError:
        for server in servers:
            server.shutdown()
        raise
    site.hosts = [s.url for s in servers] if len(servers) > 1 else []
    for server in servers:
        server.start()
    return ServerGroup(site, servers)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "DemoNews/1.0"
    server: _HTTPServer

    @property
    def demo(self) -> DemoServer:
        return self.server.demo

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        self._dispatch(send_body=True)

    def do_HEAD(self) -> None:
        self._dispatch(send_body=False)

    def do_POST(self) -> None:
        self._dispatch(send_body=True)

    def do_DELETE(self) -> None:
        self._dispatch(send_body=True)

    def _dispatch(self, send_body: bool) -> None:
        demo = self.demo
        arrived = demo.now()  # the record's time: when the request came, not when it was answered
        path = urlsplit(self.path).path
        body = self._read_body()
        if path.startswith(CONTROL_PREFIX):
            self._send(control_response(demo, self.command, path, body), send_body)
            return
        if self.command not in ("GET", "HEAD"):
            response = Response(
                405,
                b"Method not allowed",
                "text/plain; charset=utf-8",
                headers=(("Allow", "GET, HEAD"),),
            )
        else:
            try:
                response = demo.site.render(self.path, demo.url, demo.log.next_nonce(), demo.now())
            except Exception:  # the server's boundary: a bug becomes a 500, not a dead socket
                logger.exception("demo site failed to render %s", self.path)
                response = Response(500, b"Internal Server Error", "text/plain; charset=utf-8")
            response = self._conditional(response)
        demo.log.add(  # before the response leaves, so a client that has it sees the record
            RequestRecord(
                self.command,
                self.path,
                dict(self.headers.items()),
                response.status,
                demo.url,
                arrived.isoformat(),
            )
        )
        self._send(response, send_body)

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _conditional(self, response: Response) -> Response:
        if not self.demo.conditional or response.status != 200:
            return response
        if response.etag is None and response.last_modified is None:
            return response
        if not not_modified(
            response, self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
        ):
            return response
        return Response(304, b"", None, etag=response.etag, last_modified=response.last_modified)

    def _send(self, response: Response, send_body: bool) -> None:
        body = response.body
        etag = response.etag
        headers = list(response.headers)
        kind = response.content_type
        accepts_gzip = "gzip" in (self.headers.get("Accept-Encoding") or "")
        if (
            self.demo.compress
            and accepts_gzip
            and kind
            and kind.startswith(COMPRESSIBLE)
            and len(body) >= MIN_COMPRESS
        ):
            body = gzip.compress(body, mtime=0)
            headers += [("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")]
            if etag and not etag.startswith("W/"):
                etag = "W/" + etag
        self.send_response(response.status)
        if kind and response.status != 304:
            self.send_header("Content-Type", kind)
        if etag:
            self.send_header("ETag", etag)
        if response.last_modified:
            self.send_header("Last-Modified", format_datetime(response.last_modified, True))
        if self.demo.conditional and (etag or response.last_modified):
            self.send_header("Cache-Control", "max-age=0, must-revalidate")
        for name, value in headers:
            self.send_header(name, value)
        if response.status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body and response.status != 304:
            self.wfile.write(body)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: serve a demo site until killed; the first stdout line is its base URL."""
    parser = argparse.ArgumentParser(
        prog="python -m demosite.server",
        description="Serve the bundled demo news site on loopback.",
        epilog="Example: python -m demosite.server --articles 60 --port 0",
    )
    parser.add_argument("--articles", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--label", default="Example Gazette", help="the site's name")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--hosts", help="comma-separated loopback addresses (multi-host mode)")
    parser.add_argument("--now", help="ISO time the site is generated at (default: the clock)")
    parser.add_argument("--no-conditional", action="store_true", help="never answer 304")
    parser.add_argument("--round", type=int, default=1, help="start in this round")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    now = datetime.fromisoformat(args.now) if args.now else datetime.now(UTC)
    site = NewsSite(args.articles, args.seed, args.label, now=now)
    site.set_round(args.round)
    hosts = [h.strip() for h in args.hosts.split(",")] if args.hosts else [args.host]
    group = serve_many(
        site, hosts, args.port, conditional=not args.no_conditional, clock=lambda: datetime.now(UTC)
    )
    for url in group.urls:
        print(url, flush=True)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    stop.wait()
    group.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
