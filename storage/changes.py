"""What changed between two versions: fields, words, notices, stealth edits, flip-flops."""

from __future__ import annotations

import difflib
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from storage.content import ArticleContent, normalise_text
from storage.script import words

NOTICE_PATTERN = re.compile(
    r"^\s*(correction|clarification|update|updated|editor['’]s note)\s*[:\-—]", re.IGNORECASE
)


@dataclass(frozen=True)
class ChangeSummary:
    """How a version differs from the one before it (stored as JSON on the version)."""

    fields: list[str] = field(default_factory=list)
    words_added: int = 0
    words_removed: int = 0
    notices: list[str] = field(default_factory=list)
    stealth_edit: bool = False
    flipflop_of: int | None = None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class PreviousContent:
    """The parts of the previous version that a change summary compares against."""

    title: str | None
    authors: list[str]
    text: str
    published_at: Any
    modified_at: Any


def word_changes(old: str, new: str) -> tuple[int, int]:
    """(words added, words removed) between two texts, by a word-level diff.

    Words as storage.script.words splits them: in Chinese, Japanese and Thai each character.
    """
    old_words = words(old)
    new_words = words(new)
    # Edits are local: the words before the first change and after the last one match as
    # they are, so only the middle goes to the diff (quadratic in what it is given).
    start = 0
    shortest = min(len(old_words), len(new_words))
    while start < shortest and old_words[start] == new_words[start]:
        start += 1
    end = 0
    while end < shortest - start and old_words[-1 - end] == new_words[-1 - end]:
        end += 1
    old_words = old_words[start : len(old_words) - end]
    new_words = new_words[start : len(new_words) - end]
    added = removed = 0
    matcher = difflib.SequenceMatcher(a=old_words, b=new_words, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            removed += i2 - i1
        if tag in ("replace", "insert"):
            added += j2 - j1
    return added, removed


def new_notices(old_text: str, new_text: str) -> list[str]:
    """Correction / update / editor's-note paragraphs present in the new text only."""
    old_lines = set(normalise_text(old_text).splitlines())
    return [
        line
        for line in normalise_text(new_text).splitlines()
        if NOTICE_PATTERN.match(line) and line not in old_lines
    ]


def summarise_change(
    previous: PreviousContent, content: ArticleContent, flipflop_of: int | None
) -> ChangeSummary:
    fields = []
    if normalise_text(previous.title or "") != normalise_text(content.title or ""):
        fields.append("headline")
    body_changed = normalise_text(previous.text) != normalise_text(content.text)
    if body_changed:
        fields.append("body")
    if [normalise_text(a) for a in previous.authors] != [
        normalise_text(a) for a in content.authors
    ]:
        fields.append("byline")
    if previous.published_at != content.published_at or previous.modified_at != content.modified_at:
        fields.append("dates")
    added, removed = word_changes(previous.text, content.text) if body_changed else (0, 0)
    # Stealth edit: the body changed while the page kept declaring the same modified date.
    stealth = (
        body_changed
        and previous.modified_at is not None
        and content.modified_at == previous.modified_at
    )
    return ChangeSummary(
        fields=fields,
        words_added=added,
        words_removed=removed,
        notices=new_notices(previous.text, content.text),
        stealth_edit=stealth,
        flipflop_of=flipflop_of,
    )
