"""A WARC read whatever it holds: each whole page, or the offset of what is broken and why."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from storage.warc import WarcPage, iter_warc_pages
from storage.warc_reading import UnreadableRecord, warc_records


def warc_file(count: int = 3, *, gzip: bool) -> tuple[bytes, list[int]]:
    """A real WARC of ``count`` HTML responses written by warcio, and each record's offset."""
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=gzip)
    offsets = []
    for number in range(count):
        body = f"<html><body><p>Story {number}: {'words ' * 40}</p></body></html>".encode()
        fields = [("Content-Type", "text/html"), ("Content-Length", str(len(body)))]
        head = StatusAndHeaders("200 OK", fields, protocol="HTTP/1.1")
        offsets.append(buffer.tell())
        writer.write_record(
            writer.create_warc_record(
                f"https://news.example/{number}",
                "response",
                payload=io.BytesIO(body),
                length=len(body),
                http_headers=head,
            )
        )
    return buffer.getvalue(), offsets


def read(data: bytes) -> tuple[list[str], list[UnreadableRecord]]:
    pages: list[str] = []
    unreadable: list[UnreadableRecord] = []
    for item in iter_warc_pages(io.BytesIO(data)):
        if isinstance(item, WarcPage):
            pages.append(item.page.final_url or "")
        else:
            unreadable.append(item)
    return pages, unreadable


ALL = [f"https://news.example/{n}" for n in range(3)]


def test_a_whole_file_gives_every_page() -> None:
    for gzip in (False, True):
        data, _ = warc_file(gzip=gzip)
        assert read(data) == (ALL, [])


def test_a_truncated_warc_gz_gives_what_is_whole_and_the_cut_members_offset() -> None:
    data, offsets = warc_file(gzip=True)
    pages, unreadable = read(data[: offsets[2] + 40])
    assert pages == ALL[:2]
    assert [(u.offset, "cut short" in u.reason) for u in unreadable] == [(offsets[2], True)]


def test_an_absurd_content_length_is_reported_and_the_next_records_read() -> None:
    data, _ = warc_file(gzip=False)
    first_length = data.index(b"Content-Length: ")
    broken = data[:first_length] + b"Content-Length: 99999999999" + data[first_length + 16 :]
    pages, unreadable = read(broken)
    assert pages == ALL[1:]
    [problem] = unreadable
    assert problem.offset == 0
    assert "Content-Length 99999999999" in problem.reason
    assert "past the end of the file" in problem.reason


def test_a_broken_record_in_the_middle_is_skipped_with_its_offset() -> None:
    for gzip in (False, True):
        data, offsets = warc_file(gzip=gzip)
        middle = offsets[1] + 20
        broken = data[:middle] + b"\x00garbage\x00" * 4 + data[middle + 30 :]
        pages, unreadable = read(broken)
        assert pages == [ALL[0], ALL[2]], gzip
        assert [u.offset for u in unreadable] == [offsets[1]], gzip


def test_garbage_is_one_problem_at_offset_0() -> None:
    assert read(b"hello, this is not a WARC file\n" * 50) == (
        [],
        [UnreadableRecord(0, "not a WARC record (no WARC/1.x line)")],
    )
    assert read(b"") == ([], [])


def test_a_record_with_an_invalid_uri_or_date_is_refused_with_its_offset() -> None:
    data, offsets = warc_file(gzip=False)
    broken = data.replace(b"https://news.example/1", b"https://news.example:99999/1", 1)
    broken = broken.replace(b"WARC-Date: ", b"WARC-Date: x", 1)  # the first record's date
    pages, unreadable = read(broken)
    assert pages == [ALL[2]]
    assert [u.offset for u in unreadable] == [0, offsets[1] + 1]
    assert "WARC-Date" in unreadable[0].reason
    assert "WARC-Target-URI" in unreadable[1].reason


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=3000))
def test_any_bytes_give_pages_or_offsets_never_an_exception(data: bytes) -> None:
    _, unreadable = read(data)
    assert all(0 <= u.offset < len(data) for u in unreadable)


WHOLE = {gzip: warc_file(gzip=gzip) for gzip in (False, True)}


@settings(max_examples=300, deadline=None)
@given(
    st.booleans(),
    st.lists(st.tuples(st.integers(0, 4000), st.binary(max_size=20)), max_size=4),
    st.integers(0, 4000),
)
def test_a_damaged_real_warc_gives_pages_or_offsets(
    gzip: bool, edits: list[tuple[int, bytes]], cut: int
) -> None:
    """Bytes overwritten here and there and the end cut: the whole records still come through."""
    data, _ = WHOLE[gzip]
    damaged = bytearray(data)
    for at, replacement in edits:
        at %= len(damaged) or 1
        damaged[at : at + len(replacement)] = replacement
    damaged = damaged[: max(cut, len(damaged) // 2)]
    pages, unreadable = read(bytes(damaged))
    assert all(page.startswith("https://") for page in pages)  # a changed byte may stay valid
    assert len(pages) + len(unreadable) >= 1
    records = list(warc_records(io.BytesIO(bytes(damaged))))
    assert all(0 <= r.offset < len(damaged) for r in records)


def test_a_warc_gz_with_a_damaged_start_goes_on_at_the_next_gzip_member() -> None:
    data, _ = warc_file(gzip=True)
    pages, unreadable = read(b"\x00" + data[1:])
    assert pages == ALL[1:]
    assert [u.offset for u in unreadable] == [0]


def rendered_file(refers: list[int | None]) -> tuple[bytes, list[bytes]]:
    """Responses, each followed by a conversion referring to the response ``refers[n]`` (None:
    no conversion); returns the file and each response's body."""
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=False)
    ids: list[str] = []
    bodies: list[bytes] = []
    for number, refer in enumerate(refers):
        body = f"<html><body><div id='root'></div>{number}</body></html>".encode()
        head = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        response = writer.create_warc_record(
            f"https://news.example/{number}",
            "response",
            payload=io.BytesIO(body),
            length=len(body),
            http_headers=head,
        )
        ids.append(response.rec_headers.get_header("WARC-Record-ID"))
        bodies.append(body)
        writer.write_record(response)
        if refer is not None:
            dom = f"<html><body><p>Rendered {number}</p></body></html>".encode()
            fields = {"WARC-Refers-To": ids[min(refer, number)]}
            conversion = writer.create_warc_record(
                f"https://news.example/{number}",
                "conversion",
                payload=io.BytesIO(dom),
                length=len(dom),
                warc_content_type="text/html",
                warc_headers_dict=fields,
            )
            writer.write_record(conversion)
    return buffer.getvalue(), bodies


def test_a_conversion_after_its_response_is_the_rendered_page() -> None:
    data, bodies = rendered_file([0, None, 0])  # the third refers to the first: not its own
    pages = [item for item in iter_warc_pages(io.BytesIO(data)) if isinstance(item, WarcPage)]
    assert [p.rendered for p in pages] == [True, False, False]
    assert pages[0].page.body == b"<html><body><p>Rendered 0</p></body></html>"
    assert pages[0].page.server_body == bodies[0]
    assert [p.page.body for p in pages[1:]] == bodies[1:]
    assert [p.page.server_body for p in pages[1:]] == [None, None]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(0, 5)), max_size=6))
def test_conversions_anywhere_leave_every_response_once_in_order(refers: list[int | None]) -> None:
    data, _ = rendered_file(refers)
    pages, unreadable = read(data)
    assert (pages, unreadable) == ([f"https://news.example/{n}" for n in range(len(refers))], [])
