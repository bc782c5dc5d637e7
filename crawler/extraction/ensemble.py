"""Paragraph voting: keep the paragraphs most of the extractors agree on.

The base candidate (our own pipeline) gives the order and every paragraph's first vote; each
other candidate (a "voter") is a whole text from a different extraction method. A paragraph
is *held* by a voter when at least ``cover`` of its 4-token shingles occur anywhere in the
voter's text, so a voter that splits or joins paragraphs differently still agrees.

* A base paragraph stays when at least half of the candidates hold it (a tie keeps it: the
  base is the tie-breaker).
* A paragraph the base lacks is added, at its place in the base's order, when more than half
  of the candidates hold it (a strict majority: the base voted against it).
* A voter whose text is shorter than ``min_voter_share`` of the base's abstains: it found
  another block of the page (a teaser, a sidebar), not a different edge of the same article.
  With no voter left the base stands as it is.
* If the vote would keep less than ``min_kept_share`` of the base's characters, the candidates
  disagree on what the article is, not on its edges: the base stands as it is.

The rule is the same for every page and every site; docs/extraction.md says where it comes
from and how its one parameter (``cover``) was chosen by cross-validation.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["DEFAULT_RULE", "VoteRule", "shingle_set", "vote_lines"]

_TOKEN = re.compile(r"\w+")

Shingle = tuple[str, ...]


@dataclass(frozen=True)
class VoteRule:
    """The parameters of the vote (see the module docstring)."""

    cover: float = 0.5
    min_voter_share: float = 0.5
    min_kept_share: float = 0.5


DEFAULT_RULE = VoteRule()


@lru_cache(maxsize=8192)
def shingle_set(text: str) -> frozenset[Shingle]:
    """The 4-token shingles of ``text``; 1-3 tokens make one shingle, none make none.

    Cached: each paragraph is looked up several times (by every voter, and when placed).
    """
    tokens = _TOKEN.findall(text)
    if len(tokens) < 4:
        return frozenset({tuple(tokens)}) if tokens else frozenset()
    return frozenset(zip(tokens, tokens[1:], tokens[2:], tokens[3:], strict=False))


def vote_lines(
    base: Sequence[str], voters: Sequence[str], rule: VoteRule = DEFAULT_RULE
) -> list[str]:
    """The base's paragraphs a majority holds, plus those a strict majority adds."""
    base_chars = sum(map(len, base))
    voters = [text for text in voters if len(text) >= rule.min_voter_share * base_chars]
    voting = [shingles for shingles in map(_voter_shingles, voters) if shingles]
    if not voting or not base:
        return list(base)
    candidates = len(voting) + 1

    def holders(line: str) -> int:
        shingles = shingle_set(line)
        if not shingles:
            return len(voting)
        need = rule.cover * len(shingles)
        return sum(1 for held in voting if len(shingles & held) >= need)

    kept = [line for line in base if 2 * (1 + holders(line)) >= candidates]
    if sum(map(len, kept)) < rule.min_kept_share * base_chars:
        return list(base)
    return _add_majority_lines(kept, voters, holders, candidates)


def _voter_shingles(text: str) -> set[Shingle]:
    return set().union(*map(shingle_set, text.splitlines()))


def _add_majority_lines(
    kept: list[str], voters: Sequence[str], holders: Callable[[str], int], candidates: int
) -> list[str]:
    """Insert paragraphs that more than half of the candidates hold and ``kept`` lacks.

    Each goes after the kept paragraph that the voter's own order puts just before it.
    """
    merged = [(line, shingle_set(line)) for line in kept]
    have: set[Shingle] = set().union(*(shingles for _, shingles in merged))
    for text in voters:
        cursor = 0
        for line in (part.strip() for part in text.splitlines()):
            shingles = shingle_set(line)
            if not shingles:
                continue
            if len(shingles & have) >= 0.5 * len(shingles):
                cursor = _position_after(merged, shingles, cursor)
            elif 2 * holders(line) > candidates:
                merged.insert(cursor, (line, shingles))
                have |= shingles
                cursor += 1
    return [line for line, _ in merged]


def _position_after(
    merged: list[tuple[str, frozenset[Shingle]]], shingles: frozenset[Shingle], cursor: int
) -> int:
    """The index after the first paragraph (from ``cursor`` on) sharing a shingle, else cursor."""
    for index in range(cursor, len(merged)):
        if not shingles.isdisjoint(merged[index][1]):
            return index + 1
    return cursor
