"""Many loopback web hosts in one cheap process: the benchmarks' stand-in for hundreds of sites.

Run: python benchmarks/loopback_hosts.py PAGES_DIR HOSTS

``PAGES_DIR/<n>/<path>`` is served as ``http://127.77.<n // 250>.<n % 250 + 1>:PORT/<path>``
for n in 0..HOSTS-1, every host on the same port, each with an allow-all robots.txt. One asyncio
loop answers all of them (HTTP/1.1 keep-alive, Content-Length), so the servers cost the machine
next to nothing: no thread per host, no polling. The process prints ``READY <port>`` on stdout
once every address listens, and runs until its stdin closes or it is killed.
"""

from __future__ import annotations

import asyncio
import socket
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

ROBOTS = b"User-agent: *\nAllow: /\n"
MAX_HEADER_BYTES = 16_384


def host_address(n: int) -> str:
    """The loopback address of host number ``n`` (127.77.0.1, 127.77.0.2, ...)."""
    return f"127.77.{n // 250}.{n % 250 + 1}"


def load_pages(root: Path, hosts: int) -> list[dict[str, bytes]]:
    """Each host's pages, keyed by URL path."""
    pages: list[dict[str, bytes]] = []
    for n in range(hosts):
        folder = root / str(n)
        found = {"/robots.txt": ROBOTS}
        if folder.is_dir():
            for path in folder.rglob("*"):
                if path.is_file():
                    found["/" + path.relative_to(folder).as_posix()] = path.read_bytes()
        pages.append(found)
    return pages


def _response(status: str, content_type: str, body: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n"
    )
    return head.encode("ascii") + body


def _content_type(path: str) -> str:
    return "text/plain" if path.endswith(".txt") else "text/html; charset=utf-8"


Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def handler(pages: dict[str, bytes]) -> Handler:
    """A connection handler answering GET requests for one host's pages."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                    return
                if len(head) > MAX_HEADER_BYTES:
                    return
                parts = head.split(b"\r\n", 1)[0].split(b" ")
                path = parts[1].decode("latin-1").split("?", 1)[0] if len(parts) > 1 else "/"
                body = pages.get(path)
                if body is None:
                    writer.write(_response("404 Not Found", "text/plain", b"not found"))
                else:
                    writer.write(_response("200 OK", _content_type(path), body))
                await writer.drain()
        except (ConnectionError, OSError):
            return
        finally:
            writer.close()

    return answer


def _free_port(address: str) -> int:
    with socket.socket() as probe:
        probe.bind((address, 0))
        port: int = probe.getsockname()[1]
        return port


async def serve(root: Path, hosts: int) -> None:
    pages = load_pages(root, hosts)
    for _attempt in range(20):
        port = _free_port(host_address(0))
        servers = []
        try:
            for n in range(hosts):
                servers.append(
                    await asyncio.start_server(
                        handler(pages[n]), host_address(n), port, backlog=64, reuse_address=True
                    )
                )
        except OSError:
            for server in servers:
                server.close()
            continue
        break
    else:
        sys.exit("loopback_hosts: no port free on every address")
    print(f"READY {port}", flush=True)
    loop = asyncio.get_running_loop()
    stdin_closed = loop.create_future()

    def watch_stdin() -> None:
        sys.stdin.buffer.read()
        loop.call_soon_threadsafe(stdin_closed.set_result, None)

    loop.run_in_executor(None, watch_stdin)
    await stdin_closed


def main() -> None:
    root, hosts = Path(sys.argv[1]), int(sys.argv[2])
    asyncio.run(serve(root, hosts))


if __name__ == "__main__":
    main()
