"""The sites file's `archives` key (crawler/sites.py): read for `backfill --site`, validated."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.sites import SiteConfigError, load_sites

SITE = '[[site]]\nname = "news"\nstart_urls = ["https://news.example/"]\n'


def test_archives_are_read(tmp_path: Path) -> None:
    path = tmp_path / "sites.toml"
    path.write_text(SITE + 'archives = ["wayback", "https://arch.example/coll/cdx"]\n')
    (site,) = load_sites(path)
    assert site.archives == ("wayback", "https://arch.example/coll/cdx")


@pytest.mark.parametrize("value", ['["ftp://x"]', '"wayback"', "[1]", '["not a url"]'])
def test_a_bad_archive_names_the_file_line_and_key(tmp_path: Path, value: str) -> None:
    path = tmp_path / "sites.toml"
    path.write_text(SITE + f"archives = {value}\n")
    with pytest.raises(SiteConfigError, match=rf"^{path}:4: key 'archives': "):
        load_sites(path)
