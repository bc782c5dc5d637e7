"""Exports: JSONL round trip into an empty archive, spreadsheet-safe CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select

from crawler.cli import main
from storage import Archive, CaptureResult, history, open_archive
from storage.export import iter_versions, write_csv, write_jsonl
from storage.importing import InvalidImport, import_versions, parse_jsonl
from storage.models import Article, Version
from storage.search import search

T0 = datetime(2026, 11, 20, 10, 0, 0, 123456, tzinfo=UTC)
TEXT = "Reporters found the document.\nIt runs to forty pages, with “quotes”.\n"
A = "https://news.example/world/story-a"
B = "https://other.example/politics/story-b"
Capture = Callable[..., CaptureResult]


def build(capture: Capture) -> None:
    capture(A, "Story A", TEXT, T0)
    capture(A, "Story A, revised", TEXT + "A later paragraph.\n", T0 + timedelta(hours=2))
    capture(A, "Story A", TEXT, T0 + timedelta(hours=4))  # flip-flop back to v1's content
    capture(B, '=HYPERLINK("http://evil.example")', "+1 for this.\n-2 for that.\n@here", T0)


def snapshot(archive: Archive) -> list[tuple[object, ...]]:
    with archive.read() as s:
        rows = s.execute(
            select(
                Article.url,
                Article.version_count,
                Article.first_seen_at,
                Version.number,
                Version.content_hash,
                Version.captured_at,
                Version.last_confirmed_at,
                Version.title,
                Version.text,
                Version.authors,
                Version.change,
                Version.origin,
                Version.extractor_version,
            )
            .join(Version, Version.article_id == Article.id)
            .order_by(Article.url, Version.number)
        )
        return [tuple(row) for row in rows]


def test_jsonl_round_trip_into_an_empty_archive(
    archive: Archive, capture: Capture, tmp_path: Path, cli: Callable[..., Result]
) -> None:
    build(capture)
    exported = cli("export", "--format", "jsonl", "--output", tmp_path / "all.jsonl")
    assert exported.exit_code == 0, exported.output
    lines = (tmp_path / "all.jsonl").read_text().splitlines()
    assert len(lines) == 4
    first = json.loads(lines[0])
    assert {
        "url",
        "version",
        "captured_at",
        "title",
        "authors",
        "published_at",
        "modified_at",
        "text",
        "content_hash",
        "extractor_version",
        "origin",
        "change",
    } <= set(first)
    assert first["captured_at"] == "2026-11-20T10:00:00.123456+00:00"

    copy_url = f"sqlite:///{tmp_path / 'copy.db'}"
    with open_archive(copy_url) as copy:
        with (tmp_path / "all.jsonl").open() as handle:
            summary = copy.run_write(lambda s: import_versions(s, parse_jsonl(handle)))
        assert (summary.articles_created, summary.versions_imported) == (2, 4)
        assert snapshot(copy) == snapshot(archive)
        with copy.read() as s:
            # History and search work on the restored archive (the search index is filled too).
            assert [v.version for v in history(s, A)] == [1, 2, 3]
            assert [h.url for h in search(s, "forty pages")] == [A]
        # Importing the same file again changes nothing.
        with (tmp_path / "all.jsonl").open() as handle:
            again = copy.run_write(lambda s: import_versions(s, parse_jsonl(handle)))
        assert (again.versions_imported, again.versions_present, again.problems) == (0, 4, [])
        assert snapshot(copy) == snapshot(archive)


def test_cli_import_jsonl_reports_conflicts(
    archive: Archive, capture: Capture, tmp_path: Path, cli: Callable[..., Result]
) -> None:
    build(capture)
    with archive.read() as s:
        records = list(iter_versions(s, site="news.example"))
    assert [r.version for r in records] == [1, 2, 3]
    tampered = [
        replace(records[0], url="https://news.example/new"),
        replace(records[2], url="https://news.example/new"),
    ]
    path = tmp_path / "gap.jsonl"
    with path.open("w") as handle:
        write_jsonl(tampered, handle)
    other = f"sqlite:///{tmp_path / 'other.db'}"
    result = CliRunner().invoke(main, ["--db", other, "import-jsonl", str(path)])
    assert result.exit_code == 1, result.output  # a record was skipped
    assert "imported 1 versions (1 new articles)" in result.stdout
    assert "v3: expected v2 next" in result.stderr


def test_bad_jsonl_line_names_the_line() -> None:
    good = json.dumps(
        {"url": "https://x.example/a", "version": 1, "captured_at": "2026-11-20", "text": "Body."}
    )
    with pytest.raises(InvalidImport, match="line 2: not JSON"):
        list(parse_jsonl([good, "{oops"]))
    with pytest.raises(InvalidImport, match="line 1: missing text"):
        list(parse_jsonl(['{"url": "https://x.example/a", "version": 1, "captured_at": "2026"}']))


def test_csv_is_safe_for_spreadsheets(archive: Archive, capture: Capture) -> None:
    build(capture)
    out = io.StringIO()
    with archive.read() as s:
        assert write_csv(iter_versions(s, site="other.example"), out) == 1
    header, row = list(csv.reader(io.StringIO(out.getvalue())))
    cells = dict(zip(header, row, strict=True))
    assert cells["title"] == '\'=HYPERLINK("http://evil.example")'
    assert cells["text"].startswith("'+1 for this.\n-2 for that.")
    assert cells["authors"] == "Ann Writer"
    assert cells["captured_at"] == "2026-11-20T10:00:00.123456+00:00"
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row)


def test_export_filters_by_capture_time(archive: Archive, capture: Capture) -> None:
    build(capture)
    with archive.read() as s:
        later = list(iter_versions(s, since=T0 + timedelta(hours=1)))
        earlier = list(iter_versions(s, until=T0 + timedelta(hours=1)))
    assert [(v.url, v.version) for v in later] == [(A, 2), (A, 3)]
    assert [(v.url, v.version) for v in earlier] == [(A, 1), (B, 1)]


def test_body_source_is_in_the_jsonl_export_history_json_and_survives_an_import(
    archive: Archive, capture: Capture, tmp_path: Path, cli: Callable[..., Result]
) -> None:
    capture(A, "Story A", TEXT, T0, body_source="rendered")  # the DOM a browser rendered
    capture(A, "Story A, revised", TEXT + "More.\n", T0 + timedelta(hours=1))
    exported = cli("export", "--format", "jsonl", "--output", tmp_path / "all.jsonl")
    assert exported.exit_code == 0, exported.output
    lines = [json.loads(line) for line in (tmp_path / "all.jsonl").read_text().splitlines()]
    assert [line["body_source"] for line in lines] == ["rendered", "html"]

    shown = cli("history", "--json", A)
    assert [v["body_source"] for v in json.loads(shown.stdout)] == ["rendered", "html"]

    copy_url = f"sqlite:///{tmp_path / 'copy.db'}"
    with open_archive(copy_url) as copy:
        with (tmp_path / "all.jsonl").open() as handle:
            copy.run_write(lambda s: import_versions(s, parse_jsonl(handle)))
        with copy.read() as s:
            assert [v.body_source for v in history(s, A)] == ["rendered", "html"]


def test_an_unknown_body_source_is_refused_on_import() -> None:
    record = {"url": A, "version": 1, "text": TEXT, "captured_at": T0.isoformat()}
    with pytest.raises(InvalidImport, match="body_source must be one of"):
        list(parse_jsonl([json.dumps(record | {"body_source": "telepathy"})]))
    kept = list(parse_jsonl([json.dumps(record | {"body_source": None})]))
    assert kept[0].body_source is None
