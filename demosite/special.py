"""Test endpoints of the demo site: redirects, error statuses, media, and legacy charsets."""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass
from html import escape

from demosite.response import Response, redirect, strong_etag

MAX_REDIRECTS = 50
REDIRECT_LOOP = ("/redirect-loop/a", "/redirect-loop/b")
PDF_PATH = "/media/file.pdf"
CP1251_PATH = "/charset/windows-1251.html"
LATIN1_PATH = "/charset/iso-8859-1.html"


@dataclass(frozen=True)
class CharsetPage:
    """An article served in a legacy encoding declared only inside the HTML."""

    encoding: str
    declaration: str
    lang: str
    title: str
    paragraphs: tuple[str, ...]

    @property
    def text(self) -> str:
        """The archivable text, paragraphs joined by newlines."""
        return "\n".join(self.paragraphs)


CHARSET_PAGES: dict[str, CharsetPage] = {
    CP1251_PATH: CharsetPage(
        encoding="windows-1251",
        declaration='<meta charset="windows-1251">',
        lang="ru",
        title="В Москве открылась новая линия метро",
        paragraphs=(
            "МОСКВА — В столице в субботу открылась новая линия метрополитена, которая соединит "
            "северные и южные районы города, сообщили в мэрии.",
            "По словам представителей городских властей, поезда будут ходить с интервалом в "
            "четыре минуты, а пассажиропоток в первый год составит около 300 тысяч человек в день.",
            "Строительство линии заняло почти шесть лет. Изначально открытие планировалось на "
            "прошлую осень, однако сроки были перенесены из-за задержек с поставками оборудования.",
            "«Это важный день для всех жителей города», — сказал на церемонии открытия один из "
            "руководителей стройки.",
        ),
    ),
    LATIN1_PATH: CharsetPage(
        encoding="iso-8859-1",
        declaration='<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">',
        lang="fr",
        title="Les vendanges commencent tôt en Bourgogne",
        paragraphs=(
            "DIJON, France - Les vendanges ont commencé cette semaine en Bourgogne avec près de "
            "dix jours d'avance sur le calendrier habituel, selon les producteurs de la région.",
            "La chaleur de l'été a accéléré la maturation du raisin, ce qui a obligé de nombreux "
            "domaines à mobiliser leurs équipes plus tôt que prévu.",
            "« La qualité est là, mais les volumes seront plus faibles que l'an dernier », a "
            "expliqué un viticulteur de Beaune, qui emploie une vingtaine de saisonniers.",
            "Les professionnels estiment que la récolte devrait s'achever à la fin du mois, si la "
            "météo reste clémente.",
        ),
    ),
}


def charset_page(path: str, site_name: str, base_url: str) -> Response:
    """The legacy-encoded article at `path`; Content-Type carries no charset."""
    page = CHARSET_PAGES[path]
    body = "".join(f"<p>{escape(p)}</p>\n" for p in page.paragraphs)
    html = (
        f'<!DOCTYPE html>\n<html lang="{page.lang}">\n<head>\n{page.declaration}\n'
        f"<title>{escape(page.title)}</title>\n"
        f'<link rel="canonical" href="{base_url}{path}">\n'
        f'<meta property="og:title" content="{escape(page.title)}">\n'
        '<meta property="og:type" content="article">\n</head>\n<body>\n'
        f'<header class="site-header"><a href="/">{escape(site_name)}</a></header>\n'
        f'<main><article class="article"><h1 class="headline">{escape(page.title)}</h1>\n'
        f'<div class="article-body">\n{body}</div></article></main>\n'
        "<footer><p>Archive edition</p></footer>\n</body>\n</html>\n"
    )
    data = html.encode(page.encoding)
    return Response(200, data, "text/html", etag=strong_etag(data))


def pdf_bytes() -> bytes:
    """A small valid one-page PDF."""
    stream = b"BT /F1 24 Tf 72 720 Td (Annual report of the Example Gazette) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, obj)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def png_bytes(width: int = 16, height: int = 9, shade: int = 128) -> bytes:
    """A small valid grey PNG image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(b"\x00" + bytes([shade]) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


STATUS_TEXT = {404: "Page not found", 410: "Gone", 500: "Internal Server Error"}


def status_page(code: int) -> Response:
    """An error page with the given status code."""
    title = STATUS_TEXT.get(code, f"Error {code}")
    body = f"<!DOCTYPE html><html><head><title>{title}</title></head><body><h1>{title}</h1>"
    body += "<p>Sorry, something went wrong.</p></body></html>"
    return Response(code, body.encode())


def special_response(path: str, query: str, site_name: str, base_url: str) -> Response | None:
    """The response for a test endpoint, or None when `path` is not one."""
    suffix = f"?{query}" if query else ""
    match = re.fullmatch(r"/redirect/(\d+)(/.*)", path)
    if match:
        hops, rest = int(match.group(1)), match.group(2)
        if not 1 <= hops <= MAX_REDIRECTS:
            return status_page(404)
        if hops == 1:
            return redirect(301, rest + suffix)
        return redirect(302, f"/redirect/{hops - 1}{rest}{suffix}")
    if path in REDIRECT_LOOP:
        return redirect(302, REDIRECT_LOOP[1 - REDIRECT_LOOP.index(path)])
    match = re.fullmatch(r"/status/(\d{3})", path)
    if match and 400 <= int(match.group(1)) <= 599:
        return status_page(int(match.group(1)))
    if path == PDF_PATH:
        data = pdf_bytes()
        return Response(200, data, "application/pdf", etag=strong_etag(data))
    if re.fullmatch(r"/media/images/[a-z0-9-]+\.png", path):
        data = png_bytes(shade=zlib.crc32(path.encode()) % 200 + 30)
        return Response(200, data, "image/png", etag=strong_etag(data))
    if path in CHARSET_PAGES:
        return charset_page(path, site_name, base_url)
    return None
