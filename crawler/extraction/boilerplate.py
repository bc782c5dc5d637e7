"""Curated boilerplate: page furniture that survives trafilatura, removed from the tree and text.

Two layers, each rule backed by a fixture in tests/crawler/extraction/test_boilerplate.py:

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

from lxml.etree import tostring
from lxml.html import HtmlElement

__all__ = [
    "LINE_RULES",
    "CleanupReport",
    "clean_tree",
    "filter_lines",
    "is_boilerplate_line",
    "text_of",
]

_MAX_WORDS = 40  # furniture is short; a longer paragraph is treated as text whatever it says
_MAX_BLOCK_CHARS = 500  # a longer element is content (or holds it), never furniture as a whole


@dataclass(frozen=True)
class LineRule:
    """One curated furniture pattern, matched against a whole normalised paragraph.

    ``whole`` must match the paragraph from start to end; ``within`` is a phrase that makes
    the paragraph furniture wherever it occurs (searched, not scanned for from every offset:
    the cheap form of ``.*phrase.*``).
    """

    name: str
    whole: re.Pattern[str] | None = None
    within: re.Pattern[str] | None = None

    def matches(self, line: str) -> bool:
        return bool(
            (self.whole is not None and self.whole.fullmatch(line))
            or (self.within is not None and self.within.search(line))
        )


def _rule(name: str, whole: str | None = None, within: str | None = None) -> LineRule:
    return LineRule(name, _compiled(whole), _compiled(within))


def _compiled(regex: str | None) -> re.Pattern[str] | None:
    return re.compile(regex, re.IGNORECASE) if regex is not None else None


LINE_RULES: tuple[LineRule, ...] = (
    _rule(
        "browser_support",
        whole=r"(?:ie|internet explorer)\s*\d*\s+is\s+(?:no\s+longer\s+|not\s+)supported\b.*"
        r"|(?:your|this) (?:web )?browser is (?:out of date|outdated|not (?:fully )?supported)\b.*"
        r"|(?:please )?(?:update|upgrade) your browser\b.*"
        r"|(?:please )?enable javascript\b.*|javascript is (?:disabled|required)\b.*",
        within=r"\bfor an optimal experience,? visit our site on another browser\b",
    ),
    _rule(
        "cookie_notice",
        whole=r"(?:accept|reject|manage) (?:all )?cookies|cookie (?:policy|settings|preferences)",
        within=r"\bwe use cookies\b|\bthis (?:web)?site uses cookies\b"
        r"|\bby (?:continuing to (?:use|browse)|using) (?:this|our) (?:web)?site\b.*"
        r"\b(?:agree|consent|accept)\b",
    ),
    _rule(
        "newsletter_prompt",
        whole=r"(?:sign up|subscribe)\b.{0,120}"
        r"\b(?:newsletters?|inbox|e-?mail updates?|alerts?)\b.*|click here to subscribe\b.*",
        within=r"\bget (?:the latest|our|the best)\b.{0,80}"
        r"\b(?:in|to|into|delivered to) your inbox\b|\bnewsletter sign[- ]?up\b",
    ),
    _rule(
        "paywall_prompt",
        whole=r"(?:subscribe|sign in|log in|register)(?: now)? to (?:continue|keep) reading\b.*"
        r"|this (?:article|story|content) is (?:only )?(?:available )?(?:for|to) "
        r"(?:subscribers|members)\b.*",
    ),
    _rule(
        "advertisement_label",
        whole=r"(?:advertisement|advertising|ad|ads|sponsored(?: content)?|paid content"
        r"|story continues below(?: this)? (?:ad|advertisement)|continue reading below"
        r"|scroll to continue(?: with content)?|article continues below(?: this ad)?)\W*",
    ),
    _rule(
        "share_label",
        whole=r"(?:share|share this(?: article| story| page)?|share on (?:facebook|twitter|x)"
        r"|share via e-?mail|tweet|e-?mail|print|print article|copy link|link copied"
        r"|facebook|twitter|whatsapp|linkedin|reddit|pinterest|flipboard|order reprints"
        r"|- order reprints|- print article|save article|comments?|\d+ comments?)\W*",
    ),
    _rule(
        "read_more_teaser",
        whole=r"(?:read more|related|related articles?|related stories|related coverage|see more"
        r"|see also|more from [\w .'-]{1,40}|you (?:may|might) also like|recommended(?: for you)?"
        r"|don'?t miss|also read|most read|most popular|trending now|more stories)"
        r"(?:\s*(?:[:|»›>…]|\.\.\.)\s*.*)?",
    ),
    _rule(
        "image_caption_line",
        whole=r"(?:image|photo|picture|video)\s*:\s.*",
    ),
)

# Every rule at once, to answer "no rule" (nearly every paragraph) in two regex calls.
_ANY_WHOLE = re.compile(
    "|".join(f"(?:{r.whole.pattern})" for r in LINE_RULES if r.whole), re.IGNORECASE
)
_ANY_WITHIN = re.compile(
    "|".join(f"(?:{r.within.pattern})" for r in LINE_RULES if r.within), re.IGNORECASE
)

# class/id tokens of elements that are captions, credits or furniture containers.
_CAPTION_WORDS = ("caption", "captions", "figcaption", "credit", "credits")
_FURNITURE_WORDS = (
    "cookie",
    "cookies",
    "consent",
    "gdpr",
    "newsletter",
    "newsletters",
    "signup",
    "browser-support",
    "unsupported-browser",
    "ad-label",
    "advertisement",
)


def _token_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(rf"(?:^|[-_\s])(?:{'|'.join(words)})(?:$|[-_\s])", re.IGNORECASE)


_CAPTION_TOKEN = _token_pattern(_CAPTION_WORDS)
_FURNITURE_TOKEN = _token_pattern(_FURNITURE_WORDS)
_ANY_TOKEN = _token_pattern(_FURNITURE_WORDS + _CAPTION_WORDS)  # one search for "neither"
_BLOCK_TAGS = ("p", "div", "section", "aside", "li", "h2", "h3", "h4", "h5", "h6", "header")
_INLINE_TAGS = ("span", "small", "strong", "b", "em", "label", "button", "a")
_INLINE_SET = frozenset(_INLINE_TAGS)


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
    # str.split() and the regex class \s agree on what whitespace is (no-break space included).
    return " ".join(text.replace("\u2019", "'").replace("\u2018", "'").split()).lower()


@lru_cache(maxsize=16384)
def is_boilerplate_line(text: str) -> str | None:
    """Name of the first line rule a whole paragraph matches, or None if it is article text."""
    # Pages repeat the same short texts (menus, labels, nested wrappers of one text) and most
    # match no rule: results are cached, and two combined patterns answer "none" first.
    if len(text.split()) > _MAX_WORDS:
        return None
    return _line_rule(normalise_line(text))


@lru_cache(maxsize=16384)
def _line_rule(line: str) -> str | None:
    """is_boilerplate_line of a normalised line (texts differing in spacing or case share it)."""
    if not line or not (_ANY_WHOLE.fullmatch(line) or _ANY_WITHIN.search(line)):
        return None
    for rule in LINE_RULES:
        if rule.matches(line):
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
        if element.tag in _INLINE_SET and not _stands_alone(element):
            continue  # a link or span inside a sentence is part of that sentence
        text = text_of(element)
        if not text or len(text) > _MAX_BLOCK_CHARS:
            continue  # an empty element holds no text to remove; a long one is content
        name = _furniture(element, text)
        if name is not None:
            gone.update(element.iter())
            report.count(name, normalise_line(text))
            element.drop_tree()
    return report


def _furniture(element: HtmlElement, text: str) -> str | None:
    """The rule that makes ``element`` a caption, credit or furniture block, if one does.

    An inline element is asked only if it stands alone (clean_tree checks that first).
    """
    css, ident = element.get("class"), element.get("id")
    if css or ident:
        name = _token_rule(f"{css or ''} {ident or ''}")
        if name == "furniture_container" or (name == "figure_caption" and _near_image(element)):
            return name
    name = is_boilerplate_line(text)
    if name is not None and name not in ("share_label", "image_caption_line"):
        return name
    return None


@lru_cache(maxsize=4096)
def _token_rule(tokens: str) -> str | None:
    """What the class/id ``tokens`` say an element is: furniture, a caption (if near an image)."""
    # Pages give many elements the same class (menu items, list entries): results are cached.
    if not _ANY_TOKEN.search(tokens):
        return None
    if _FURNITURE_TOKEN.search(tokens):
        return "furniture_container"
    if _CAPTION_TOKEN.search(tokens):
        return "figure_caption"
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


def text_of(element: HtmlElement) -> str:
    """``element.text_content()``, without the XPath call (it costs twice as much)."""
    text: str = tostring(element, method="text", encoding="unicode", with_tail=False)
    return text


def _drop(element: HtmlElement, name: str, report: CleanupReport) -> None:
    report.count(name, normalise_line(text_of(element)))
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
