"""Whether new content makes a new version of an article: one pure decision, no I/O."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from storage.content import ArticleContent, content_hash, normalise_text

__all__ = [
    "COLLAPSE_MIN_CHARS",
    "COLLAPSE_RATIO",
    "LatestContent",
    "NewContent",
    "VersionDecision",
    "VersionOutcome",
    "decide_version",
    "same_byline",
]

_WORD = re.compile(r"\w+")

# A new extraction shorter than this share of the last version's text is a collapse (error
# page, paywall stub, broken layout), not an edit; it never replaces the good version. Only a
# last version at least COLLAPSE_MIN_CHARS long can collapse.
COLLAPSE_RATIO = 0.3
COLLAPSE_MIN_CHARS = 400


class VersionOutcome(StrEnum):
    """What new content is to an article's latest version."""

    NEW = "new"  # a first version, or different content: a new version
    UNCHANGED = "unchanged"  # the same normalised title, authors and text
    EMPTY = "empty"  # no text at all: never a version
    COLLAPSED = "collapsed"  # shrank below COLLAPSE_RATIO of a long text: kept the latest


@dataclass(frozen=True)
class LatestContent:
    """The parts of an article's latest version that the decision compares against."""

    title: str | None
    authors: tuple[str, ...]
    text: str
    content_hash: str


@dataclass(frozen=True)
class NewContent:
    """Content just extracted or imported: normalised text and the hash of the whole."""

    title: str | None
    authors: tuple[str, ...]
    text: str  # normalised (normalise_text)
    content_hash: str

    @classmethod
    def of(cls, content: ArticleContent) -> NewContent:
        text = normalise_text(content.text)
        digest = content_hash(content, normalised_text=text)
        return cls(content.title, tuple(content.authors), text, digest)


@dataclass(frozen=True)
class VersionDecision:
    """The outcome, and for a new version over an earlier one, which fields differ."""

    outcome: VersionOutcome
    new_chars: int
    latest_chars: int | None = None  # None: no version yet
    changed: tuple[str, ...] = ()  # of "title", "authors", "text"

    @property
    def ratio(self) -> float | None:
        """The new text's length as a share of the latest version's (None: nothing to compare)."""
        if not self.latest_chars:
            return None
        return self.new_chars / self.latest_chars


def decide_version(latest: LatestContent | None, new: NewContent) -> VersionDecision:
    """Whether ``new`` is a new version of an article whose latest version is ``latest``.

    No text is never a version, nor a confirmation. The same hash is unchanged, so a change of
    whitespace or quote style alone makes no version. A text shrunk below COLLAPSE_RATIO of a
    latest text of COLLAPSE_MIN_CHARS or more is a collapse. Only the authors changed, and only
    in format (same_byline), is unchanged: a re-read byline is not an edit. Anything else is new.
    """
    latest_chars = len(latest.text) if latest is not None else None
    chars = len(new.text)
    if not new.text:
        return VersionDecision(VersionOutcome.EMPTY, chars, latest_chars)
    if latest is None:
        return VersionDecision(VersionOutcome.NEW, chars)
    if new.content_hash == latest.content_hash:
        return VersionDecision(VersionOutcome.UNCHANGED, chars, latest_chars)
    if len(latest.text) >= COLLAPSE_MIN_CHARS and chars < COLLAPSE_RATIO * len(latest.text):
        return VersionDecision(VersionOutcome.COLLAPSED, chars, latest_chars)
    changed = _changed(latest, new)
    if changed == ("authors",) and same_byline(latest.authors, new.authors):
        return VersionDecision(VersionOutcome.UNCHANGED, chars, latest_chars)
    return VersionDecision(VersionOutcome.NEW, chars, latest_chars, changed)


def same_byline(before: tuple[str, ...], after: tuple[str, ...]) -> bool:
    """Whether two author lists differ only in format, so that the change is not an edit.

    Case, punctuation, order, how the names are split into entries and the noise an older
    extractor left in or around them ("By", "(jd)", "Staff Writer") are format. A name is the
    same if the words of each new entry all occur in one old entry, and every old entry still
    holds one of the new entries: ["By Jane Doe (jd) and John Roe"] and ["Jane Doe", "John Roe"]
    are the same byline; a name added where there was none, or one dropped, is a change.
    """
    old_entries = [_name_words(name) for name in before]
    new_entries = [_name_words(name) for name in after]
    old_entries = [words for words in old_entries if words]
    new_entries = [words for words in new_entries if words]
    if not old_entries or not new_entries:
        return not old_entries and not new_entries
    every_new_is_old = all(any(new <= old for old in old_entries) for new in new_entries)
    every_old_kept = all(any(new <= old for new in new_entries) for old in old_entries)
    return every_new_is_old and every_old_kept


def _name_words(name: str) -> frozenset[str]:
    return frozenset(_WORD.findall(unicodedata.normalize("NFKC", name).casefold()))


def _changed(latest: LatestContent, new: NewContent) -> tuple[str, ...]:
    """Which of title, authors and text differ once normalised."""
    differs = {
        "title": normalise_text(latest.title or "") != normalise_text(new.title or ""),
        "authors": [normalise_text(a) for a in latest.authors]
        != [normalise_text(a) for a in new.authors],
        "text": normalise_text(latest.text) != new.text,
    }
    return tuple(name for name, changed in differs.items() if changed)
