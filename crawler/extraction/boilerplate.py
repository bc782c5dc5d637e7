"""Curated boilerplate: page furniture that survives trafilatura, removed from the tree and text.

Two layers, each rule backed by a fixture in tests/extraction/test_boilerplate.py:

* tree rules (before trafilatura): figure captions and photo credits, and any short block whose
  whole text is a known furniture phrase (so a browser-support banner is removed even when the
  site put it inside the article container);
* line rules (after trafilatura): whole paragraphs that are furniture phrases, "Image: ..."
  caption lines, and the headline repeated as the first line.

Rules match whole, short paragraphs only, so a sentence of article text that merely mentions a
cookie or a newsletter is never removed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from lxml.html import HtmlElement

__all__ = ["LINE_RULES", "CleanupReport", "clean_tree", "filter_lines", "is_boilerplate_line"]

_MAX_WORDS = 40  # furniture is short; a longer paragraph is treated as text whatever it says
_MAX_BLOCK_CHARS = 500  # a longer element is content (or holds it), never furniture as a whole


@dataclass(frozen=True)
class LineRule:
    """One curated furniture pattern, matched against a whole normalised paragraph."""

    name: str
    pattern: re.Pattern[str]


def _rule(name: str, regex: str) -> LineRule:
    return LineRule(name, re.compile(regex, re.IGNORECASE))


LINE_RULES: tuple[LineRule, ...] = (
    _rule(
        "browser_support",
        r"^(?:(?:ie|internet explorer)\s*\d*\s+is\s+(?:no\s+longer\s+|not\s+)supported\b.*"
        r"|.*\bfor an optimal experience,? visit our site on another browser\b.*"
        r"|(?:your|this) (?:web )?browser is (?:out of date|outdated|not (?:fully )?supported)\b.*"
        r"|(?:please )?(?:update|upgrade) your browser\b.*"
        r"|(?:please )?enable javascript\b.*|javascript is (?:disabled|required)\b.*)$",
    ),
    _rule(
        "cookie_notice",
        r"^(?:.*\bwe use cookies\b.*|.*\bthis (?:web)?site uses cookies\b.*"
        r"|.*\bby (?:continuing to (?:use|browse)|using) (?:this|our) (?:web)?site\b.*"
        r"\b(?:agree|consent|accept)\b.*|(?:accept|reject|manage) (?:all )?cookies"
        r"|cookie (?:policy|settings|preferences))$",
    ),
    _rule(
        "newsletter_prompt",
        r"^(?:(?:sign up|subscribe)\b.{0,120}\b(?:newsletters?|inbox|e-?mail updates?|alerts?)\b.*"
        r"|.*\bget (?:the latest|our|the best)\b.{0,80}\b(?:in|to|into|delivered to) your inbox\b.*"
        r"|click here to subscribe\b.*|.*\bnewsletter sign[- ]?up\b.*)$",
    ),
    _rule(
        "paywall_prompt",
        r"^(?:(?:subscribe|sign in|log in|register)(?: now)? to (?:continue|keep) reading\b.*"
        r"|this (?:article|story|content) is (?:only )?(?:available )?(?:for|to) "
        r"(?:subscribers|members)\b.*)$",
    ),
    _rule(
        "advertisement_label",
        r"^(?:advertisement|advertising|ad|ads|sponsored(?: content)?|paid content"
        r"|story continues below(?: this)? (?:ad|advertisement)|continue reading below"
        r"|scroll to continue(?: with content)?|article continues below(?: this ad)?)\W*$",
    ),
    _rule(
        "share_label",
        r"^(?:share|share this(?: article| story| page)?|share on (?:facebook|twitter|x)"
        r"|share via e-?mail|tweet|e-?mail|print|print article|copy link|link copied"
        r"|facebook|twitter|whatsapp|linkedin|reddit|pinterest|flipboard|order reprints"
        r"|- order reprints|- print article|save article|comments?|\d+ comments?)\W*$",
    ),
    _rule(
        "read_more_teaser",
        r"^(?:read more|related|related articles?|related stories|related coverage|see more"
        r"|see also|more from [\w .'-]{1,40}|you (?:may|might) also like|recommended(?: for you)?"
        r"|don'?t miss|also read|most read|most popular|trending now|more stories)"
        r"(?:\s*(?:[:|»›>…]|\.\.\.)\s*.*)?$",
    ),
    _rule(
        "image_caption_line",
        r"^(?:image|photo|picture|video)\s*:\s.*$",
    ),
)

_ANY_RULE = re.compile(
    "|".join(f"(?:{rule.pattern.pattern})" for rule in LINE_RULES), re.IGNORECASE
)

# class/id tokens of elements that are captions, credits or furniture containers.
_CAPTION_TOKEN = re.compile(
    r"(?:^|[-_\s])(?:caption|captions|figcaption|credit|credits)(?:$|[-_\s])", re.IGNORECASE
)
_FURNITURE_TOKEN = re.compile(
    r"(?:^|[-_\s])(?:cookie|cookies|consent|gdpr|newsletter|newsletters|signup|browser-support|unsupported-browser"
    r"|ad-label|advertisement)(?:$|[-_\s])",
    re.IGNORECASE,
)
_BLOCK_TAGS = ("p", "div", "section", "aside", "li", "h2", "h3", "h4", "h5", "h6", "header")
_INLINE_TAGS = ("span", "small", "strong", "b", "em", "label", "button", "a")
_SPACE = re.compile(r"\s+")


@dataclass
class CleanupReport:
    """What clean_tree removed: rule names hit and the removed texts (to keep them out later)."""

    rules_hit: dict[str, int] = field(default_factory=dict)
    removed_texts: set[str] = field(default_factory=set)

    def count(self, name: str, text: str) -> None:
        self.rules_hit[name] = self.rules_hit.get(name, 0) + 1
        if text:
            self.removed_texts.add(text)


def normalise_line(text: str) -> str:
    """Lower-case, single-spaced, unified quotes: the form every rule matches against."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\xa0", " ")
    return _SPACE.sub(" ", text).strip().lower()


@lru_cache(maxsize=16384)
def is_boilerplate_line(text: str) -> str | None:
    """Name of the first line rule a whole paragraph matches, or None if it is article text."""
    # Pages repeat the same short texts (menus, labels, nested wrappers of one text) and most
    # match no rule: results are cached, and one combined pattern answers "none" first.
    line = normalise_line(text)
    if not line or len(line.split()) > _MAX_WORDS or not _ANY_RULE.match(line):
        return None
    for rule in LINE_RULES:
        if rule.pattern.match(line):
            return rule.name
    return None


def clean_tree(tree: HtmlElement) -> CleanupReport:
    """Remove captions, credits and furniture blocks from ``tree`` in place; report what went."""
    report = CleanupReport()
    for element in list(tree.iter("figcaption")):
        _drop(element, "figure_caption", report)
    gone: set[HtmlElement] = set()  # inside a dropped element: nothing left to decide
    for element in list(tree.iter(*_BLOCK_TAGS, *_INLINE_TAGS, "figure")):
        if element in gone:
            continue
        text = element.text_content()
        if not text or len(text) > _MAX_BLOCK_CHARS:
            continue  # an empty element holds no text to remove; a long one is content
        name = _furniture(element, text)
        if name is not None:
            gone.update(element.iter())
            report.count(name, normalise_line(text))
            element.drop_tree()
    return report


def _furniture(element: HtmlElement, text: str) -> str | None:
    """The rule that makes ``element`` a caption, credit or furniture block, if one does."""
    if element.tag in _INLINE_TAGS and not _stands_alone(element):
        return None  # a link or span inside a sentence is part of that sentence
    tokens = f"{element.get('class', '')} {element.get('id', '')}"
    if _FURNITURE_TOKEN.search(tokens):
        return "furniture_container"
    if _CAPTION_TOKEN.search(tokens) and _near_image(element):
        return "figure_caption"
    name = is_boilerplate_line(text)
    if name is not None and name not in ("share_label", "image_caption_line"):
        return name
    return None


def _near_image(element: HtmlElement) -> bool:
    """True if the element belongs to a figure: inside <figure>, or a sibling of an image."""
    if any(ancestor.tag == "figure" for ancestor in element.iterancestors()):
        return True
    parent = element.getparent()
    if parent is None:
        return False
    images: list[HtmlElement] = parent.xpath("./img|./picture|./a/img")
    return bool(images)


def _stands_alone(element: HtmlElement) -> bool:
    """True if an inline element is the whole text of its line (no sentence around it)."""
    if (element.tail or "").strip():
        return False
    previous = element.getprevious()
    before = previous.tail if previous is not None else element.getparent().text
    return not (before or "").strip()


def _drop(element: HtmlElement, name: str, report: CleanupReport) -> None:
    report.count(name, normalise_line(element.text_content()))
    element.drop_tree()


def filter_lines(
    lines: Iterable[str],
    title: str | None = None,
    removed: Iterable[str] = (),
    removed_within: Iterable[str] = (),
) -> list[str]:
    """Drop furniture paragraphs, removed caption texts and a leading repeated headline.

    A line equal to a text the tree rules removed goes; a line that is only part of one goes
    only if it is among ``removed_within`` (lines taken from the uncleaned page, where a
    removed caption may reappear split up). A line of the cleaned page that a caption happens
    to repeat is article text.
    """
    removed_set = {text for text in removed if text}
    partial = {line.strip() for line in removed_within}
    title_key = normalise_line(title) if title else None
    kept: list[str] = []
    for line in lines:
        key = normalise_line(line)
        if not key:
            continue
        if not kept and title_key and key == title_key:
            continue
        if key in removed_set or is_boilerplate_line(line) is not None:
            continue
        if line.strip() in partial and len(key) >= 20 and any(key in t for t in removed_set):
            continue
        kept.append(line.strip())
    return kept
