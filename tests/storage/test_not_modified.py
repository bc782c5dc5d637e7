"""304 answers recorded in groups: the same record as one by one, for a fraction of the work."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage import Archive, ArticleContent, FetchedPage, history, record_capture
from storage.frontier import schedule_revisit
from storage.models import Capture, FrontierEntry
from storage.not_modified import NotModified, record_not_modified_many

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
TEXT = "CITY, Country — First paragraph of the story.\nSecond paragraph of the story.\n" * 10


def url(n: int) -> str:
    return f"https://news.example/world/2026/11/story-{n}.html"


def fetched(
    n: int, at: datetime, status: int = 200, headers: dict[str, str] | None = None
) -> FetchedPage:
    return FetchedPage(
        requested_url=url(n),
        final_url=url(n),
        fetched_at=at,
        http_status=status,
        headers={"content-type": "text/html", **(headers or {})},
        body=b"<html>story</html>" if status == 200 else b"",
    )


def archived(archive: Archive, count: int) -> list[int]:
    """Archive ``count`` articles (ETag "v1", Last-Modified set); their frontier row ids."""

    def work(session: Session) -> list[int]:
        ids = []
        for n in range(count):
            validators = {"etag": '"v1"', "last-modified": "Fri, 20 Nov 2026 09:00 GMT"}
            page = fetched(n, T0, headers=validators)
            content = ArticleContent(text=TEXT, title=f"Story {n}")
            result = record_capture(session, page, content)
            assert result.article_id is not None
            schedule_revisit(
                session,
                result.article_id,
                now=T0,
                etag='"v1"',
                last_modified="Fri, 20 Nov 2026 09:00 GMT",
            )
            row = session.scalars(
                select(FrontierEntry).where(FrontierEntry.article_id == result.article_id)
            ).one()
            ids.append(row.id)
        return ids

    return archive.run_write(work)


def test_a_group_of_304s_confirms_each_article_and_schedules_its_next_visit(
    archive: Archive,
) -> None:
    ids = archived(archive, 3)
    later = T0 + timedelta(minutes=20)
    answers = [NotModified(fetched(n, later, status=304), ids[n]) for n in range(3)]
    results = archive.run_write(
        lambda s: record_not_modified_many(s, answers, now=later, crawl_run_id=None)
    )
    assert [(r.status, r.version, r.title) for r in results if r] == [
        ("not_modified", 1, f"Story {n}") for n in range(3)
    ]
    with archive.read() as session:
        for n in range(3):
            assert history(session, url(n))[0].last_confirmed_at == later
        outcomes = session.scalars(select(Capture.outcome).order_by(Capture.id)).all()
        assert outcomes == ["new"] * 3 + ["not_modified"] * 3
        rows = session.scalars(select(FrontierEntry).order_by(FrontierEntry.id)).all()
        for row in rows:
            # Under three hours old: every 15 minutes. The 304 sent no validators: kept.
            assert row.next_fetch_at == later + timedelta(minutes=15)
            assert (row.last_outcome, row.lease_owner, row.etag) == ("not_modified", None, '"v1"')
            assert row.last_modified == "Fri, 20 Nov 2026 09:00 GMT"


def test_a_row_another_worker_leased_meanwhile_is_left_to_it(archive: Archive) -> None:
    ids = archived(archive, 2)

    def lease_second(session: Session) -> None:
        row = session.get(FrontierEntry, ids[1])
        assert row is not None
        row.lease_owner, row.lease_expires_at = "worker-b", T0 + timedelta(minutes=5)

    archive.run_write(lease_second)
    later = T0 + timedelta(minutes=20)
    answers = [NotModified(fetched(n, later, status=304), ids[n]) for n in range(2)]
    results = archive.run_write(
        lambda s: record_not_modified_many(s, answers, now=later, owner="worker-a")
    )
    assert results[0] is not None
    assert results[0].status == "not_modified"
    assert results[1] is None
    with archive.read() as session:
        row = session.get(FrontierEntry, ids[1])
        assert row is not None
        assert row.lease_owner == "worker-b"
        assert history(session, url(1))[0].last_confirmed_at == T0


def test_an_unknown_row_is_left_to_the_one_by_one_path(archive: Archive) -> None:
    ids = archived(archive, 1)
    later = T0 + timedelta(minutes=20)
    answers = [
        NotModified(fetched(0, later, status=304), ids[0]),
        NotModified(fetched(7, later, status=304), 999_999),
    ]
    results = archive.run_write(lambda s: record_not_modified_many(s, answers, now=later))
    assert results[0] is not None
    assert results[1] is None


def test_revisit_now_leaves_a_row_another_worker_is_fetching_alone(archive: Archive) -> None:
    from storage.frontier import lease_due, make_revisits_due

    first, second = archived(archive, 2)
    soon = T0 + timedelta(days=30)
    held = archive.run_write(lambda s: lease_due(s, "worker-a", now=soon, limit=1))
    assert [row.id for row in held] == [first]

    made_due = archive.run_write(lambda s: make_revisits_due(s, now=soon))
    assert made_due == [second], "the row being fetched is not handed out a second time"
    with archive.read() as session:
        row = session.get(FrontierEntry, first)
        assert row is not None
        assert row.lease_owner == "worker-a"
    again = archive.run_write(lambda s: lease_due(s, "revisit", now=soon, limit=10))
    assert [row.id for row in again] == [second]
