"""Whole crawls over sitemaps in every form, served from files the tests write on 127.0.0.1."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select

from storage import open_archive
from storage.models import Article, FrontierEntry

from .conftest import Cli

pytestmark = pytest.mark.slow  # whole crawls in subprocesses

NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
ODD_PATHS = ("/page_12.html", "/en/page", "/news/public.html", "/2")


def article_page(title: str) -> bytes:
    """A short page that declares itself a news article (too short to pass on length alone)."""
    return (
        f"<html><head><title>{title}</title>"
        '<meta property="og:type" content="article">'
        f'<script type="application/ld+json">{{"@type": "NewsArticle", "headline": "{title}"}}'
        f"</script></head><body><article><h1>{title}</h1>"
        "<p>CITY — The council met on Tuesday and agreed the budget after a long debate.</p>"
        "<p>Residents said they welcomed the decision, which takes effect next month.</p>"
        "</article></body></html>"
    ).encode()


def _name(path: str) -> str:
    return "_" + path.replace("/", "__")


class Files:
    """A tiny web server of files written by a test; records every path requested."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.requests: list[str] = []
        files = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                files.requests.append(self.path)
                path = files.root / _name(self.path)
                if not path.is_file():
                    self.send_response(404)
                    self.end_headers()
                    return
                body = path.read_bytes()
                xml = path.suffix in (".xml", ".gz", ".txt")
                kind = "application/xml" if xml else "text/html"
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def put(self, path: str, body: bytes) -> None:
        (self.root / _name(path)).write_bytes(body)


@pytest.fixture
def files(tmp_path: Path) -> Iterator[Files]:
    root = tmp_path / "site"
    root.mkdir()
    served = Files(root)
    thread = threading.Thread(target=served.server.serve_forever, daemon=True)
    thread.start()
    yield served
    served.server.shutdown()
    served.server.server_close()


def archived(db_url: str) -> set[str]:
    with open_archive(db_url) as archive, archive.read() as session:
        return set(session.scalars(select(Article.url)))


def kept_because(db_url: str) -> dict[str, str | None]:
    with open_archive(db_url) as archive, archive.read() as session:
        rows = session.execute(select(FrontierEntry.url, FrontierEntry.kept_because))
        return {url: reason for url, reason in rows if reason}


def test_site_crawl_finds_sitemaps_at_the_usual_places_and_the_page_decides(
    cli: Cli, files: Files, db_url: str
) -> None:
    base = files.url
    files.put("/robots.txt", b"User-agent: *\nDisallow:\n")  # names no sitemap
    files.put("/", b"<html><head><title>Front</title></head><body>front</body></html>")
    image_first = "".join(
        f"<url><image:image><image:loc>{base}/img/{i}.jpg</image:loc></image:image>"
        f"<loc>{base}{path}</loc></url>"
        for i, path in enumerate(ODD_PATHS)
    )
    files.put(
        "/sitemap_index.xml",
        f"<sitemapindex {NS}><sitemap><loc>{base}/part.xml.gz</loc></sitemap>"
        "</sitemapindex>".encode(),
    )
    files.put(
        "/part.xml.gz",
        gzip.compress(
            f'<urlset {NS} xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">'
            f"{image_first}<url><loc>http://[::1</loc></url>"
            f"<sitemap><loc>{base}/stray.xml</loc></sitemap></urlset>".encode()
        ),
    )
    files.put("/news-sitemap.xml", f"{base}/text/listed-in-text\n".encode())
    for path in (*ODD_PATHS, "/text/listed-in-text"):
        files.put(path, article_page(f"Story at {path}"))
    files.put("/not-an-article", b"<html><head><title>x</title></head><body>hi</body></html>")
    result = cli("crawl", "--site", base + "/", "--delay", "0", "--json")
    assert result.code == 0, result.stderr
    expected = {base + p for p in (*ODD_PATHS, "/text/listed-in-text")}
    assert archived(db_url) == expected
    # Each was kept because the page declares itself one (JSON-LD before og:type).
    assert kept_because(db_url) == dict.fromkeys(expected, "declared:NewsArticle")
    summary = result.json_lines()[-1]
    assert summary["skipped"]["malformed_url"] == 1
    assert summary["skipped"]["stray_sitemap_element"] == 1
    assert summary["skipped"]["no_sitemap_at_usual_place"] == 2  # /sitemap.xml, -news.xml
    assert "unreadable_sitemap" not in summary["errors"]
    assert files.requests.count("/robots.txt") == 1
    assert not any(r.startswith(("/img/", "/stray")) for r in files.requests)


def test_sitemap_crawl_of_rss_atom_and_text_sitemaps(cli: Cli, files: Files, db_url: str) -> None:
    base = files.url
    files.put(
        "/rss.xml",
        f'<rss version="2.0"><channel><title>t</title><item><title>a</title>'
        f"<link>{base}/en/page</link></item><item><title>b</title><link>http://[::1</link>"
        "</item></channel></rss>".encode(),
    )
    files.put(
        "/atom.xml",
        f'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>x</id><entry>'
        f'<title>c</title><id>1</id><link href="{base}/2"/></entry></feed>'.encode(),
    )
    files.put("/urls.txt", f"{base}/page_12.html\n".encode())
    for path in ("/en/page", "/2", "/page_12.html"):
        files.put(path, article_page(path))
    result = cli(
        "crawl",
        *("--sitemap", base + "/rss.xml", "--sitemap", base + "/atom.xml"),
        *("--sitemap", base + "/urls.txt", "--delay", "0", "--json"),
    )
    assert result.code == 0, result.stderr
    assert archived(db_url) == {base + "/en/page", base + "/2", base + "/page_12.html"}


def test_a_crawl_whose_sitemaps_are_all_unreadable_says_why_and_fails(
    cli: Cli, files: Files
) -> None:
    files.put("/a.xml", b"<!DOCTYPE html><html><body>Soft 404</body></html>")
    result = cli(
        "crawl",
        "--sitemap",
        files.url + "/a.xml",
        "--sitemap",
        files.url + "/gone.xml",
        "--delay",
        "0",
        "--json",
    )
    assert result.code == 1
    lines = result.stderr.splitlines()
    warnings = [line for line in lines if line.startswith("newsarchive: warning: sitemap ")]
    assert len(warnings) == 2, result.stderr + "\n---\n" + str(result.code)
    for url, reason in (
        (f"{files.url}/a.xml", "unreadable"),
        (f"{files.url}/gone.xml", "http_404"),
    ):
        assert any(url in line and reason in line for line in warnings), warnings
    assert any(line.startswith("newsarchive: error: nothing was archived") for line in lines)
    assert result.json_lines()[-1]["errors"] == {"http_404": 1, "unreadable_sitemap": 1}
    assert "unreadable_sitemap" not in result.json_lines()[-1]["skipped"]


def test_a_crawl_whose_pages_are_all_dropped_says_why_and_fails(cli: Cli, files: Files) -> None:
    files.put("/short", b"<html><head><title>x</title></head><body><p>hi</p></body></html>")
    files.put(
        "/front",
        (
            "<html><head><title>Front</title><meta property='og:type' content='website'>"
            "</head><body>" + "<p>Section front with many teasers.</p>" * 80 + "</body></html>"
        ).encode(),
    )
    files.put("/s.txt", f"{files.url}/short\n{files.url}/front\n".encode())
    result = cli("crawl", "--sitemap", files.url + "/s.txt", "--delay", "0")
    assert result.code == 1
    assert (
        "newsarchive: error: 127.0.0.1: no page was archived: 1 dropped as not articles, "
        "1 failed (too_short 1)" in result.stderr.splitlines()
    )
