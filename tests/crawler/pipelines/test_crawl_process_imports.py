"""The crawl process hands pages to extraction workers and never loads the extractor itself."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
EXTRACTOR = ("trafilatura", "justext", "htmldate", "courlan")


def loaded_after(statement: str) -> list[str]:
    probe = (
        f"import json, sys\n{statement}\n"
        "roots = {m.split('.')[0] for m in sys.modules}\n"
        f"print(json.dumps(sorted(roots & set({EXTRACTOR!r}))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True
    )
    loaded: list[str] = json.loads(done.stdout)
    return loaded


def test_the_crawl_process_modules_do_not_import_the_extractor() -> None:
    # About 0.12 s of CPU at every crawl's start (docs/performance.md, session 10).
    assert loaded_after("import crawler.runner, crawler.pipelines.archive") == []


def test_the_probe_sees_the_extractor_when_it_is_imported() -> None:
    assert "trafilatura" in loaded_after("from crawler.extraction import extract_article")
