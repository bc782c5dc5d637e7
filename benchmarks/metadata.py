"""Metadata benchmark: title, authors, date and body, newsarchive vs raw trafilatura, no URL.

Run: python benchmarks/metadata.py [--bench-dir ../shared/metadata-bench] [--json] [--failures]
Scoring as in the bench README: title exact after NFKC (format characters dropped, whitespace
collapsed); authors per-page set F1 of normalised, case-folded names, averaged over pages with
expected authors; date the same calendar day; body the shingle F1 of benchmarks/extraction.py.
Neither extractor gets the page's URL, so nothing can be keyed on the site.

Cross-validation: the bench is split by publisher (the host of each page's ground-truth URL)
into two fixed halves, A and B, by the parity of the first byte of sha256(host). Rules are
developed looking at one half; the other half is the held-out figure. Both halves are printed.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import importlib.util
import json
import os
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from types import ModuleType
from urllib.parse import urlsplit

import trafilatura
from trafilatura.settings import Document

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from crawler.extraction import ExtractionError, extract_article  # noqa: E402

DEFAULT_BENCH = Path(
    os.environ.get("NEWSARCHIVE_METADATA_BENCH_DIR", REPO.parent / "shared" / "metadata-bench")
)


def require_bench(bench_dir: Path) -> None:
    """Stop with one line naming the data needed and where it was looked for, when absent."""
    if not (bench_dir / "ground-truth.json").is_file():
        sys.exit(
            f"{Path(sys.argv[0]).name}: no metadata-bench at {bench_dir}: it needs "
            "ground-truth.json "
            "and html/<key>.html.gz (the shared bench, kept outside the repository); pass "
            "--bench-dir DIR or set NEWSARCHIVE_METADATA_BENCH_DIR"
        )


def _extraction_benchmark() -> ModuleType:
    """benchmarks/extraction.py, for its shingle F1 (loaded by path: benchmarks is no package)."""
    spec = importlib.util.spec_from_file_location(
        "extraction_benchmark", REPO / "benchmarks" / "extraction.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


_SHINGLES = _extraction_benchmark()
corpus_f1, page_scores = _SHINGLES.corpus_f1, _SHINGLES.page_scores


@dataclass(frozen=True)
class Page:
    """One bench page and what its publisher's hand-written parser returns for it."""

    page_id: str
    host: str
    html: bytes
    title: str
    authors: tuple[str, ...]
    published: str | None
    body: str

    @property
    def half(self) -> str:
        """'A' or 'B': the fixed publisher half this page belongs to."""
        return "A" if hashlib.sha256(self.host.encode()).digest()[0] % 2 == 0 else "B"


@dataclass(frozen=True)
class Extracted:
    """What an extractor returns for one page (empty values when it finds nothing)."""

    title: str | None = None
    authors: tuple[str, ...] = ()
    published: date | datetime | None = None
    body: str = ""


@dataclass(frozen=True)
class Scores:
    """The four corpus figures of one extractor on some pages."""

    pages: int
    title: float
    authors: float
    date: float
    body: float


def load_bench(bench_dir: Path) -> list[Page]:
    """Read ground-truth.json and the gzipped pages."""
    require_bench(bench_dir)
    truth = json.loads((bench_dir / "ground-truth.json").read_text(encoding="utf-8"))
    return [
        Page(
            key,
            (urlsplit(item["url"]).hostname or "").removeprefix("www."),
            gzip.decompress((bench_dir / "html" / f"{key}.html.gz").read_bytes()),
            item.get("title") or "",
            tuple(item.get("authors") or ()),
            item.get("published"),
            item.get("body") or "",
        )
        for key, item in sorted(truth.items())
    ]


def normalise(text: str | None) -> str:
    """NFKC, format characters (soft hyphen, zero-width space) dropped, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text or "")
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return " ".join(text.split())


def author_f1(expected: tuple[str, ...], predicted: tuple[str, ...]) -> float:
    """F1 between the sets of normalised, case-folded names."""
    gold = {normalise(name).casefold() for name in expected} - {""}
    got = {normalise(name).casefold() for name in predicted} - {""}
    hits = len(gold & got)
    if not hits:
        return 0.0
    precision, recall = hits / len(got), hits / len(gold)
    return 2 * precision * recall / (precision + recall)


def same_day(expected: str, predicted: date | datetime | None) -> bool:
    """The predicted date's calendar day, as written or moved to the expected UTC offset."""
    if predicted is None:
        return False
    want = datetime.fromisoformat(expected)
    if not isinstance(predicted, datetime):
        return predicted == want.date()
    if predicted.date() == want.date():
        return True
    if predicted.tzinfo is not None and want.tzinfo is not None:
        return predicted.astimezone(want.tzinfo).date() == want.date()
    return False


def score(pages: list[Page], outputs: dict[str, Extracted]) -> Scores:
    """Corpus figures of ``outputs`` on ``pages``."""
    titles = [normalise(p.title) == normalise(outputs[p.page_id].title) for p in pages]
    with_authors = [p for p in pages if p.authors]
    authors = [author_f1(p.authors, outputs[p.page_id].authors) for p in with_authors]
    dated = [p for p in pages if p.published]
    dates = [same_day(p.published or "", outputs[p.page_id].published) for p in dated]
    body_scores = [page_scores(p.body, outputs[p.page_id].body) for p in pages if p.body]
    body, _, _ = corpus_f1([s[0] for s in body_scores], [s[1] for s in body_scores])
    return Scores(
        len(pages),
        sum(titles) / len(titles) if titles else 0.0,
        sum(authors) / len(authors) if authors else 0.0,
        sum(dates) / len(dates) if dates else 0.0,
        body,
    )


def ours(html: bytes) -> Extracted:
    """newsarchive's extractor, no URL."""
    try:
        content = extract_article(html, None, "text/html; charset=utf-8")
    except ExtractionError:
        return Extracted()
    return Extracted(content.title, tuple(content.authors), content.published_at, content.text)


def raw_trafilatura(html: bytes) -> Extracted:
    """trafilatura 2.3.1 bare_extraction with metadata, no URL; its authors split on "; "."""
    document = trafilatura.bare_extraction(html.decode("utf-8"), with_metadata=True)
    if not isinstance(document, Document):  # None, or a dict only when as_dict=True
        return Extracted()
    authors = tuple(name for name in (document.author or "").split("; ") if name)
    published = None
    if document.date:
        try:
            published = date.fromisoformat(document.date[:10])
        except ValueError:
            published = None
    return Extracted(document.title, authors, published, document.text or "")


EXTRACTORS: dict[str, Callable[[bytes], Extracted]] = {
    "newsarchive": ours,
    "trafilatura": raw_trafilatura,
}


def run(pages: list[Page]) -> dict[str, dict[str, Extracted]]:
    """Each extractor's output for each page."""
    return {name: {p.page_id: f(p.html) for p in pages} for name, f in EXTRACTORS.items()}


def failures(pages: list[Page], outputs: dict[str, Extracted]) -> list[str]:
    """One line per wrong title or imperfect author list, for development."""
    lines = []
    for page in pages:
        got = outputs[page.page_id]
        if normalise(page.title) != normalise(got.title):
            lines.append(f"{page.half} {page.page_id} TITLE want {page.title!r} got {got.title!r}")
        if page.authors and author_f1(page.authors, got.authors) < 1:
            lines.append(
                f"{page.half} {page.page_id} AUTHORS want {list(page.authors)}"
                f" got {list(got.authors)}"
            )
        if page.published and not same_day(page.published, got.published):
            lines.append(
                f"{page.half} {page.page_id} DATE want {page.published} got {got.published}"
            )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench-dir", type=Path, default=DEFAULT_BENCH)
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    parser.add_argument("--failures", action="store_true", help="list newsarchive's misses")
    args = parser.parse_args(argv)
    pages = load_bench(args.bench_dir)
    outputs = run(pages)
    subsets = {
        "all": pages,
        "half A": [p for p in pages if p.half == "A"],
        "half B": [p for p in pages if p.half == "B"],
    }
    table = {
        name: {label: score(subset, outputs[name]) for label, subset in subsets.items()}
        for name in EXTRACTORS
    }
    if args.json:
        print(json.dumps({n: {k: vars(s) for k, s in t.items()} for n, t in table.items()}))
        return 0
    hosts = {label: len({p.host for p in subset}) for label, subset in subsets.items()}
    print(f"{len(pages)} pages, {hosts['all']} publishers, from {args.bench_dir} (no URL given)")
    print(f"{'extractor':12} {'pages':16} {'title':>6} {'authors':>8} {'date':>6} {'body':>6}")
    for name, by_subset in table.items():
        for label, s in by_subset.items():
            where = f"{label} ({s.pages}/{hosts[label]})"
            print(
                f"{name:12} {where:16} {s.title:6.3f} {s.authors:8.3f} {s.date:6.3f} {s.body:6.3f}"
            )
    print("halves: publishers split by sha256(host); a rule developed on one half is judged")
    print("by the other. (pages/publishers) in brackets.")
    if args.failures:
        print("\n".join(failures(pages, outputs["newsarchive"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
