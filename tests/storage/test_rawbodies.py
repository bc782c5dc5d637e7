"""Raw bodies: stored compressed once per content, read back byte for byte, old rows included."""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select

from storage import Archive, ArticleContent, FetchedPage, record_capture
from storage.models import RawBody
from storage.rawbodies import (
    compress_raw_body,
    decompress_raw_body,
    load_raw_body,
    store_raw_body,
)
from storage.timeutil import utcnow

PAGE = (
    b"<html><body>"
    + "<p>Résumé of the day’s news, again and again.</p>".encode() * 400
    + b"</body></html>"
)
URL = "https://news.example/2026/11/stored-body.html"
T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
TEXT = "CITY, Country — First paragraph of the story.\nSecond paragraph of the story.\n" * 10


def test_a_body_is_stored_once_compressed_and_read_back_exactly(archive: Archive) -> None:
    digest = archive.run_write(lambda s: store_raw_body(s, PAGE))
    again = archive.run_write(lambda s: store_raw_body(s, PAGE))
    assert again == digest
    with archive.read() as session:
        rows = session.scalars(select(RawBody)).all()
        assert len(rows) == 1
        assert rows[0].compression == "zstd"
        assert len(rows[0].data) < len(PAGE) / 4
        assert load_raw_body(session, digest) == PAGE


def test_rows_written_with_zlib_before_zstd_are_still_read(archive: Archive) -> None:
    """Archives made before the switch keep their zlib rows; every reader must decode them."""
    old = b"<html><body><p>An article archived last year.</p></body></html>"
    row = {
        "sha256": "0" * 64,
        "size": len(old),
        "compression": "zlib",
        "data": zlib.compress(old, 3),
        "stored_at": utcnow(),
    }
    archive.run_write(lambda s: s.execute(insert(RawBody), [row]))
    with archive.read() as session:
        assert load_raw_body(session, "0" * 64) == old
        assert load_raw_body(session, "f" * 64) is None


@settings(max_examples=200)
@given(st.binary(max_size=4096))
def test_any_bytes_round_trip(body: bytes) -> None:
    assert decompress_raw_body("zstd", compress_raw_body(body)) == body
    assert decompress_raw_body("zlib", zlib.compress(body)) == body
    assert decompress_raw_body("identity", body) == body


def test_a_page_made_from_another_with_a_new_body_is_stored_under_its_own_digest(
    archive: Archive,
) -> None:
    """A fetched page's body is hashed once; a copy with another body must not reuse that hash."""
    fetched = FetchedPage(URL, URL, T0, 200, {"content-type": "text/html"}, PAGE)
    fetched.note_body_sha256(hashlib.sha256(PAGE).hexdigest())  # as the crawler does
    rendered = replace(fetched, body=PAGE.replace(b"again", b"anew"))
    for number, page in enumerate((fetched, rendered)):  # a new version each: bodies kept
        content = ArticleContent(text=f"{TEXT}Update {number}.", title="T")
        archive.run_write(partial(record_capture, page=page, content=content))
    with archive.read() as session:
        rows = session.scalars(select(RawBody)).all()
        assert {row.sha256 for row in rows} == {
            hashlib.sha256(page.body or b"").hexdigest() for page in (fetched, rendered)
        }
        for row in rows:
            assert (
                hashlib.sha256(load_raw_body(session, row.sha256) or b"").hexdigest() == row.sha256
            )
