"""import_warc on damaged real WARCs: whole records stored, the rest listed by offset, no raise."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from crawler.importing import import_warc
from storage import Archive, open_archive
from storage.models import Capture
from tests.storage.test_warc_reading import warc_file

# trafilatura imports urllib3's optional SOCKS support, which warns when PySocks is missing.
pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.DependencyWarning")
WHOLE, OFFSETS = warc_file(4, gzip=True)  # four records, each its own gzip member


@pytest.fixture(scope="module")
def shared_archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    path = tmp_path_factory.mktemp("warc-import") / "archive.db"
    with open_archive(f"sqlite:///{path}") as opened:
        yield opened


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.tuples(st.integers(0, 4000), st.binary(min_size=1, max_size=12)), max_size=3),
    st.integers(0, 4000),
)
def test_a_damaged_warc_imports_its_whole_records(
    shared_archive: Archive, edits: list[tuple[int, bytes]], cut: int
) -> None:
    damaged = bytearray(WHOLE)
    for at, replacement in edits:
        at %= len(damaged)
        damaged[at : at + len(replacement)] = replacement
    damaged = damaged[: max(cut, len(damaged) // 3)]
    with shared_archive.read() as session:
        before = session.scalar(select(func.count()).select_from(Capture)) or 0
    summary = import_warc(shared_archive, io.BytesIO(bytes(damaged)))
    with shared_archive.read() as session:
        after = session.scalar(select(func.count()).select_from(Capture)) or 0
    assert after - before == sum(summary.outcomes.values())
    assert all(0 <= problem.offset < len(damaged) for problem in summary.unreadable)
    whole_untouched = [
        start
        for start, end in zip(OFFSETS, [*OFFSETS[1:], len(WHOLE)], strict=True)
        if end <= len(damaged) and damaged[start:end] == WHOLE[start:end]
    ]
    assert sum(summary.outcomes.values()) + sum(summary.skipped.values()) >= len(whole_untouched)
