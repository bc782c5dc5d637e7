"""Extraction benchmark: our extractor vs raw trafilatura on the shared article-body bench.

Run: python benchmarks/extraction.py [--bench-dir ../shared/extraction-bench] [--json]
     [--cleanup-ablation] [--cross-validate]
--cross-validate splits the bench by page into two fixed halves, tunes the paragraph vote on
one and reports the other, both ways, next to every single extractor (benchmarks/extraction_cv.py).
CPU ms per page: "newsarchive-vote" is the pipeline with the paragraph vote (off in the product,
measured here), so the CPU ratio printed is vote/product in the same run.
Metric as in the bench README: 4-token shingles of \\w+ tokens, P averaged over non-empty
predictions, R over all pages, F1 = 2PR/(P+R); ± is a bootstrap standard deviation over pages.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import trafilatura

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from crawler.extraction import ExtractionError, extract_article, parse_html  # noqa: E402
from crawler.extraction.body import extract_body  # noqa: E402
from crawler.extraction.candidates import summary_text  # noqa: E402
from crawler.extraction.ensemble import DEFAULT_RULE  # noqa: E402
from crawler.extraction.metadata import extract_metadata  # noqa: E402

DEFAULT_BENCH = Path(
    os.environ.get("NEWSARCHIVE_BENCH_DIR", REPO.parent / "shared" / "extraction-bench")
)


def require_bench(bench_dir: Path) -> None:
    """Stop with one line naming the data needed and where it was looked for, when absent."""
    if not (bench_dir / "ground-truth.json").is_file():
        sys.exit(
            f"{Path(sys.argv[0]).name}: no extraction-bench at {bench_dir}: it needs "
            "ground-truth.json "
            "and html/<key>.html.gz (the shared bench, kept outside the repository); pass "
            "--bench-dir DIR or set NEWSARCHIVE_BENCH_DIR"
        )


_TOKEN = re.compile(r"\w+")

Extractor = Callable[[bytes, str], str]


@dataclass(frozen=True)
class Page:
    """One bench page: id, URL, raw HTML bytes and the gold article text."""

    page_id: str
    url: str
    html: bytes
    gold: str


@dataclass
class Score:
    """Corpus scores of one extractor."""

    name: str
    f1: float
    f1_std: float
    precision: float
    recall: float
    pages_per_s: float
    pages_per_cpu_s: float
    cpu_ms_mean: float
    cpu_ms_median: float
    empty: int
    page_recall: dict[str, float]
    page_precision: dict[str, float | None]


def load_bench(bench_dir: Path) -> list[Page]:
    """Read ground-truth.json and the gzipped pages."""
    require_bench(bench_dir)
    truth = json.loads((bench_dir / "ground-truth.json").read_text(encoding="utf-8"))
    return [
        Page(
            key,
            item["url"],
            gzip.decompress((bench_dir / "html" / f"{key}.html.gz").read_bytes()),
            item["articleBody"],
        )
        for key, item in sorted(truth.items())
    ]


def shingles(text: str) -> Counter[tuple[str, ...]]:
    """Multiset of 4-token shingles; 1-3 tokens make one shingle, no tokens none."""
    tokens = _TOKEN.findall(text)
    if not tokens:
        return Counter()
    if len(tokens) < 4:
        return Counter([tuple(tokens)])
    return Counter(tuple(tokens[i : i + 4]) for i in range(len(tokens) - 3))


def page_scores(gold: str, predicted: str) -> tuple[float | None, float]:
    """(precision or None for an empty prediction, recall) of one page."""
    gold_set, predicted_set = shingles(gold), shingles(predicted)
    tp = sum((gold_set & predicted_set).values())
    precision = tp / sum(predicted_set.values()) if predicted_set else None
    recall = tp / sum(gold_set.values()) if gold_set else 0.0
    return precision, recall


def corpus_f1(precisions: list[float | None], recalls: list[float]) -> tuple[float, float, float]:
    """(F1, P, R) from per-page scores."""
    kept = [p for p in precisions if p is not None]
    precision = sum(kept) / len(kept) if kept else 0.0
    recall = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return f1, precision, recall


def evaluate(name: str, extractor: Extractor, pages: list[Page], samples: int = 1000) -> Score:
    """Run ``extractor`` over ``pages`` and score it.

    One page is extracted first, untimed (lazy imports, first-call setup), so that the order
    of the runs does not bias their CPU per page.
    """
    if pages:
        extractor(pages[0].html, pages[0].url)
    outputs: dict[str, str] = {}
    elapsed = 0.0
    cpu_ms: list[float] = []
    for page in pages:
        start, start_cpu = time.perf_counter(), time.process_time()
        outputs[page.page_id] = extractor(page.html, page.url)
        elapsed += time.perf_counter() - start
        cpu_ms.append((time.process_time() - start_cpu) * 1000)
    cpu = sum(cpu_ms) / 1000
    per_page = {page.page_id: page_scores(page.gold, outputs[page.page_id]) for page in pages}
    precisions = [per_page[p.page_id][0] for p in pages]
    recalls = [per_page[p.page_id][1] for p in pages]
    f1, precision, recall = corpus_f1(precisions, recalls)
    rng = random.Random(0)
    boot = []
    for _ in range(samples):
        picks = [rng.randrange(len(pages)) for _ in pages]
        boot.append(corpus_f1([precisions[i] for i in picks], [recalls[i] for i in picks])[0])
    mean = sum(boot) / len(boot) if boot else f1
    std = (sum((x - mean) ** 2 for x in boot) / (len(boot) - 1)) ** 0.5 if len(boot) > 1 else 0.0
    return Score(
        name,
        f1,
        std,
        precision,
        recall,
        len(pages) / elapsed if elapsed else 0.0,
        len(pages) / cpu if cpu else 0.0,
        statistics.mean(cpu_ms) if cpu_ms else 0.0,
        statistics.median(cpu_ms) if cpu_ms else 0.0,
        sum(1 for text in outputs.values() if not _TOKEN.search(text)),
        {key: value[1] for key, value in per_page.items()},
        {key: value[0] for key, value in per_page.items()},
    )


def ours(html: bytes, url: str) -> str:
    """newsarchive's extractor (empty string for a typed error, as the metric wants)."""
    try:
        return extract_article(html, url, "text/html; charset=utf-8").text
    except ExtractionError:
        return ""


def raw_trafilatura(html: bytes, url: str) -> str:
    """trafilatura with default settings and no comments."""
    return trafilatura.extract(html.decode("utf-8"), url=url, include_comments=False) or ""


def ours_with_vote(html: bytes, url: str) -> str:
    """Our pipeline with the paragraph vote (crawler.extraction.ensemble), off in the product."""
    tree = parse_html(html, "text/html; charset=utf-8")
    text = extract_body(tree, url, extract_metadata(tree, url).title, ensemble=DEFAULT_RULE)
    return text if len(text) >= 40 else ""


def trafilatura_precision(html: bytes, url: str) -> str:
    """trafilatura with favor_precision=True and no comments."""
    text = trafilatura.extract(
        html.decode("utf-8"), url=url, include_comments=False, favor_precision=True
    )
    return text or ""


def trafilatura_recall(html: bytes, url: str) -> str:
    """trafilatura with favor_recall=True and no comments."""
    text = trafilatura.extract(
        html.decode("utf-8"), url=url, include_comments=False, favor_recall=True
    )
    return text or ""


def readability_lxml(html: bytes, url: str) -> str:
    """readability-lxml, installed by hand (it needs cssselect < 1.4, which the pins exclude)."""
    from readability import Document

    summary: str = Document(html.decode("utf-8")).summary(html_partial=True)
    return summary_text(summary)


def single_extractors() -> list[tuple[str, Extractor]]:
    """Every single extractor we compare against (readability-lxml only if installed)."""
    runs: list[tuple[str, Extractor]] = [
        ("trafilatura-default", raw_trafilatura),
        ("trafilatura-precision", trafilatura_precision),
        ("trafilatura-recall", trafilatura_recall),
    ]
    try:
        import readability  # noqa: F401
    except ImportError:
        print("readability-lxml is not installed: left out", file=sys.stderr)
    else:
        runs.append(("readability-lxml", readability_lxml))
    return runs


def ours_without_cleanup(html: bytes, url: str) -> str:
    """Our body pipeline with the curated boilerplate rules switched off."""
    tree = parse_html(html, "text/html; charset=utf-8")
    return extract_body(tree, url, extract_metadata(tree, url).title, cleanup=False)


def worse_pages(
    ours_score: Score, baseline: Score, tolerance: float = 1e-9
) -> list[tuple[str, float, float]]:
    """Pages where we keep less gold recall than the baseline: (id, ours, baseline)."""
    return [
        (key, ours_score.page_recall[key], baseline.page_recall[key])
        for key in ours_score.page_recall
        if ours_score.page_recall[key] < baseline.page_recall[key] - tolerance
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench-dir", type=Path, default=DEFAULT_BENCH)
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    parser.add_argument(
        "--cleanup-ablation", action="store_true", help="also measure without our boilerplate rules"
    )
    parser.add_argument(
        "--cross-validate",
        action="store_true",
        help="tune the vote on one half of the pages, report the other (both ways)",
    )
    args = parser.parse_args(argv)
    pages = load_bench(args.bench_dir)
    if args.cross_validate:
        from benchmarks.extraction_cv import cross_validate_main

        return cross_validate_main(pages, as_json=args.json)
    runs = [("newsarchive", ours), ("newsarchive-vote", ours_with_vote), *single_extractors()]
    if args.cleanup_ablation:
        runs.append(("newsarchive-no-cleanup", ours_without_cleanup))
    scores = [evaluate(name, extractor, pages) for name, extractor in runs]
    worse = worse_pages(scores[0], scores[2])
    cpu_ratio = scores[1].cpu_ms_mean / scores[0].cpu_ms_mean if scores[0].cpu_ms_mean else 0.0
    if args.json:
        summary: dict[str, object] = {
            s.name: {
                k: v for k, v in asdict(s).items() if k not in ("page_recall", "page_precision")
            }
            for s in scores
        }
        summary["cpu_ratio_vote_vs_product"] = cpu_ratio
        summary["worse_recall_than_trafilatura"] = [
            {"page": key, "ours": a, "trafilatura": b} for key, a, b in worse
        ]
        print(json.dumps(summary, indent=2))
        return 0
    print(f"{len(pages)} pages from {args.bench_dir}")
    print(
        f"{'extractor':26} {'F1':>14} {'P':>7} {'R':>7} {'pages/s':>8} {'/cpu-s':>7}"
        f" {'cpu ms mean':>11} {'median':>7} {'empty':>6}"
    )
    for s in scores:
        print(
            f"{s.name:26} {s.f1:.4f} ± {s.f1_std:.4f} {s.precision:7.4f} {s.recall:7.4f}"
            f" {s.pages_per_s:8.1f} {s.pages_per_cpu_s:7.1f} {s.cpu_ms_mean:11.2f}"
            f" {s.cpu_ms_median:7.2f} {s.empty:6d}"
        )
    print(
        "pages/s: wall clock; /cpu-s and cpu ms per page: CPU time of this process"
        " (steadier under load)"
    )
    print(
        f"CPU ms per page, newsarchive-vote / newsarchive (the product):"
        f" {scores[1].cpu_ms_mean:.2f} / {scores[0].cpu_ms_mean:.2f} = {cpu_ratio:.2f}x"
    )
    print(f"pages where newsarchive keeps less gold recall than trafilatura: {len(worse)}")
    urls = {page.page_id: page.url for page in pages}
    for key, mine, theirs in worse:
        print(f"  {key[:12]}  recall {mine:.4f} < {theirs:.4f}  {urls[key]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
