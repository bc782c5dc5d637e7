"""export --format wacz read back by py-wacz's validator, and its index and page list."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

import surt as reference
from click.testing import Result
from hypothesis import given
from hypothesis import strategies as st
from warcio.archiveiterator import ArchiveIterator

from storage import Archive
from storage.surt import surt
from tests.storage.test_warc import URL, Capture, build


def test_a_wacz_export_is_valid_and_lists_the_articles(
    archive: Archive, capture: Capture, cli: Callable[..., Result], tmp_path: Path
) -> None:
    build(archive, capture)
    path = tmp_path / "archive.wacz"
    result = cli("export", "--format", "wacz", "--output", path)
    assert result.exit_code == 0, result.output
    assert "1 pages" in result.stderr
    checked = subprocess.run(
        [str(Path(sys.executable).with_name("wacz")), "validate", "-f", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "the passed WACZ is valid" in checked.stdout
    with zipfile.ZipFile(path) as wacz:
        assert {i.filename: i.compress_type for i in wacz.infolist()}["archive/data.warc.gz"] == 0
        pages = [json.loads(line) for line in wacz.read("pages/pages.jsonl").splitlines()]
        index = wacz.read("indexes/index.cdxj").decode().splitlines()
        warc = wacz.read("archive/data.warc.gz")
    assert pages[0]["format"] == "json-pages-1.0"
    assert [(p["url"], p["title"], p["ts"]) for p in pages[1:]] == [
        (URL, "River floods lower town, hundreds evacuated", "2026-11-20T12:00:00Z")
    ]
    assert index == sorted(index)
    assert len(index) == 4  # two responses, a revisit, the 503
    for line in index:
        key, timestamp, fields = line.split(" ", 2)
        entry = json.loads(fields)
        assert key == surt(URL)
        offset, length = int(entry["offset"]), int(entry["length"])
        record = next(iter(ArchiveIterator(BytesIO(warc[offset : offset + length]))))
        assert (
            record.rec_headers.get_header("WARC-Date")
            .replace("-", "")
            .replace("T", "")
            .replace(":", "")
            .startswith(timestamp)
        )
        assert record.rec_headers.get_header("WARC-Payload-Digest") == entry["digest"]


@given(
    host=st.from_regex(r"(www[0-9]?\.)?[a-z]{1,8}(\.[a-z]{2,5}){1,2}", fullmatch=True),
    port=st.sampled_from(["", ":80", ":8080"]),
    path=st.from_regex(r"(/[A-Za-z0-9._-]{0,8}){0,3}/?", fullmatch=True),
    query=st.from_regex(
        r"(\?[a-z]{1,3}=[a-z0-9]{0,3}(&[a-z]{1,3}=[a-z0-9]{0,3}){0,2})?", fullmatch=True
    ),
)
def test_surt_keys_match_the_surt_package(host: str, port: str, path: str, query: str) -> None:
    url = f"http://{host}{port}{path}{query}"
    assert surt(url) == reference.surt(url)
