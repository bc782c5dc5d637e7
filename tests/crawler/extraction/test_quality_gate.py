"""Quality gate: extraction F1 on the shared bench must not drop below a pinned floor.

Like trafilatura's tests/eval_gate.py. The bench is read from $NEWSARCHIVE_BENCH_DIR or
<repo>/../shared/extraction-bench; the test is skipped when it is absent.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[3]
BENCH = Path(os.environ.get("NEWSARCHIVE_BENCH_DIR", REPO.parent / "shared" / "extraction-bench"))
# Measured 0.976 (P 0.961, R 0.992); raw trafilatura default is 0.958.
F1_FLOOR = 0.970
# No page may keep less gold recall than raw trafilatura: no tolerance, and no page excepted.
# (Captions stay out of the text; a body paragraph that a caption happens to repeat stays in.)
PAGE_RECALL_TOLERANCE = 1e-9
PAGES_ALLOWED_LESS_RECALL: dict[str, str] = {}  # page id -> the reason; keep it empty


def _benchmark_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "extraction_bench", REPO / "benchmarks" / "extraction.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(
    not (BENCH / "ground-truth.json").is_file(),
    reason=f"no extraction bench at {BENCH} (needs ground-truth.json and html/*.html.gz; "
    "set NEWSARCHIVE_BENCH_DIR)",
)
def test_quality_gate() -> None:
    bench = _benchmark_module()
    pages = bench.load_bench(BENCH)
    ours = bench.evaluate("newsarchive", bench.ours, pages, samples=0)
    raw = bench.evaluate("trafilatura-default", bench.raw_trafilatura, pages, samples=0)
    assert ours.f1 >= F1_FLOOR, f"F1 {ours.f1:.4f} fell below the floor {F1_FLOOR}"
    assert ours.f1 > raw.f1, f"F1 {ours.f1:.4f} is no better than raw trafilatura {raw.f1:.4f}"
    assert ours.empty == 0
    worse = [
        page
        for page in bench.worse_pages(ours, raw, tolerance=PAGE_RECALL_TOLERANCE)
        if page[0] not in PAGES_ALLOWED_LESS_RECALL
    ]
    assert not worse, f"pages with less recall than raw trafilatura: {worse}"
