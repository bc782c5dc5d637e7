"""Readable differences between two versions of an article."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from storage.content import normalise_text
from storage.records import VersionRecord

_TOKEN = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


@dataclass(frozen=True)
class DiffLine:
    """One line of a paragraph diff: ' ' kept, '-' removed, '+' added, '@' hunk header."""

    kind: Literal[" ", "-", "+", "@"]
    text: str


def _document(version: VersionRecord) -> list[str]:
    lines = [f"# {normalise_text(version.title or '')}"]
    if version.authors:
        lines.append("By " + ", ".join(version.authors))
    lines.extend(normalise_text(version.text).splitlines())
    return lines


def paragraph_diff(old: VersionRecord, new: VersionRecord, context: int = 1) -> list[DiffLine]:
    """A unified diff of headline, byline and paragraphs (one paragraph per line)."""
    lines: list[DiffLine] = []
    diff = difflib.unified_diff(_document(old), _document(new), lineterm="", n=context)
    for raw in diff:
        if raw.startswith(("---", "+++")):
            continue
        if raw.startswith("@@"):
            lines.append(DiffLine("@", raw))
        else:
            lines.append(DiffLine(raw[0], raw[1:]))  # type: ignore[arg-type]
    return lines


def word_diff(old: str, new: str) -> Iterator[tuple[Literal["=", "-", "+"], str]]:
    """Word-level diff of two texts as (operation, text) runs, for inline highlighting."""
    a = _TOKEN.findall(old)
    b = _TOKEN.findall(new)
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            yield "=", "".join(a[i1:i2])
            continue
        if i2 > i1:
            yield "-", "".join(a[i1:i2])
        if j2 > j1:
            yield "+", "".join(b[j1:j2])
