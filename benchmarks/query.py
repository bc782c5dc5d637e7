"""Query benchmark: search, history, show --at and export on a generated archive (SQLite).

    .venv/bin/python benchmarks/query.py                 # 100,000 versions
    .venv/bin/python benchmarks/query.py --versions 5000 # a quick run

The archive is built with bulk inserts into a temporary database migrated as usual (so the
search triggers fill the FTS5 index). The index of migration 0002 is then built beside today's
(benchmarks/search_scripts.py) to compare size, build time, query time and the recall on the
multilingual sample of tests/fixtures/multilingual. Text is drawn from a Zipf-distributed
vocabulary of 20,000 made-up words; articles are 150-1,500 words and have 1-5 versions, each
later version a small edit of the one before.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from itertools import pairwise
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Connection, func, insert, select
from sqlalchemy.orm import Session

from benchmarks import search_scripts
from storage import get_version, history, open_archive
from storage.database import Archive
from storage.export import iter_versions, write_jsonl
from storage.models import Article, ArticleAlias, Site, Version
from storage.search import search

T0 = datetime(2026, 1, 1, tzinfo=UTC)
VOCABULARY_SIZE = 20_000
SITES = [f"news{i}.example" for i in range(10)]
BATCH = 5_000


def make_vocabulary(rng: random.Random) -> list[str]:
    letters = "etaoinshrdlcumwfgypbvk"
    words: set[str] = set()
    while len(words) < VOCABULARY_SIZE:
        words.add("".join(rng.choice(letters) for _ in range(rng.randint(3, 10))))
    vocabulary = sorted(words)
    rng.shuffle(vocabulary)  # list position is the Zipf rank
    return vocabulary


class TextMaker:
    """Sentences of Zipf-distributed words, fast enough for a few hundred thousand paragraphs."""

    def __init__(self, rng: random.Random, vocabulary: list[str]) -> None:
        self.rng = rng
        self.vocabulary = vocabulary
        weights = [1 / (rank + 1) for rank in range(len(vocabulary))]
        total = 0.0
        self.cumulative = []
        for weight in weights:
            total += weight
            self.cumulative.append(total)

    def words(self, count: int) -> list[str]:
        return self.rng.choices(self.vocabulary, cum_weights=self.cumulative, k=count)

    def paragraph(self, count: int) -> str:
        words = self.words(count)
        sentences = [
            " ".join(words[i : i + 15]).capitalize() + "." for i in range(0, len(words), 15)
        ]
        return " ".join(sentences)

    def article(self) -> str:
        length = min(1500, max(150, int(self.rng.lognormvariate(6.0, 0.5))))
        return "\n".join(self.paragraph(60) for _ in range(max(1, length // 60)))


def build(archive: Archive, versions: int, rng: random.Random, maker: TextMaker) -> list[str]:
    """Insert sites, articles, aliases and ``versions`` versions; return the article URLs."""
    urls: list[str] = []
    with archive.engine.begin() as connection:
        connection.execute(insert(Site), [{"host": h, "name": h, "created_at": T0} for h in SITES])
        article_rows: list[dict[str, object]] = []
        version_rows: list[dict[str, object]] = []
        made = 0
        article_id = 0
        while made < versions:
            article_id += 1
            count = min(versions - made, rng.choice([1, 1, 2, 2, 3, 4, 5]))
            site = rng.randrange(len(SITES))
            url = f"https://{SITES[site]}/news/{article_id}-{'-'.join(maker.words(4))}"
            urls.append(url)
            first = T0 + timedelta(minutes=10 * article_id)
            article_rows.append(
                {
                    "id": article_id,
                    "url": url,
                    "url_hash": hashlib.sha256(url.encode()).hexdigest(),
                    "site_id": site + 1,
                    "first_seen_at": first,
                    "last_captured_at": first + timedelta(hours=count),
                    "version_count": count,
                    "track": True,
                }
            )
            text = maker.article()
            title = maker.paragraph(8).rstrip(".")
            for number in range(1, count + 1):
                if number > 1:
                    text += "\n" + maker.paragraph(20)
                captured = first + timedelta(hours=number - 1)
                version_rows.append(
                    {
                        "article_id": article_id,
                        "number": number,
                        "captured_at": captured,
                        "last_confirmed_at": captured,
                        "title": title,
                        "authors": ["Staff Writer"],
                        "text": text,
                        "tags": [],
                        "content_hash": hashlib.sha256(f"{url}{number}".encode()).hexdigest(),
                        "extractor": "benchmark",
                        "extractor_version": "benchmark/1",
                        "origin": "capture",
                    }
                )
            made += count
            if len(version_rows) >= BATCH:
                _flush(connection, article_rows, version_rows)
        _flush(connection, article_rows, version_rows)
    return urls


def _flush(
    connection: Connection, articles: list[dict[str, object]], versions: list[dict[str, object]]
) -> None:
    if articles:
        connection.execute(insert(Article), articles)
        aliases = [
            {
                "url": a["url"],
                "url_hash": a["url_hash"],
                "article_id": a["id"],
                "first_seen_at": a["first_seen_at"],
            }
            for a in articles
        ]
        connection.execute(insert(ArticleAlias), aliases)
    if versions:
        connection.execute(insert(Version), versions)
    articles.clear()
    versions.clear()


def timed(function: Callable[[], object], runs: list[float]) -> None:
    start = time.perf_counter()
    function()
    runs.append((time.perf_counter() - start) * 1000)


def percentiles(runs: list[float]) -> str:
    ordered = sorted(runs)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return f"p50 {statistics.median(ordered):6.1f} ms   p95 {p95:6.1f} ms   (n={len(runs)})"


def query_sets(
    session: Session, rng: random.Random, vocabulary: list[str], maker: TextMaker
) -> dict[str, list[str]]:
    # Zipf ranks: rank 0 is in nearly every article; ranks 100-3000 are topical words.
    by_rank = vocabulary
    topical = by_rank[100:3000]
    topical_set = set(topical)
    # Phrases: two topical words that stand next to each other in some article.
    phrases: list[str] = []
    texts = session.scalars(select(Version.text).order_by(func.random()).limit(500)).all()
    for text in texts:
        if len(phrases) == 50:
            break
        words = text.lower().replace(".", "").split()
        pairs = [(a, b) for a, b in pairwise(words) if a in topical_set and b in topical_set]
        if pairs:
            phrases.append('"{} {}"'.format(*rng.choice(pairs)))
    return {
        "one word": rng.sample(topical, 50),
        "phrase": phrases,
        "prefix": [w[:4] + "*" for w in rng.sample(topical, 50) if len(w) >= 5][:50],
        "two words": [
            f"{a} {b}"
            for a, b in zip(rng.sample(topical, 50), rng.sample(topical, 50), strict=True)
        ],
        "most common word": [by_rank[0]] * 10,
        "common-word phrase": [f'"{by_rank[0]} {by_rank[1]}"'] * 10,
    }


class NullWriter(io.StringIO):
    """A text sink that only counts, so export speed is not disk speed."""

    def __init__(self) -> None:
        super().__init__()
        self.chars = 0

    def write(self, text: str) -> int:
        self.chars += len(text)
        return len(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)
    rng = random.Random(args.seed)
    vocabulary = make_vocabulary(rng)
    maker = TextMaker(rng, vocabulary)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        archive = open_archive(f"sqlite:///{path}")
        start = time.perf_counter()
        urls = build(archive, args.versions, rng, maker)
        built = time.perf_counter() - start
        size = path.stat().st_size / 1e6
        print(
            f"built {args.versions} versions of {len(urls)} articles in {built:.1f} s "
            f"({size:.0f} MB)"
        )
        compare_indexes(archive, rng, vocabulary, maker)
        with archive.read() as session:
            for label, queries in query_sets(session, rng, vocabulary, maker).items():
                runs: list[float] = []
                hits = 0
                for query in queries:
                    timed(partial(search, session, query, limit=20), runs)
                    hits += len(search(session, query, limit=20))
                print(
                    f"search {label:<17} {percentiles(runs)}   avg hits {hits / len(queries):.1f}"
                )
            runs = []
            for query in query_sets(session, rng, vocabulary, maker)["one word"][:20]:
                timed(partial(search, session, query, all_versions=True), runs)
            print(f"search --all-versions     {percentiles(runs)}")
            sample = rng.sample(urls, min(200, len(urls)))
            runs = []
            for url in sample:
                timed(partial(history, session, url), runs)
            print(f"history                   {percentiles(runs)}")
            runs = []
            for url in sample:
                at = T0 + timedelta(days=rng.randint(0, 800))
                timed(partial(_show_at, session, url, at), runs)
            print(f"show --at                 {percentiles(runs)}")
            start = time.perf_counter()
            count = write_jsonl(iter_versions(session), NullWriter())
            elapsed = time.perf_counter() - start
            print(
                f"export jsonl              {count / elapsed:,.0f} versions/s "
                f"({count} in {elapsed:.1f} s)"
            )
            tracemalloc.start()
            write_jsonl(iter_versions(session), NullWriter())
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(f"export peak Python memory {peak / 1e6:.1f} MB (tracemalloc, whole export)")
        archive.close()


def compare_indexes(
    archive: Archive, rng: random.Random, vocabulary: list[str], maker: TextMaker
) -> None:
    """Today's index (0014) against the 0002 one: size, build, ranked query time, recall."""
    sample = search_scripts.add_sample(archive)
    old_build = search_scripts.build_old_index(archive)
    new_build = search_scripts.rebuild_new_index(archive)
    with archive.engine.connect() as connection:
        new_size, old_size = search_scripts.index_sizes(connection)
    print(
        f"index 0014 {new_size:.0f} MB built in {new_build:.1f} s; 0002 {old_size:.0f} MB in "
        f"{old_build:.1f} s (size x{new_size / old_size:.2f}, build x{new_build / old_build:.2f})"
    )
    cjk_new, cjk_old, cjk_text = search_scripts.unspaced_sizes(10_000)
    print(
        f"index of 10,000 CJK/Thai articles ({cjk_text:.1f} MB of text): 0014 {cjk_new:.1f} MB "
        f"(x{cjk_new / cjk_text:.2f} the text), 0002 {cjk_old:.2f} MB (whole runs as one word)"
    )
    with archive.read() as session:
        sets = query_sets(session, random.Random(rng.random()), vocabulary, maker)
        for label in ("one word", "phrase", "prefix", "most common word"):
            new, old = search_scripts.timings(session, sets[label], timed)
            ratio = statistics.median(new) / statistics.median(old)
            print(
                f"ranked page, {label:<16} 0014 {percentiles(new)}\n"
                f"{'':30}0002 {percentiles(old)}   (p50 x{ratio:.2f})"
            )
        found = search_scripts.recall(session, sample)
    total = [sum(row[i] for row in found.values()) for i in range(3)]
    print(
        f"recall on the multilingual sample: 0014 {total[1]}/{total[0]}, 0002 {total[2]}/{total[0]}"
    )
    for lang, (queries, new_found, old_found) in sorted(found.items()):
        print(f"  {lang}: 0014 {new_found}/{queries}   0002 {old_found}/{queries}")


def _show_at(session: Session, url: str, at: datetime) -> None:
    from storage.errors import VersionNotFound

    with contextlib.suppress(VersionNotFound):
        get_version(session, url, at=at)


if __name__ == "__main__":
    main()
