"""The app-shell detector over the shared benches: how many ordinary pages it flags or rewrites.

Run: python benchmarks/javascript_pages.py [--bench-dir ../shared] [--json] [--cost] [--finder]
``--cost`` also measures the CPU the shell checks add per ordinary page: every page extracted
with the checks and without them (``inspect_page``/``recover_body`` replaced by no-ops),
page by page in alternating order over ``--rounds`` rounds, and the ratio printed (the
baseline is the same run).
Every page of extraction-bench and metadata-bench is an ordinary server-rendered article, so
a page reported ``needs_javascript`` is a false positive, and one whose body is read from
JSON-LD or embedded data instead of its HTML is listed for a look.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from crawler.extraction import ExtractionError, article, extract_article, parse_html, shells  # noqa: E402  # noqa: E402
from crawler.extraction.body import extract_body  # noqa: E402
from crawler.extraction.shells import PageShape  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench-dir", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--cost", action="store_true", help="measure the CPU the checks add")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--finder", action="store_true", help="how much of each page's text its data holds"
    )
    args = parser.parse_args()
    counts: Counter[str] = Counter()
    flagged: list[dict[str, str]] = []
    pages = list(_pages(args.bench_dir))
    if not pages:
        sys.exit(
            f"{Path(sys.argv[0]).name}: no bench pages under {args.bench_dir}: it needs "
            "extraction-bench/html/*.html.gz and metadata-bench/html/*.html.gz (the shared "
            "benches, kept outside the repository); pass --bench-dir DIR"
        )
    for bench, name, html in pages:
        outcome = _outcome(html)
        counts[outcome] += 1
        if outcome not in ("html", "no_article_text", "too_short", "error_page"):
            flagged.append({"bench": bench, "page": name, "outcome": outcome})
    report: dict[str, object] = {
        "pages": sum(counts.values()),
        "outcomes": dict(counts),
        "flagged": flagged,
    }
    finder = _finder([html for _, _, html in pages]) if args.finder else {}
    if finder:
        report["finder"] = finder
    cost = _cost([html for _, _, html in pages], args.rounds) if args.cost else {}
    if cost:
        report["cost"] = cost
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"{report['pages']} pages: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        for row in flagged:
            print(f"  {row['bench']}/{row['page']}: {row['outcome']}")
        if args.finder:
            print("embedded-data finder: " + ", ".join(f"{k} {v}" for k, v in finder.items()))
        if args.cost:
            print("CPU per page: " + ", ".join(f"{k} {v}" for k, v in cost.items()))
    return 0


def _pages(bench_dir: Path) -> Iterator[tuple[str, str, bytes]]:
    for bench in ("extraction-bench", "metadata-bench"):
        for path in sorted((bench_dir / bench / "html").glob("*.html.gz")):
            yield bench, path.name, gzip.decompress(path.read_bytes())


def _finder(pages: list[bytes]) -> dict[str, int]:
    """On pages that carry embedded data: the prose the finder reads from it, against the
    HTML text (the pages are ordinary, so the HTML text is the article)."""
    carrying = close = 0
    for html in pages:
        shape = shells.inspect_page(parse_html(html), None)
        if not shape.blobs:
            continue
        carrying += 1
        found = shells.embedded_article(shape.blobs)
        text = extract_body(parse_html(html), None)
        close += found is not None and found.prose_chars >= 0.8 * len(text)
    return {"pages_with_embedded_data": carrying, "finder_within_80pct_of_html_text": close}


def _cost(pages: list[bytes], rounds: int) -> dict[str, float]:
    """Mean CPU ms per page with the shell checks and without them, and the ratio."""
    hooks = vars(article)  # the names article.py calls: replaced to measure without them
    checks = (hooks["inspect_page"], hooks["recover_body"])
    without = (lambda tree, url: PageShape(), lambda shape, text: None)
    spent = {"with": 0.0, "without": 0.0}
    # Page by page, the order alternating, so a change in machine load hits both alike.
    for round_number in range(rounds):
        for index, html in enumerate(pages):
            order = (("without", without), ("with", checks))
            for label, (inspect, recover) in order[:: 1 if (index + round_number) % 2 else -1]:
                hooks.update(inspect_page=inspect, recover_body=recover)
                started = time.process_time()
                _outcome(html)
                spent[label] += time.process_time() - started
    hooks.update(inspect_page=checks[0], recover_body=checks[1])
    runs = rounds * len(pages)
    with_ms, without_ms = 1000 * spent["with"] / runs, 1000 * spent["without"] / runs
    return {
        "with_checks_ms": round(with_ms, 2),
        "without_checks_ms": round(without_ms, 2),
        "ratio": round(with_ms / without_ms, 3),
    }


def _outcome(html: bytes) -> str:
    try:
        return extract_article(html, "https://www.example.com/news/page.html").body_source
    except ExtractionError as error:
        return error.reason


if __name__ == "__main__":
    raise SystemExit(main())
