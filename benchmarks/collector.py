"""The cyclic garbage collector's cost in an extraction worker, with and without the freeze.

Each mode runs in a fresh process, as a worker does: the extractor imported and warmed up,
then (``frozen``) `crawler.collector.spare_the_collector`, then the bench pages extracted
``--passes`` times. Prints CPU milliseconds per page and the collector's share (timed with
`gc.callbacks`), modes alternated ``--rounds`` times.

    python benchmarks/collector.py --rounds 2
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.extraction import DEFAULT_BENCH, require_bench  # noqa: E402
from benchmarks.metadata import DEFAULT_BENCH as DEFAULT_METADATA_BENCH  # noqa: E402
from benchmarks.throughput import bench_pages  # noqa: E402

MODES = ("default", "frozen")


def one_mode(mode: str, bench_dirs: list[Path], passes: int) -> dict[str, float]:
    """Extract every page ``passes`` times in this process; CPU and collector ms per page."""
    from crawler.collector import spare_the_collector
    from crawler.extraction import ExtractionError
    from crawler.extraction.pool import warm_up

    warm_up()
    from crawler.extraction import extract_article

    pages = bench_pages(bench_dirs)
    if mode == "frozen":
        spare_the_collector()
    collecting = [0.0, 0.0]  # seconds spent, start of the current collection

    def timed(phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            collecting[1] = time.process_time()
        else:
            collecting[0] += time.process_time() - collecting[1]

    gc.callbacks.append(timed)
    started = time.process_time()
    for _ in range(passes):
        for _name, html in pages:
            with contextlib.suppress(ExtractionError):
                extract_article(html, "https://www.example.com/news/story.html", "text/html")
    spent = time.process_time() - started
    count = passes * len(pages)
    return {"cpu_ms_per_page": 1000 * spent / count, "gc_ms_per_page": 1000 * collecting[0] / count}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--bench-dir", type=Path, default=DEFAULT_BENCH)
    parser.add_argument("--metadata-bench-dir", type=Path, default=DEFAULT_METADATA_BENCH)
    parser.add_argument("--passes", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2, help="each mode this many times")
    parser.add_argument("--mode", choices=MODES, help=argparse.SUPPRESS)  # one child's run
    args = parser.parse_args(argv)
    require_bench(args.bench_dir)
    bench_dirs = [args.bench_dir]
    if (args.metadata_bench_dir / "html").is_dir():
        bench_dirs.append(args.metadata_bench_dir)
    if args.mode:
        print(json.dumps(one_mode(args.mode, bench_dirs, args.passes)))
        return 0
    for _ in range(args.rounds):
        for mode in MODES:
            child = subprocess.run(
                [sys.executable, __file__, "--mode", mode, "--passes", str(args.passes),
                 "--bench-dir", str(args.bench_dir),
                 "--metadata-bench-dir", str(args.metadata_bench_dir)],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            figures = json.loads(child.stdout)
            print(
                f"{mode:8} {figures['cpu_ms_per_page']:.2f} ms a page,"
                f" collector {figures['gc_ms_per_page']:.2f} ms"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
