"""`newsarchive archive` against a real local news site: versions, errors, charsets, robots."""

from __future__ import annotations

from pathlib import Path

import pytest

from demosite.server import DemoServer
from demosite.special import CHARSET_PAGES, CP1251_PATH, LATIN1_PATH, PDF_PATH

from .conftest import Cli

pytestmark = pytest.mark.slow  # every test here runs whole crawls in subprocesses


def by_url(results: list[dict[str, object]]) -> dict[object, dict[str, object]]:
    return {r["url"]: r for r in results}


def test_archive_then_unchanged_then_edited(cli: Cli, news_site: DemoServer) -> None:
    site = news_site.site
    paths = site.article_paths()
    edited = sorted(site.edited_in_round(2))
    untouched = [p for p in paths if p not in site.edited_in_round(2)][:2]
    urls = [news_site.url + p for p in (*edited, *untouched)]

    first = cli("archive", "--json", *urls)
    assert first.code == 0, first.stderr
    assert [r["status"] for r in first.json_lines()] == ["new"] * len(urls)

    # Archived again, each URL is asked with its stored validators: the site answers 304.
    again = cli("archive", "--json", *urls)
    assert again.code == 0, again.stderr
    assert {r["status"] for r in again.json_lines()} == {"not_modified"}

    site.round = 2
    third = by_url(cli("archive", "--json", *urls).json_lines())
    for path in edited:
        assert third[news_site.url + path]["status"] == "changed"
        assert third[news_site.url + path]["version"] == 2
    for path in untouched:
        assert third[news_site.url + path]["status"] == "not_modified"  # its ETag still matches

    headline_edit = news_site.url + paths[0]  # article 1: headline and a paragraph rewritten
    shown = cli("show", "--json", headline_edit).json_lines()[0]
    assert shown["version"] == 2
    assert shown["title"] == site.expected_title(paths[0], 2)
    assert shown["text"] == site.expected_text(paths[0], 2)

    history = cli("history", "--json", headline_edit).json_lines()[0]
    assert [v["version"] for v in history] == [1, 2]
    assert history[0]["title"] == site.expected_title(paths[0], 1)
    assert "headline" in history[1]["change"]["fields"]

    diff = cli("diff", "--no-color", headline_edit)
    assert diff.code == 0
    assert f"-# {site.expected_title(paths[0], 1)}" in diff.stdout
    assert f"+# {site.expected_title(paths[0], 2)}" in diff.stdout

    only_headline = cli("history", "--json", "--changed-field", "headline", headline_edit)
    assert [v["version"] for v in only_headline.json_lines()[0]] == [2]


def test_archived_text_is_the_article_not_the_page(cli: Cli, news_site: DemoServer) -> None:
    """The seed article: no browser banner, no captions or credits, the dateline keeps its dash."""
    path = news_site.site.article_paths()[0]
    assert cli("archive", news_site.url + path).code == 0
    shown = cli("show", "--json", news_site.url + path).json_lines()[0]
    assert shown["text"] == news_site.site.expected_text(path)
    assert "IE 11 is not supported" not in shown["text"]
    assert shown["text"].startswith("CEYLANPINAR, Turkey — Two Belgian ISIS fighters")
    assert "/ AP" not in shown["text"]
    assert shown["authors"] == list(news_site.site.expected_authors(path))
    assert shown["published_at"] is not None
    assert shown["modified_at"] is not None


def test_errors_are_clear_and_lose_nothing(cli: Cli, news_site: DemoServer) -> None:
    article = news_site.url + news_site.site.article_paths()[1]
    assert cli("archive", article).code == 0
    base = news_site.url
    result = cli(
        "archive",
        "--json",
        f"{base}/status/404",
        f"{base}/status/500",
        f"{base}{PDF_PATH}",
        f"{base}/private/drafts/embargoed-story.html",
        f"{base}/redirect-loop/a",
        "not a url",
    )
    assert result.code == 1
    reasons = {r["url"]: r["error_reason"] for r in result.json_lines()}
    assert reasons == {
        f"{base}/status/404": "http_404",
        f"{base}/status/500": "http_500",
        f"{base}{PDF_PATH}": "not_html",
        f"{base}/private/drafts/embargoed-story.html": "robots_disallowed",
        f"{base}/redirect-loop/a": "redirect_loop",
        "not a url": "invalid_url",
    }
    requested = [r.path for r in news_site.requests]
    assert not any(p.startswith("/private/") for p in requested), "robots.txt was not obeyed"
    assert requested.count("/status/500") == 3, "a 500 is retried twice"
    # What was archived before is still there.
    assert cli("show", "--json", article).json_lines()[0]["version"] == 1


def test_redirects_and_tracking_parameters_lead_to_one_article(
    cli: Cli, news_site: DemoServer
) -> None:
    path = news_site.site.article_paths()[2]
    canonical = news_site.url + path
    results = cli(
        "archive",
        "--json",
        f"{news_site.url}/redirect/3{path}",
        f"{news_site.url}{news_site.site.tracking_url(path)}",
        f"{news_site.url}{news_site.site.amp_path(path)}",
    ).json_lines()
    assert [r["url"] for r in results] == [canonical] * 3
    assert sorted(r["status"] for r in results) == ["new", "unchanged", "unchanged"]
    history = cli("history", "--json", f"{news_site.url}/redirect/3{path}").json_lines()[0]
    assert len(history) == 1


def test_legacy_charsets_declared_only_in_the_page(cli: Cli, news_site: DemoServer) -> None:
    for path in (CP1251_PATH, LATIN1_PATH):
        assert cli("archive", news_site.url + path).code == 0
        shown = cli("show", "--json", news_site.url + path).json_lines()[0]
        page = CHARSET_PAGES[path]
        assert shown["title"] == page.title
        assert shown["text"] == page.text


def test_urls_from_stdin_and_usage_errors(cli: Cli, news_site: DemoServer) -> None:
    urls = [news_site.url + p for p in news_site.site.article_paths()[:2]]
    result = cli("archive", "--json", "-", stdin="\n".join(urls) + "\n")
    assert result.code == 0
    assert len(result.json_lines()) == 2
    missing = cli("show", news_site.url + "/never-archived.html")
    assert missing.code == 1
    assert missing.stderr.strip().startswith("newsarchive: error: no archived article")
    assert "Traceback" not in missing.stderr


def test_a_crawl_that_cannot_start_says_why(
    cli: Cli, news_site: DemoServer, tmp_path: Path
) -> None:
    # A broken install: a dependency the crawl's components need fails to import. Scrapy's own
    # traceback is shown only with -v; without it the user must still be told the cause.
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    (shadow / "zstandard.py").write_text(
        "raise ImportError('zstandard is broken in this install (simulated)')\n"
    )
    url = news_site.url + news_site.site.article_paths()[0]
    broken = cli.env({"PYTHONPATH": str(shadow)})("archive", "--json", url)
    assert broken.code == 1
    assert broken.stdout == ""
    assert "the crawl could not start: ImportError: zstandard is broken" in broken.stderr
    assert "Traceback" not in broken.stderr

    fixed = cli("archive", "--json", url)  # the same archive, once the install is mended
    assert fixed.code == 0, fixed.stderr
    assert [r["status"] for r in fixed.json_lines()] == ["new"]


def test_scrapys_own_lines_show_at_the_level_asked(cli: Cli, news_site: DemoServer) -> None:
    """-v shows Scrapy's INFO lines, -vv its DEBUG lines too; without -v, neither."""
    url = news_site.url + news_site.site.article_paths()[0]
    quiet, info, debug = (cli(*flags, "archive", url) for flags in ((), ("-v",), ("-vv",)))
    assert [quiet.code, info.code, debug.code] == [0, 0, 0], debug.stderr
    assert "Spider opened" not in quiet.stderr
    assert "Spider opened" in info.stderr
    assert "Crawled (" not in info.stderr
    assert f"<GET {url}>" in debug.stderr  # "Crawled (304) <GET ...>": archived before
