"""Pick the headline as shown: declared titles without site-name suffixes, checked against <h1>."""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["choose_title", "strip_site_name"]

_SEPARATOR = re.compile(r"\s+(?:[|\-–—:·•»/~]|::)\s+")
_WORD = re.compile(r"\w+")


def _key(text: str) -> str:
    return "".join(_WORD.findall(text.casefold()))


def _letters(text: str) -> str:
    return "".join(_WORD.findall(text))


def strip_site_name(title: str, site_names: Iterable[str | None]) -> str:
    """Remove a leading or trailing " - Site", " | Site" part naming the site, if there is one."""
    keys = {_key(name.lstrip("@")) for name in site_names if name}
    keys.discard("")
    parts = _SEPARATOR.split(title)
    while len(parts) > 1 and _is_site(parts[-1], keys):
        title = title[: _last_separator(title).start()]
        parts = parts[:-1]
    parts = _SEPARATOR.split(title)
    if len(parts) > 1 and _is_site(parts[0], keys):
        title = title[_SEPARATOR.search(title).end() :]  # type: ignore[union-attr]
    return title.strip()


def _last_separator(title: str) -> re.Match[str]:
    *_, last = _SEPARATOR.finditer(title)
    return last


def _is_site(part: str, keys: set[str]) -> bool:
    key = _key(part)
    if not key:
        return False
    return any(key == site or (len(key) >= 4 and (key in site or site in key)) for site in keys)


def choose_title(
    declared: Iterable[str | None],
    title_tag: str | None,
    headings: Iterable[str | None],
    site_names: Iterable[str | None],
    fallback: str | None = None,
) -> str | None:
    """The article headline as the page shows it.

    Declared titles (JSON-LD headline, og:title, twitter:title) come first, stripped of site
    names; a page heading that agrees with one of them wins because it is what readers see.
    """
    sites = [name for name in site_names if name]
    candidates = [strip_site_name(t, sites) for t in (*declared, title_tag) if t]
    candidates = [c for c in candidates if c and not c.endswith(("...", "…"))] or candidates
    shown = [h for h in headings if h]
    kickerless = _without_kicker(shown, candidates)
    if kickerless:
        return kickerless
    for candidate in candidates:
        for heading in shown:
            if _key(heading) == _key(candidate):
                # Same words: the declared text, unless it re-capitalises the shown heading.
                return candidate if _letters(heading) == _letters(candidate) else heading
    for heading in shown:
        if any(_overlap(heading, c) >= 0.8 for c in candidates) and len(heading.split()) >= 3:
            return heading
    if candidates:
        return _most_agreed(candidates)
    if shown:
        return shown[0]
    return strip_site_name(fallback, sites) if fallback else None


def _without_kicker(headings: list[str], candidates: list[str]) -> str | None:
    """A declared title that is the end of a page heading: what precedes it is a kicker.

    "Neue Leipziger Schule: Judy Lybke, ..." shown, "Judy Lybke, ..." declared: the declared
    title is the headline, the heading's first words its kicker.
    """
    for heading in headings[:1]:
        heading_key = _key(heading)
        for candidate in candidates:
            key = _key(candidate)
            if len(candidate.split()) >= 3 and key != heading_key and heading_key.endswith(key):
                return candidate
    return None


def _overlap(a: str, b: str) -> float:
    words_a, words_b = set(_WORD.findall(a.casefold())), set(_WORD.findall(b.casefold()))
    if not words_a or not words_b:
        return 0.0
    return len(words_a & words_b) / max(len(words_a), len(words_b))


def _most_agreed(candidates: list[str]) -> str:
    """The candidate most others agree with (first one on a tie): outvotes an odd SEO title."""
    scores = [sum(_key(c) == _key(other) for other in candidates) for c in candidates]
    return candidates[scores.index(max(scores))]
