"""What the hostile server sends: the article page, raw HTTP/1.1 writes, bodies with bad bytes."""

from __future__ import annotations

import asyncio
import random
import zlib
from collections.abc import Awaitable, Callable

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


Writer = asyncio.StreamWriter
Behaviour = Callable[[Writer, str, str, int], Awaitable[None]]


def head(status: str, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in headers.items()), "", ""]
    return "\r\n".join(lines).encode("latin-1")


async def send(
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
    writer.write(head(status, all_headers) + body)
    await writer.drain()


async def redirect(writer: Writer, location: str, status: str = "302 Found") -> None:
    await send(
        writer, b"<html><body>moved</body></html>", status=status, headers={"Location": location}
    )


# -- bodies that misbehave (each a route of HostileServer) ------------------------------------


async def binary(writer: Writer, *_: object) -> None:
    await send(writer, random.Random(8).randbytes(200_000))


async def charset_lie(writer: Writer, *_: object) -> None:
    page = article_html("Ночные автобусы", (CYRILLIC, CYRILLIC[::-1], *PARAGRAPHS[:2]))
    body = page.replace("<meta charset='utf-8'>", "").encode("cp1251", "replace")
    await send(writer, body, content_type="text/html; charset=utf-8")


async def charset_unknown(writer: Writer, *_: object) -> None:
    body = article_html("Unknown charset").replace("<meta charset='utf-8'>", "").encode()
    await send(writer, body, content_type="text/html; charset=x-klingon")


async def bom_vs_header(writer: Writer, *_: object) -> None:
    page = article_html("Café society — naïve résumé", (CYRILLIC, *PARAGRAPHS))
    body = b"\xef\xbb\xbf" + page.replace("<meta charset='utf-8'>", "").encode()
    await send(writer, body, content_type="text/html; charset=iso-8859-1")


async def invalid_utf8(writer: Writer, *_: object) -> None:
    body = article_html("Broken bytes", PARAGRAPHS).encode().replace(b"three", b"thr\xff\xfee")
    await send(writer, body)


async def deep_nesting(writer: Writer, *_: object) -> None:
    depth = 50_000
    body = b"<html><body>" + b"<div>" * depth + b"deep" + b"</div>" * depth + b"</body></html>"
    await send(writer, body)


async def quadratic(writer: Writer, *_: object) -> None:
    body = b"<html><body><article>" + b"<p>word word word word word" * 100_000
    await send(writer, body + b"</article></body></html>")


async def empty(writer: Writer, *_: object) -> None:
    await send(writer, b"")


async def soft_404(writer: Writer, *_: object) -> None:
    page = (
        "<html><head><title>Page not found</title></head><body><h1>Page not found</h1>"
        "<p>Sorry, we could not find that page.</p><a href='/'>Home</a></body></html>"
    )
    await send(writer, page.encode())


# -- bodies cut off: each must be a failed capture, never a shorter version -------------------

# A long article, so that two thirds of it would still pass as a whole page.
LONG_PARAGRAPHS = tuple(
    f"{p} (part {n} of the long report.)" for n in range(12) for p in PARAGRAPHS
)


def _gzipped_article(title: str) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, 31)  # 31: the gzip container
    body = article_html(title, LONG_PARAGRAPHS).encode()
    return packer.compress(body) + packer.flush()


async def whole_gzip(writer: Writer, *_: object) -> None:
    """The /cut-gzip article, whole."""
    body = _gzipped_article("A gzip stream cut short")
    await send(writer, body, headers={"Content-Encoding": "gzip"})


async def cut_gzip(writer: Writer, *_: object) -> None:
    """gzip, no Content-Length: the connection closes two thirds into the compressed stream."""
    body = _gzipped_article("A gzip stream cut short")
    headers = {"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"}
    writer.write(head("200 OK", {**headers, "Connection": "close"}) + body[: len(body) * 2 // 3])
    await writer.drain()


async def cut_gzip_length(writer: Writer, *_: object) -> None:
    """gzip with the full Content-Length announced; two thirds sent, then the connection closes."""
    body = _gzipped_article("A gzip body shorter than announced")
    headers = {"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"}
    headers["Content-Length"] = str(len(body))
    writer.write(head("200 OK", headers) + body[: len(body) * 2 // 3])
    await writer.drain()


async def cut_chunks(writer: Writer, *_: object) -> None:
    """Chunked: the first chunks of a long article, then the connection closes (no last chunk)."""
    body = article_html("A chunked body cut short", LONG_PARAGRAPHS).encode()
    writer.write(head("200 OK", {"Content-Type": "text/html", "Transfer-Encoding": "chunked"}))
    for start in range(0, len(body) * 2 // 3, 4096):
        chunk = body[start : start + 4096]
        writer.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
    await writer.drain()
