"""The app-shell detector over the shared benches: how many ordinary pages it flags or rewrites.

Run: python benchmarks/javascript_pages.py [--bench-dir ../shared] [--json]
Every page of extraction-bench and metadata-bench is an ordinary server-rendered article, so
a page reported ``needs_javascript`` is a false positive, and one whose body is read from
JSON-LD or embedded data instead of its HTML is listed for a look.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from crawler.extraction import ExtractionError, extract_article  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench-dir", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    counts: Counter[str] = Counter()
    flagged: list[dict[str, str]] = []
    for bench in ("extraction-bench", "metadata-bench"):
        for path in sorted((args.bench_dir / bench / "html").glob("*.html.gz")):
            outcome = _outcome(gzip.decompress(path.read_bytes()))
            counts[outcome] += 1
            if outcome not in ("html", "no_article_text", "too_short", "error_page"):
                flagged.append({"bench": bench, "page": path.name, "outcome": outcome})
    report = {"pages": sum(counts.values()), "outcomes": dict(counts), "flagged": flagged}
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"{report['pages']} pages: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        for row in flagged:
            print(f"  {row['bench']}/{row['page']}: {row['outcome']}")
    return 0


def _outcome(html: bytes) -> str:
    try:
        return extract_article(html, "https://www.example.com/news/page.html").body_source
    except ExtractionError as error:
        return error.reason


if __name__ == "__main__":
    raise SystemExit(main())
