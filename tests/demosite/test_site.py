"""The demo news site: pages, edits by round, conditional GET, feeds, charsets, links."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import deque
from urllib.parse import urljoin, urlsplit, urlunsplit

import pytest

from demosite.server import DemoServer, serve_many
from demosite.site import NewsSite
from demosite.special import CHARSET_PAGES, CP1251_PATH, LATIN1_PATH
from tests.demosite.client import NOW, Fetched, fetch, read_page

SEED_TITLE = "2 Belgian ISIS fighters escape from Kurdish prison, officials say"
BANNER = "IE 11 is not supported. For an optimal experience visit our site on another browser."
NS = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
    "atom": "http://www.w3.org/2005/Atom",
}


def json_ld(html: str) -> dict[str, object]:
    start = html.index('<script type="application/ld+json">') + len(
        '<script type="application/ld+json">'
    )
    data = json.loads(html[start : html.index("</script>", start)])
    assert isinstance(data, dict)
    return data


def article(server: DemoServer, path: str) -> Fetched:
    response = fetch(server.url + path)
    assert response.status == 200, path
    return response


def test_seed_article_reads_like_the_real_page(server: DemoServer) -> None:
    site = server.site
    path = site.article_paths()[0]
    html = article(server, path).text
    page = read_page(html)
    assert page.headline == SEED_TITLE == site.expected_title(path)
    assert page.paragraphs[0].startswith("CEYLANPINAR, Turkey — Two Belgian ISIS fighters")
    assert "\n".join(page.paragraphs) == site.expected_text(path)
    assert page.paragraphs[-1].startswith("Erin McLaughlin and Mac William Bishop reported")
    assert "Ahmad Baderkhan / AP" in html
    assert "Ahmad Baderkhan" not in site.expected_text(path)
    assert 'By <a href="/author/saphora-smith/" rel="author">Saphora Smith</a> and' in html
    ld = json_ld(html)
    assert ld["@type"] == "NewsArticle"
    assert ld["headline"] == SEED_TITLE
    assert [a["name"] for a in ld["author"]] == ["Saphora Smith", "Erin McLaughlin"]  # type: ignore[attr-defined]
    assert {"datePublished", "dateModified"} <= ld.keys()
    canonical = server.url + path
    for tag in (
        f'<link rel="canonical" href="{canonical}">',
        f'<meta property="og:url" content="{canonical}">',
        '<meta property="og:type" content="article">',
        '<meta property="og:site_name" content="Example Gazette">',
    ):
        assert tag in html


def test_banner_inside_some_articles_and_outside_others(server: DemoServer) -> None:
    inside, outside = (article(server, p).text for p in server.site.article_paths()[:2])
    assert inside.index(BANNER) > inside.index('<div class="article-body">')
    assert outside.index(BANNER) < outside.index("<article")


def test_generated_articles_have_realistic_shape(server: DemoServer) -> None:
    site = server.site
    for path in site.article_paths()[1:]:
        body = site.article_at(path)
        assert 5 <= len(body.paragraphs) <= 12
        assert " — " in body.paragraphs[0]
        assert path.startswith(f"/news/{body.section}/")
        assert 1 <= len(body.authors) <= 2
        assert NOW.timestamp() - body.published.timestamp() < 31 * 86400
    all_paragraphs = [p for path in site.article_paths() for p in site.article_at(path).body()]
    assert len(all_paragraphs) == len(set(all_paragraphs)), "no paragraph repeats across pages"


def test_site_is_deterministic() -> None:
    one, two = NewsSite(40, seed=3, now=NOW), NewsSite(40, seed=3, now=NOW)
    other = NewsSite(40, seed=4, now=NOW)
    assert one.article_paths() == two.article_paths() != other.article_paths()
    path = one.article_paths()[5]
    assert one.render(path, "http://h", 7).body == two.render(path, "http://h", 7).body


def test_ads_and_nonces_change_on_every_request_but_validators_do_not(server: DemoServer) -> None:
    path = server.site.article_paths()[3]
    first, second = fetch(server.url + path), fetch(server.url + path)
    assert first.body != second.body
    assert read_page(first.text).paragraphs == read_page(second.text).paragraphs
    assert first.headers["ETag"] == second.headers["ETag"]
    assert first.headers["Last-Modified"] == second.headers["Last-Modified"]


@pytest.mark.parametrize("path", ["article", "/rss.xml", "/sitemap-news.xml", "/atom.xml"])
def test_conditional_get_answers_304(server: DemoServer, path: str) -> None:
    if path == "article":
        path = server.site.article_paths()[2]
    url = server.url + path
    first = fetch(url)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert etag
    assert modified
    assert fetch(url, {"If-None-Match": etag}).status == 304
    assert fetch(url, {"If-Modified-Since": modified}).status == 304
    assert fetch(url, {"If-None-Match": '"other"', "If-Modified-Since": modified}).status == 200
    assert fetch(url, {"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}).status == 200
    server.conditional = False
    try:
        assert fetch(url, {"If-None-Match": etag}).status == 200
    finally:
        server.conditional = True


def body_of(server: DemoServer, path: str) -> tuple[str, list[str], object, str | None]:
    response = article(server, path)
    page = read_page(response.text)
    return (
        page.headline,
        page.paragraphs,
        json_ld(response.text)["dateModified"],
        (response.headers["ETag"]),
    )


def test_round_two_edits_exactly_the_documented_articles(fresh_server: DemoServer) -> None:
    site = fresh_server.site
    paths = site.article_paths()
    before = {p: body_of(fresh_server, p) for p in paths}
    site.round = 2
    after = {p: body_of(fresh_server, p) for p in paths}
    changed = {p for p in paths if before[p][:2] != after[p][:2]}
    assert changed == site.edited_in_round(2)
    assert len(changed) == 6
    for path in paths:
        assert after[path][0] == site.expected_title(path, 2)
        assert "\n".join(after[path][1]) == site.expected_text(path, 2)
        assert (before[path][3] != after[path][3]) == (path in changed)
    (stealth,) = site.stealth_edited_in_round(2)
    assert before[stealth][2] == after[stealth][2], "a stealth edit keeps dateModified"
    for path in changed - {stealth}:
        assert before[path][2] != after[path][2]
    seed = paths[0]
    assert after[seed][0] != SEED_TITLE
    assert "at least seven prisoners" in site.expected_text(seed)
    correction = [p for p in paths if any(x.startswith("Correction:") for x in after[p][1])]
    assert len(correction) == 1
    assert sorted(len(after[p][1]) - len(before[p][1]) for p in changed) == [-1, 0, 0, 0, 0, 1]


def test_stealth_edit_is_missed_by_if_modified_since_only(fresh_server: DemoServer) -> None:
    site = fresh_server.site
    (stealth,) = site.stealth_edited_in_round(2)
    first = fetch(fresh_server.url + stealth)
    site.round = 2
    ims = {"If-Modified-Since": first.headers["Last-Modified"]}
    assert fetch(fresh_server.url + stealth, ims).status == 304
    assert fetch(fresh_server.url + stealth, {"If-None-Match": first.headers["ETag"]}).status == 200


def test_control_endpoints_advance_round_and_expose_the_log(fresh_server: DemoServer) -> None:
    url, site = fresh_server.url, fresh_server.site
    fetch(url + "/robots.txt", {"User-Agent": "probe/1"})
    moved = fetch(url + "/_control/round", method="POST", data=b"3")
    assert moved.status == 200
    assert moved.json() == {
        "round": 3,
        "edited": sorted(site.edited_in_round(2) | site.edited_in_round(3)),
    }
    assert site.round == 3
    assert site.edited_in_round(3)
    log = fetch(url + "/_control/requests").json()
    assert isinstance(log, list)
    assert [(r["method"], r["path"], r["status"]) for r in log] == [("GET", "/robots.txt", 200)]
    assert log[0]["headers"]["User-Agent"] == "probe/1"
    assert fresh_server.requests[0].header("user-agent") == "probe/1"
    assert fetch(url + "/_control/round", method="POST", data=b"x").status == 400
    assert fetch(url + "/_control/requests", method="DELETE").status == 200
    assert fresh_server.requests == []


def test_later_rounds_keep_editing_one_article_each() -> None:
    site = NewsSite(30, now=NOW)
    assert site.edited_in_round(1) == set()
    assert len(site.edited_in_round(3)) == 3
    for r in range(4, 9):
        (path,) = site.edited_in_round(r)
        assert site.expected_text(path, r) != site.expected_text(path, r - 1)


def test_robots_txt(server: DemoServer) -> None:
    robots = fetch(server.url + "/robots.txt")
    assert robots.headers["Content-Type"].startswith("text/plain")
    lines = robots.text.splitlines()
    assert "Disallow: /private/" in lines
    assert "Disallow: /_control/" in lines
    assert f"Sitemap: {server.url}/sitemap.xml" in lines


def test_feeds_and_sitemaps_parse(server: DemoServer) -> None:
    url, site = server.url, server.site
    articles = {url + p for p in site.article_paths()}
    rss = ET.fromstring(fetch(url + "/rss.xml").body)
    links = [e.text for e in rss.iter("link")]
    assert rss.tag == "rss"
    assert set(links[1:]) <= articles
    assert len(links) == 21
    atom = ET.fromstring(fetch(url + "/atom.xml").body)
    assert len(atom.findall("atom:entry/atom:updated", NS)) == 20
    feed = fetch(url + "/feed.json").json()
    assert isinstance(feed, dict)
    assert feed["version"].endswith("1.1")
    assert len(feed["items"]) == 20
    index = ET.fromstring(fetch(url + "/sitemap.xml").body)
    children = [e.text or "" for e in index.findall("sm:sitemap/sm:loc", NS)]
    assert children == [url + "/sitemap-articles.xml", url + "/sitemap-pages.xml.gz"]
    urlset = ET.fromstring(fetch(children[0]).body)
    assert {e.text for e in urlset.findall("sm:url/sm:loc", NS)} == articles
    for gz in (children[1], url + "/sitemap-articles.xml.gz"):
        packed = fetch(gz)
        assert packed.headers["Content-Type"] == "application/x-gzip"
        ET.fromstring(gzip.decompress(packed.body))
    news = ET.fromstring(fetch(url + "/sitemap-news.xml").body)
    entries = news.findall("sm:url", NS)
    assert 1 <= len(entries) < len(articles)
    for entry in entries:
        assert entry.find("sm:lastmod", NS) is not None
        assert entry.find("news:news/news:publication_date", NS) is not None
    home = fetch(url + "/").text
    assert '<link rel="alternate" type="application/rss+xml"' in home


@pytest.mark.parametrize(
    ("path", "codec", "marker"),
    [(CP1251_PATH, "cp1251", b"<meta charset"), (LATIN1_PATH, "latin-1", b"http-equiv")],
)
def test_legacy_charset_pages(server: DemoServer, path: str, codec: str, marker: bytes) -> None:
    page = fetch(server.url + path)
    assert page.headers["Content-Type"] == "text/html"
    assert marker in page.body
    with pytest.raises(UnicodeDecodeError):
        page.body.decode("utf-8")
    text = page.body.decode(codec)
    expected = CHARSET_PAGES[path]
    assert expected.title in text
    assert read_page(text).paragraphs == list(expected.paragraphs)


def test_special_endpoints(server: DemoServer) -> None:
    url, site = server.url, server.site
    target = site.article_paths()[4]
    hop = fetch(f"{url}/redirect/3{target}")
    assert (hop.status, hop.headers["Location"]) == (302, f"/redirect/2{target}")
    assert fetch(f"{url}/redirect/1{target}").headers["Location"] == target
    assert fetch(url + "/redirect-loop/a").headers["Location"] == "/redirect-loop/b"
    assert fetch(url + "/redirect-loop/b").headers["Location"] == "/redirect-loop/a"
    assert fetch(url + "/status/404").status == 404
    assert fetch(url + "/status/500").status == 500
    pdf = fetch(url + "/media/file.pdf")
    assert pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.body.startswith(b"%PDF-")
    tracked = fetch(url + site.tracking_url(target))
    assert tracked.status == 200
    assert "utm_source=x&fbclid=y" in site.tracking_url(target)
    assert read_page(tracked.text).paragraphs == read_page(fetch(url + target).text).paragraphs
    amp = fetch(url + site.amp_path(target)).text
    assert f'<link rel="canonical" href="{url}{target}">' in amp


def test_gzip_transfer_encoding(server: DemoServer) -> None:
    url = server.url + server.site.article_paths()[0]
    packed = fetch(url, {"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    unpacked = read_page(gzip.decompress(packed.body).decode())
    assert unpacked.paragraphs == read_page(fetch(url).text).paragraphs


def same_site_links(base: str, page_url: str, html: str) -> set[str]:
    found = set()
    for link in read_page(html).links:
        parts = urlsplit(urljoin(page_url, link))
        if f"{parts.scheme}://{parts.netloc}" != base:
            continue
        query = "&".join(q for q in parts.query.split("&") if q and "sessionid=" not in q)
        found.add(urlunsplit((parts.scheme, parts.netloc, parts.path, query, "")))
    return found


def test_every_linked_url_resolves(server: DemoServer) -> None:
    base = server.url
    seen, queue, broken = {base + "/"}, deque([base + "/"]), []
    calendar_pages = 0
    while queue:
        url = queue.popleft()
        response = fetch(url)
        if response.status != 200:
            broken.append((url, response.status))
            continue
        if "/calendar/" in url:
            calendar_pages += 1
            if calendar_pages > 3:  # the calendar links onward forever
                continue
        if not response.headers["Content-Type"].startswith("text/html"):
            continue
        for link in same_site_links(base, url, response.text) - seen:
            seen.add(link)
            queue.append(link)
    assert broken == []
    paths = {urlsplit(u).path for u in seen}
    assert set(server.site.article_paths()) <= paths
    assert {"/private/", "/world/", "/rss.xml", "/calendar/2024/05/"} <= paths
    assert not any(p.startswith(("/_control", "/redirect", "/status", "/charset")) for p in paths)
    assert any("page=2" in u for u in seen)
    assert "Disallow: /private/" in fetch(base + "/robots.txt").text


def test_calendar_trap_and_pagination(server: DemoServer) -> None:
    url = server.url + "/calendar/2024/05/"
    for _ in range(4):
        html = fetch(url).text
        next_link = html.split('">Next month</a>')[0].rsplit('href="', 1)[1]
        url = server.url + next_link
    assert url.endswith("/calendar/2024/09/")
    assert fetch(server.url + "/world/?page=2").status == 200
    assert fetch(server.url + "/world/?page=99").status == 404
    assert fetch(server.url + "/world").headers["Location"] == "/world/"


def test_serve_many_spreads_articles_over_hosts() -> None:
    site = NewsSite(articles=12, now=NOW)
    with serve_many(site, ["127.0.0.2", "127.0.0.3"]) as group:
        assert len(group.urls) == 2
        assert group.urls[0].startswith("http://127.0.0.2:")
        home = fetch(group.url + "/").text
        hosts = {urlsplit(link).netloc for link in read_page(home).links if "/news/" in link}
        assert hosts == {urlsplit(u).netloc for u in group.urls}
        second = site.article_paths()[1]
        page = fetch(group.urls[1] + second).text
        assert f'<link rel="canonical" href="{group.urls[1]}{second}">' in page
        assert {r.server for r in group.requests} == set(group.urls)
    assert site.hosts == []


def test_command_line_prints_base_url_first() -> None:
    command = [sys.executable, "-m", "demosite.server", "--articles", "5", "--port", "0"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as proc:
        try:
            assert proc.stdout is not None
            base = proc.stdout.readline().decode().strip()
            assert base.startswith("http://127.0.0.1:")
            assert fetch(base + "/robots.txt").status == 200
            moved = fetch(base + "/_control/round", method="POST", data=b'{"round": 2}')
            assert moved.status == 200
            description = fetch(base + "/_control/site").json()
            assert isinstance(description, dict)
            site = NewsSite.from_description(description)
            assert (site.articles, site.round) == (5, 2)
            for path in site.article_paths():
                response = fetch(base + path)
                reader = read_page(response.text)
                assert reader.headline == site.expected_title(path)
                assert "\n".join(reader.paragraphs) == site.expected_text(path)
                modified = json_ld(response.text)["dateModified"]
                assert modified == site.expected_modified(path).isoformat()
        finally:
            proc.terminate()
            assert proc.wait(timeout=10) == 0
