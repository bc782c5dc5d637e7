"""The compressed-stream check behind `truncated_body`: whole streams pass, cut ones never do."""

from __future__ import annotations

import gzip
import zlib

from hypothesis import given
from hypothesis import strategies as st

from crawler.middlewares.truncation import compressed_stream_ended

LIMIT = 20 * 1024 * 1024


@given(st.binary(min_size=1, max_size=5000), st.sampled_from(["gzip", "deflate"]), st.data())
def test_a_stream_is_whole_exactly_when_nothing_was_cut(
    payload: bytes, encoding: str, data: st.DataObject
) -> None:
    body = gzip.compress(payload) if encoding == "gzip" else zlib.compress(payload)
    assert compressed_stream_ended(body, encoding, LIMIT) is True
    cut = data.draw(st.integers(min_value=1, max_value=len(body) - 1))
    assert compressed_stream_ended(body[:cut], encoding, LIMIT) is not True


def test_raw_deflate_is_understood_too() -> None:
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    body = packer.compress(b"<p>raw deflate</p>" * 100) + packer.flush()
    assert compressed_stream_ended(body, "deflate", LIMIT) is True
    assert compressed_stream_ended(body[: len(body) // 2], "deflate", LIMIT) is False


@given(st.binary(max_size=3000), st.sampled_from(["gzip", "deflate", "br", "x-gzip", ""]))
def test_any_bytes_give_an_answer_never_an_exception(body: bytes, encoding: str) -> None:
    assert compressed_stream_ended(body, encoding, LIMIT) in (True, False, None)


def test_a_bomb_is_not_unpacked_past_the_limit() -> None:
    bomb = gzip.compress(b" " * (8 * 1024 * 1024))
    assert compressed_stream_ended(bomb, "gzip", 1024 * 1024) is None
