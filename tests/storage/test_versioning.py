"""decide_version: whether new content is a new version, decided without a database."""

from __future__ import annotations

import pytest

from storage.content import ArticleContent
from storage.versioning import (
    COLLAPSE_MIN_CHARS,
    COLLAPSE_RATIO,
    LatestContent,
    NewContent,
    VersionOutcome,
    decide_version,
)

TEXT = "The council voted on Tuesday to rebuild the bridge.\n" * 20  # 1,040 characters


def latest(
    text: str = TEXT, title: str = "Bridge vote", authors: tuple[str, ...] = ()
) -> LatestContent:
    new = NewContent.of(ArticleContent(text=text, title=title, authors=authors))
    return LatestContent(title, authors, text, new.content_hash)


def new(text: str = TEXT, title: str = "Bridge vote", authors: tuple[str, ...] = ()) -> NewContent:
    return NewContent.of(ArticleContent(text=text, title=title, authors=authors))


def test_first_content_is_a_new_version() -> None:
    decision = decide_version(None, new())
    assert decision.outcome is VersionOutcome.NEW
    assert (decision.latest_chars, decision.ratio, decision.changed) == (None, None, ())


def test_the_same_content_is_unchanged() -> None:
    assert decide_version(latest(), new()).outcome is VersionOutcome.UNCHANGED


def test_whitespace_and_quote_style_alone_are_unchanged() -> None:
    before = latest(text="He said \u201cno\u201d.\nSecond paragraph.", title="A \u2018quote\u2019")
    after = new(text='  He said  "no".\n\n Second   paragraph. \n', title="A 'quote'")
    assert decide_version(before, after).outcome is VersionOutcome.UNCHANGED


def test_an_edit_is_new_and_names_what_changed() -> None:
    edited = TEXT.replace("Tuesday", "Wednesday", 1)
    decision = decide_version(latest(), new(text=edited, authors=("Ann Writer",)))
    assert decision.outcome is VersionOutcome.NEW
    assert decision.changed == ("authors", "text")
    assert decision.ratio == pytest.approx(len(edited.strip()) / len(TEXT))


def test_a_new_headline_alone_is_new() -> None:
    decision = decide_version(latest(), new(title="Bridge vote delayed"))
    assert (decision.outcome, decision.changed) == (VersionOutcome.NEW, ("title",))


@pytest.mark.parametrize("text", ["", "   \n\t\n"])
def test_no_text_is_empty_first_version_or_not(text: str) -> None:
    assert decide_version(None, new(text=text)).outcome is VersionOutcome.EMPTY
    assert decide_version(latest(), new(text=text)).outcome is VersionOutcome.EMPTY


def test_a_text_shrunk_below_the_ratio_collapsed() -> None:
    stub = "Subscribe to read the rest of this story."
    decision = decide_version(latest(), new(text=stub))
    assert decision.outcome is VersionOutcome.COLLAPSED
    assert (decision.latest_chars, decision.new_chars) == (len(TEXT), len(stub))
    assert decision.ratio is not None
    assert decision.ratio < COLLAPSE_RATIO


def test_a_shrink_just_above_the_ratio_is_an_edit() -> None:
    kept = TEXT[: int(len(TEXT) * COLLAPSE_RATIO) + 60]
    assert decide_version(latest(), new(text=kept)).outcome is VersionOutcome.NEW


def test_a_short_latest_text_never_collapses() -> None:
    short = "x" * (COLLAPSE_MIN_CHARS - 1)
    decision = decide_version(latest(text=short), new(text="A correction."))
    assert decision.outcome is VersionOutcome.NEW
