"""Word counts of an edit and text normalisation, against their plain definitions."""

from __future__ import annotations

import random

import pytest

from storage.changes import word_changes
from storage.content import normalise_text

WORDS = ["the", "council", "said", "on", "monday", "that", "budget", "would", "rise", "by", "four"]


def test_a_sentence_added_mid_article_counts_its_words_only() -> None:
    old = "\n".join(" ".join(WORDS) for _ in range(40))
    new = old.replace("by four\n", "by four. Officials later denied it\n", 1)
    assert word_changes(old, new) == (4, 0)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("a b c", "a b c", (0, 0)),
        ("", "a b", (2, 0)),
        ("a b", "", (0, 2)),
        ("a b a b", "a b", (0, 2)),  # prefix and suffix overlap: nothing counted twice
        ("a b c", "a x c", (1, 1)),
        ("x a b c", "a b c y", (1, 1)),
    ],
)
def test_word_changes_edge_cases(old: str, new: str, expected: tuple[int, int]) -> None:
    assert word_changes(old, new) == expected


def test_word_changes_count_no_more_than_the_edit_made() -> None:
    rng = random.Random(7)
    for _ in range(300):
        old_words = [rng.choice(WORDS) for _ in range(rng.randint(0, 60))]
        new_words = list(old_words)
        at = rng.randint(0, len(new_words))
        cut = len(new_words[at : at + rng.randint(0, 5)])
        inserted = [rng.choice(WORDS) for _ in range(rng.randint(0, 6))]
        new_words[at : at + cut] = inserted
        added, removed = word_changes(" ".join(old_words), " ".join(new_words))
        assert added - removed == len(new_words) - len(old_words)
        assert added <= len(inserted)
        assert removed <= cut


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Title  \n\n  body text \n", "Title\nbody text"),
        ("one  two\tthree", "one two three"),
        ("no\u00a0break space", "no break space"),
        ("\u201cquoted\u201d \u2014 dash", '"quoted" \u2014 dash'),
        ("thin\u2009space and\u3000ideographic", "thin space and ideographic"),
        ("plain text\nsecond line", "plain text\nsecond line"),
        ("e\u0301te\u0301", "\u00e9t\u00e9"),
    ],
)
def test_normalise_text(text: str, expected: str) -> None:
    assert normalise_text(text) == expected
