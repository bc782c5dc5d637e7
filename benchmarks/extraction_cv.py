"""Cross-validation of the extractor on the shared bench: `extraction.py --cross-validate`.

The bench's pages are split into two fixed halves by the SHA-256 of a salted page id (the
split never changes, and it does not follow the bench's own dev/holdout order, which used the
unsalted digest). The vote's parameters are chosen on one half (the best F1 over a small grid)
and reported on the other, both ways; every single extractor is reported on both halves too.
Each curated line rule is also switched off on its own: a rule that raises one half's F1 and
lowers the other's fits pages, not a pattern, and is flagged.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from benchmarks.extraction import (
    Page,
    corpus_f1,
    evaluate,
    ours,
    ours_with_vote,
    page_scores,
    single_extractors,
)
from crawler.extraction import body, boilerplate, parse_html
from crawler.extraction.body import BodyCandidates, body_candidates, body_text
from crawler.extraction.ensemble import DEFAULT_RULE, VoteRule
from crawler.extraction.metadata import extract_metadata

SPLIT_SALT = b"newsarchive-cv/"
# The vote's grid: None is "no vote" (our pipeline alone), so tuning may pick it.
GRID: tuple[VoteRule | None, ...] = (
    None,
    *(
        VoteRule(cover=cover, min_voter_share=share)
        for cover in (0.3, 0.5, 0.7)
        for share in (0.0, 0.5)
    ),
)


def split_halves(pages: list[Page]) -> tuple[list[Page], list[Page]]:
    """The two fixed halves: pages ordered by the salted digest of their id, cut in the middle."""
    ordered = sorted(pages, key=lambda p: hashlib.sha256(SPLIT_SALT + p.page_id.encode()).digest())
    middle = len(ordered) // 2
    return ordered[:middle], ordered[middle:]


@dataclass(frozen=True)
class Found:
    """What the vote decides on for one page: its headline and the candidates."""

    title: str | None
    candidates: BodyCandidates


def page_candidates(page: Page) -> Found:
    tree = parse_html(page.html, "text/html; charset=utf-8")
    title = extract_metadata(tree, page.url).title
    return Found(title, body_candidates(tree, page.url))


def f1_of(texts: dict[str, str], pages: list[Page]) -> float:
    """Corpus F1 of precomputed outputs over ``pages``."""
    scores = [page_scores(page.gold, texts[page.page_id]) for page in pages]
    return corpus_f1([s[0] for s in scores], [s[1] for s in scores])[0]


def _rule_name(rule: VoteRule | None) -> str:
    if rule is None:
        return "no vote"
    return f"cover {rule.cover}, voter share {rule.min_voter_share}"


def tune_and_report(
    found: dict[str, Found], halves: tuple[list[Page], list[Page]]
) -> list[dict[str, object]]:
    """For each half: the rule tuned on the other half, and its F1 on this (held-out) half."""
    outputs = {
        _rule_name(rule): {
            key: body_text(item.candidates, item.title, rule) for key, item in found.items()
        }
        for rule in GRID
    }
    rows: list[dict[str, object]] = []
    for held_out, tuned_on in ((halves[1], halves[0]), (halves[0], halves[1])):
        best = max(outputs, key=lambda name: f1_of(outputs[name], tuned_on))
        rows.append(
            {
                "tuned_rule": best,
                "tuned_f1": f1_of(outputs[best], tuned_on),
                "held_out_f1": f1_of(outputs[best], held_out),
                "default_rule_held_out_f1": f1_of(outputs[_rule_name(DEFAULT_RULE)], held_out),
            }
        )
    return rows


@contextmanager
def _without_rule(name: str) -> Iterator[None]:
    """Switch one curated line rule off (the benchmark's ablation; the product never does)."""
    saved = boilerplate.LINE_RULES
    boilerplate.LINE_RULES = tuple(rule for rule in saved if rule.name != name)
    boilerplate.is_boilerplate_line.cache_clear()
    boilerplate._line_rule.cache_clear()
    try:
        yield
    finally:
        boilerplate.LINE_RULES = saved
        boilerplate.is_boilerplate_line.cache_clear()
        boilerplate._line_rule.cache_clear()


@contextmanager
def _without_pass(name: str) -> Iterator[None]:
    """Switch one of the body module's tree passes off (a no-op in its place)."""
    saved = getattr(body, name)
    setattr(body, name, lambda tree: None)
    try:
        yield
    finally:
        setattr(body, name, saved)


# The structural passes of crawler.extraction.body, ablated like the line rules.
PASSES = ("_merge_split_bodies", "_unwrap_embedded_posts")


def rule_ablation(halves: tuple[list[Page], list[Page]]) -> list[dict[str, object]]:
    """Each line rule's and tree pass's gain in F1 on each half (F1 with it minus without)."""
    with_rules = [evaluate("newsarchive", ours, half, samples=0).f1 for half in halves]
    switches = [(rule.name, _without_rule(rule.name)) for rule in boilerplate.LINE_RULES]
    switches += [(name.strip("_"), _without_pass(name)) for name in PASSES]
    rows: list[dict[str, object]] = []
    for name, switch in switches:
        with switch:
            without = [evaluate("ablation", ours, half, samples=0).f1 for half in halves]
        gains = [a - b for a, b in zip(with_rules, without, strict=True)]
        split = (gains[0] > 1e-9 and gains[1] < -1e-9) or (gains[1] > 1e-9 and gains[0] < -1e-9)
        rows.append({"rule": name, "gain_a": gains[0], "gain_b": gains[1], "flag": split})
    return rows


def cross_validate(pages: list[Page]) -> dict[str, object]:
    """Every figure of the cross-validation, as one JSON-ready dict."""
    halves = split_halves(pages)
    runs = [("newsarchive", ours), ("newsarchive-vote", ours_with_vote), *single_extractors()]
    singles = {
        name: [evaluate(name, extractor, half, samples=0).f1 for half in halves]
        for name, extractor in runs
    }
    found = {page.page_id: page_candidates(page) for page in pages}
    return {
        "halves": [len(half) for half in halves],
        "extractors": singles,
        "vote": tune_and_report(found, halves),
        "rule_ablation": rule_ablation(halves),
    }


def cross_validate_main(pages: list[Page], *, as_json: bool = False) -> int:
    """Print the cross-validation (a table, or one JSON object with ``as_json``)."""
    result = cross_validate(pages)
    if as_json:
        print(json.dumps(result, indent=2))
        return 0
    sizes = result["halves"]
    assert isinstance(sizes, list)
    print(f"halves: A {sizes[0]} pages, B {sizes[1]} pages (fixed split, salted SHA-256 of id)")
    print(f"{'extractor':24} {'F1 half A':>10} {'F1 half B':>10}")
    extractors = result["extractors"]
    assert isinstance(extractors, dict)
    for name, (a, b) in extractors.items():
        print(f"{name:24} {a:10.4f} {b:10.4f}")
    print("vote tuned on one half, reported on the other:")
    votes = result["vote"]
    assert isinstance(votes, list)
    for held, row in zip("BA", votes, strict=True):
        print(
            f"  held-out half {held}: {row['held_out_f1']:.4f} (rule tuned on the other half:"
            f" {row['tuned_rule']}, {row['tuned_f1']:.4f} there); default rule"
            f" {row['default_rule_held_out_f1']:.4f}"
        )
    print("line rules, F1 gain on each half (flag: helps one half, hurts the other):")
    ablation = result["rule_ablation"]
    assert isinstance(ablation, list)
    for row in ablation:
        flag = "  <- flagged" if row["flag"] else ""
        print(f"  {row['rule']:22} A {row['gain_a']:+.4f}  B {row['gain_b']:+.4f}{flag}")
    return 0
