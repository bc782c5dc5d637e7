"""Finishing an archived article's frontier row: the validators a conditional request sends next."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from storage import Archive, ArticleContent, FetchedPage, record_capture, record_not_modified
from storage.frontier import FrontierURL, add_to_frontier, lease_due, schedule_revisit
from storage.models import FrontierEntry
from storage.not_modified import NotModified, record_not_modified_many

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
LATER = T0 + timedelta(minutes=20)
URL = "https://news.example/world/2026/11/validators.html"
TEXT = "CITY, Country — First paragraph of the story.\nSecond paragraph of the story.\n" * 10
STORED = ('"v1"', "Fri, 20 Nov 2026 09:00 GMT")


def page(at: datetime, status: int, **headers: str) -> FetchedPage:
    return FetchedPage(URL, URL, at, status, {"content-type": "text/html", **headers})


def archived(archive: Archive) -> int:
    """One article fetched with an ETag and a Last-Modified; its frontier row id."""

    def work(session: Session) -> int:
        first = page(T0, 200, etag=STORED[0], **{"last-modified": STORED[1]})
        result = record_capture(session, first, ArticleContent(text=TEXT, title="Story"))
        assert result.article_id is not None
        schedule_revisit(
            session, result.article_id, now=T0, etag=STORED[0], last_modified=STORED[1]
        )
        return session.scalars(select(FrontierEntry.id)).one()

    return archive.run_write(work)


def validators(archive: Archive, entry_id: int) -> tuple[str | None, str | None]:
    with archive.read() as session:
        row = session.get(FrontierEntry, entry_id)
        assert row is not None
        return row.etag, row.last_modified


@pytest.mark.parametrize("owner", [None, "worker-a"])
def test_a_304_without_validators_keeps_the_stored_ones(
    archive: Archive, owner: str | None
) -> None:
    entry_id = archived(archive)

    def answer(session: Session) -> None:
        result = record_not_modified(session, page(LATER, 304))
        assert result.article_id is not None
        schedule_revisit(
            session,
            result.article_id,
            now=LATER,
            frontier_id=entry_id,
            outcome="not_modified",
            owner=owner,
        )

    archive.run_write(answer)
    assert validators(archive, entry_id) == STORED


def test_a_304_with_a_new_etag_replaces_only_the_etag(archive: Archive) -> None:
    entry_id = archived(archive)

    def answer(session: Session) -> None:
        result = record_not_modified(session, page(LATER, 304, etag='"v2"'))
        assert result.article_id is not None
        schedule_revisit(
            session,
            result.article_id,
            now=LATER,
            etag='"v2"',
            frontier_id=entry_id,
            outcome="not_modified",
        )

    archive.run_write(answer)
    assert validators(archive, entry_id) == ('"v2"', STORED[1])


def test_a_batch_of_304s_and_one_304_leave_the_same_validators(archive: Archive) -> None:
    entry_id = archived(archive)
    answers = [NotModified(page(LATER, 304, etag='"v2"'), entry_id)]
    archive.run_write(lambda s: record_not_modified_many(s, answers, now=LATER))
    assert validators(archive, entry_id) == ('"v2"', STORED[1])


def test_a_full_answer_without_validators_leaves_none(archive: Archive) -> None:
    """A 200 is a new representation: the old one's ETag does not describe it."""
    entry_id = archived(archive)

    def refetch(session: Session) -> None:
        result = record_capture(session, page(LATER, 200), ArticleContent(text=TEXT, title="Story"))
        assert result.article_id is not None
        schedule_revisit(
            session, result.article_id, now=LATER, frontier_id=entry_id, outcome=result.status
        )

    archive.run_write(refetch)
    assert validators(archive, entry_id) == (None, None)


def test_one_off_archiving_creates_the_row_with_its_schedule(archive: Archive) -> None:
    entry_id = archived(archive)
    with archive.read() as session:
        row = session.get(FrontierEntry, entry_id)
        assert row is not None
        assert (row.kind, row.last_outcome, row.lease_owner) == ("article", "archived", None)
        assert row.next_fetch_at == T0 + timedelta(minutes=15)


def row_columns(archive: Archive, entry_id: int) -> dict[str, object]:
    with archive.read() as session:
        row = session.get(FrontierEntry, entry_id)
        assert row is not None
        return {column.key: getattr(row, column.key) for column in FrontierEntry.__table__.columns}


def test_a_one_off_archive_makes_its_row_as_finishing_it_would_leave_it(archive: Archive) -> None:
    entry_id = archived(archive)  # no frontier row before: made in one statement
    made = row_columns(archive, entry_id)
    assert (made["kind"], made["source"]) == ("article", "archive")
    assert made["host"] == made["scope"] == "news.example"
    assert (made["etag"], made["last_modified"]) == STORED
    assert (made["last_fetched_at"], made["last_outcome"]) == (T0, "archived")
    next_fetch_at = made["next_fetch_at"]
    assert isinstance(next_fetch_at, datetime)
    assert next_fetch_at > T0

    def again(session: Session) -> None:  # the row exists now: finished by the UPDATE
        article_id = made["article_id"]
        assert isinstance(article_id, int)
        schedule_revisit(session, article_id, now=T0, etag=STORED[0], last_modified=STORED[1])

    archive.run_write(again)
    assert row_columns(archive, entry_id) == made


PUBLISHED = datetime(2026, 11, 19, 8, 30, tzinfo=UTC)
# What tells two article rows apart whatever the path: which row and which article.
IDENTITY = ("id", "url", "url_hash", "article_id")


@pytest.mark.parametrize(
    ("outcome", "validators"),
    [("archived", STORED), ("not_modified", STORED), ("not_modified", (None, None))],
)
def test_a_row_made_new_and_a_leased_row_finished_carry_the_same_values(
    archive: Archive, outcome: str, validators: tuple[str | None, str | None]
) -> None:
    """One-off archiving inserts its row; a crawl's leased row is finished by the UPDATE."""
    made_url = "https://news.example/world/2026/11/made.html"
    leased_url = "https://news.example/world/2026/11/leased.html"
    etag, last_modified = validators
    content = ArticleContent(text=TEXT, title="Story", published_at=PUBLISHED)

    def capture(session: Session, url: str) -> int:
        fetched = FetchedPage(url, url, T0, 200, {"content-type": "text/html"})
        article_id = record_capture(session, fetched, content).article_id
        assert article_id is not None
        return article_id

    def queue(session: Session) -> int:
        add_to_frontier(
            session, [FrontierURL(leased_url, "article", "archive")], now=T0, scope="news.example"
        )
        [leased] = lease_due(session, "worker-a", now=T0, limit=1)
        return leased.id

    def finish(session: Session, leased_id: int) -> tuple[int, int]:
        made = capture(session, made_url)
        leased = capture(session, leased_url)
        for article_id, frontier_id in ((made, None), (leased, leased_id)):
            schedule_revisit(
                session,
                article_id,
                now=T0,
                etag=etag,
                last_modified=last_modified,
                frontier_id=frontier_id,
                outcome=outcome,
                owner=None if frontier_id is None else "worker-a",
            )
        return made, leased

    leased_id = archive.run_write(queue)
    assert row_columns(archive, leased_id)["lease_owner"] == "worker-a"
    archive.run_write(lambda session: finish(session, leased_id))
    with archive.read() as session:
        [made_id] = session.scalars(
            select(FrontierEntry.id).where(FrontierEntry.id != leased_id)
        ).all()
    made, finished = row_columns(archive, made_id), row_columns(archive, leased_id)
    assert made["published_at"] == PUBLISHED  # the values compared are the ones written
    assert (made["etag"], made["last_modified"], made["last_outcome"]) == (*validators, outcome)
    assert {k: v for k, v in made.items() if k not in IDENTITY} == {
        k: v for k, v in finished.items() if k not in IDENTITY
    }


@pytest.mark.parametrize("given", [None, 1])
def test_without_the_latest_versions_date_the_stored_one_is_read(
    archive: Archive, given: int | None
) -> None:
    """No version named, or an older one: the latest version's own date counts.

    (That a date given with the latest version is not read again: test_store_rows.py.)
    """
    changed = PUBLISHED + timedelta(hours=5)

    def work(session: Session) -> None:
        first = ArticleContent(text=TEXT, title="Story", published_at=PUBLISHED)
        record_capture(session, page(T0, 200), first)
        second = ArticleContent(
            text=TEXT + "A new paragraph.\n", title="Story", published_at=changed
        )
        result = record_capture(session, page(LATER, 200), second)
        assert (result.status, result.version) == ("changed", 2)
        assert result.article_id is not None
        schedule_revisit(
            session, result.article_id, now=LATER, version=given, published_at=PUBLISHED
        )

    archive.run_write(work)
    with archive.read() as session:
        assert session.scalars(select(FrontierEntry.published_at)).one() == changed


def test_scheduling_a_revisit_right_after_its_capture_does_not_read_the_article_again(
    archive: Archive,
) -> None:
    """The writer records a capture and schedules its revisit in one transaction, per page."""
    statements: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(" ".join(statement.split()))

    def work(session: Session) -> None:
        for number in range(3):  # the previous pages' articles are no longer referenced
            url = f"https://news.example/world/2026/11/story-{number}.html"
            fetched = FetchedPage(url, url, T0, 200, {"content-type": "text/html"})
            result = record_capture(session, fetched, ArticleContent(text=TEXT, title="Story"))
            assert result.article_id is not None
            statements.clear()
            schedule_revisit(session, result.article_id, now=T0)
            assert not [s for s in statements if s.startswith("SELECT articles.")]

    event.listen(archive.engine, "before_cursor_execute", note)
    try:
        archive.run_write(work)
    finally:
        event.remove(archive.engine, "before_cursor_execute", note)
    with archive.read() as session:
        assert len(session.scalars(select(FrontierEntry.next_fetch_at)).all()) == 3
