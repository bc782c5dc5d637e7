"""Site-level boilerplate: learned from the archive, removed before hashing, no version floods."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta

from click.testing import CliRunner
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from crawler.cli import main
from crawler.pipelines.site_boilerplate import SiteBoilerplateCache
from storage import Archive, ArticleContent, FetchedPage, record_capture
from storage.boilerplate import learn_site_boilerplate, site_boilerplate, strip_paragraphs
from storage.models import Version

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
HOST = "news.example"
BANNER = "Sign up for the Morning Brief: the day's news in five minutes."


def page(n: int, at: datetime = T0) -> FetchedPage:
    url = f"https://{HOST}/story/{n}.html"
    return FetchedPage(url, url, at, 200, {"content-type": "text/html"}, b"<html></html>")


def story(n: int, banner: bool = True) -> ArticleContent:
    paragraphs = [f"Paragraph {i} of story number {n}, with words of its own." for i in range(6)]
    if banner:
        paragraphs.insert(3, BANNER)
    return ArticleContent(text="\n".join(paragraphs), title=f"Story {n}")


def archive_stories(archive: Archive, numbers: range, cache: SiteBoilerplateCache | None) -> None:
    def work(session: Session) -> None:
        for n in numbers:
            content = story(n)
            if cache is not None:
                content = cache.apply(session, page(n), content)
            record_capture(session, page(n), content)

    archive.run_write(work)


def test_learns_paragraph_repeated_across_articles(archive: Archive) -> None:
    archive_stories(archive, range(1, 11), None)
    learned = archive.run_write(lambda s: learn_site_boilerplate(s, HOST))
    assert [(p.paragraph, p.article_count, p.articles_examined) for p in learned] == [
        (BANNER, 10, 10)
    ]
    with archive.read() as session:
        assert [p.paragraph for p in site_boilerplate(session, HOST)] == [BANNER]


def test_needs_min_articles_and_share(archive: Archive) -> None:
    archive_stories(archive, range(1, 5), None)  # 4 articles < 5
    assert archive.run_write(lambda s: learn_site_boilerplate(s, HOST)) == []
    # Same versions, a lower threshold: `boilerplate learn` always reads the texts again.
    assert archive.run_write(lambda s: learn_site_boilerplate(s, HOST, min_articles=4)) != []


def test_share_of_recent_articles_counts(archive: Archive) -> None:
    def work(session: Session) -> None:
        for n in range(1, 13):  # the banner in 6 of 12 articles: 50%
            record_capture(session, page(n), story(n, banner=n % 2 == 0))

    archive.run_write(work)
    assert archive.run_write(lambda s: learn_site_boilerplate(s, HOST, min_share=0.6)) == []
    learned = archive.run_write(lambda s: learn_site_boilerplate(s, HOST, min_share=0.5))
    assert [(p.article_count, p.articles_examined) for p in learned] == [(6, 12)]


def test_strip_keeps_text_when_everything_would_go() -> None:
    keys = frozenset({BANNER.casefold()})
    assert strip_paragraphs(f"Real text.\n{BANNER}", keys) == "Real text."
    assert strip_paragraphs(BANNER, keys) == BANNER
    text = "Nothing to remove."
    assert strip_paragraphs(text, keys) is text


def test_new_captures_lose_banner_but_unchanged_articles_make_no_version(
    archive: Archive,
) -> None:
    archive_stories(archive, range(1, 11), None)
    cache = SiteBoilerplateCache(relearn_every=1000)
    # Same ten articles again: the banner is learned now, yet nothing else changed.
    archive_stories(archive, range(1, 11), cache)
    with archive.read() as session:
        assert session.scalar(select(func.count(Version.id))) == 10
    # New articles of the site are archived without the banner.
    archive_stories(archive, range(11, 14), cache)
    with archive.read() as session:
        texts = session.scalars(select(Version.text).order_by(Version.id)).all()
    assert len(texts) == 13
    assert all(BANNER in text for text in texts[:10])
    assert not any(BANNER in text for text in texts[10:])
    assert cache.removed == 3


def test_real_change_drops_banner_with_it(archive: Archive) -> None:
    archive_stories(archive, range(1, 11), None)
    cache = SiteBoilerplateCache()

    def edit(session: Session) -> None:
        edited = story(1)
        edited = ArticleContent(text=edited.text + "\nA correction was appended.", title="Story 1")
        content = cache.apply(session, page(1, T0 + timedelta(hours=1)), edited)
        record_capture(session, page(1, T0 + timedelta(hours=1)), content)

    archive.run_write(edit)
    with archive.read() as session:
        latest = session.scalars(select(Version).order_by(Version.id.desc())).first()
    assert latest is not None
    assert latest.number == 2
    assert BANNER not in latest.text
    assert "A correction was appended." in latest.text


def test_cli_lists_learned_paragraphs(archive: Archive, db_url: str) -> None:
    archive_stories(archive, range(1, 8), None)
    runner = CliRunner()
    empty = runner.invoke(main, ["--db", db_url, "boilerplate", HOST, "--json"])
    assert empty.exit_code == 0
    assert empty.stdout == ""
    learned = runner.invoke(main, ["--db", db_url, "boilerplate", HOST, "--learn", "--json"])
    assert learned.exit_code == 0, learned.output
    rows = [json.loads(line) for line in learned.stdout.splitlines()]
    assert [(r["paragraph"], r["article_count"]) for r in rows] == [(BANNER, 7)]
    shown = runner.invoke(main, ["--db", db_url, "boilerplate", f"https://{HOST}/x"])
    assert shown.exit_code == 0
    assert "7/7" in shown.stdout
    assert BANNER in shown.stdout


def _text_reads(archive: Archive) -> list[str]:
    """Records every statement that reads version texts (how learning reads a site)."""
    reads: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if "versions.text" in statement:
            reads.append(statement)

    event.listen(archive.engine, "before_cursor_execute", seen)
    return reads


def test_a_crawl_relearns_a_site_only_after_a_new_version(archive: Archive) -> None:
    archive_stories(archive, range(1, 11), None)
    learned = archive.run_write(lambda s: learn_site_boilerplate(s, HOST, unless_unchanged=True))
    assert [p.paragraph for p in learned] == [BANNER]
    reads = _text_reads(archive)

    # No version since: the next process (a revisit round) reuses what is stored.
    again = archive.run_write(lambda s: learn_site_boilerplate(s, HOST, unless_unchanged=True))
    assert again == learned
    assert reads == []

    # A new article with a new recurring paragraph: learning reads the texts again.
    second = "Follow our live coverage on the app."

    def more(session: Session) -> None:
        for n in range(11, 31):
            content = story(n)
            text = content.text + "\n" + second
            record_capture(session, page(n), dataclasses.replace(content, text=text))

    archive.run_write(more)
    relearned = archive.run_write(lambda s: learn_site_boilerplate(s, HOST, unless_unchanged=True))
    assert reads, "the site's texts were read again"
    assert {p.paragraph for p in relearned} == {BANNER, second}
