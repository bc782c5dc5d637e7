"""What an article says: the extracted content that versions are made of, and its hash."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u00a0": " ",
    }
)
_QUOTE_PAIRS = tuple((chr(code), str(plain)) for code, plain in _QUOTES.items())
_TYPOGRAPHY = re.compile("[" + "".join(chr(c) for c in _QUOTES) + "]")
_SPACES = re.compile(r"[ \t\f\v\u2000-\u200b\u202f\u205f\u3000]+")
# What _SPACES would change: a run of two or more, or one that is not a plain space.
_UNUSUAL_SPACING = re.compile(
    r"[ \t\f\v\u2000-\u200b\u202f\u205f\u3000]{2,}|[\t\f\v\u2000-\u200b\u202f\u205f\u3000]"
)


@dataclass(frozen=True)
class ArticleContent:
    """The cleaned content of one fetch of an article, as the extractor produced it."""

    text: str
    title: str | None = None
    authors: tuple[str, ...] = ()
    published_at: datetime | None = None
    modified_at: datetime | None = None
    description: str | None = None
    language: str | None = None
    site_name: str | None = None
    top_image: str | None = None
    section: str | None = None
    tags: tuple[str, ...] = ()
    paywalled: bool | None = None
    canonical_url: str | None = None
    page_type: str | None = None
    extractor: str = "newsarchive"
    extractor_version: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    #: Where the text came from: html, jsonld, embedded_data, amp or rendered
    #: (docs/javascript-pages.md). Not part of the content hash.
    body_source: str = "html"


def normalise_text(text: str) -> str:
    """NFC, one quote style, single spaces, one paragraph per line, no blank lines."""
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if _TYPOGRAPHY.search(text):
        # One str.replace per character present: each is a C-speed pass, where translate()
        # looks every character of the text up in its table (about 60 times slower here).
        for typographic, plain in _QUOTE_PAIRS:
            if typographic in text:
                text = text.replace(typographic, plain)
    if _UNUSUAL_SPACING.search(text):
        lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    else:  # every run of spaces is one plain space already: only the ends need trimming
        lines = (line.strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def content_hash(content: ArticleContent, *, normalised_text: str | None = None) -> str:
    """sha256 over the normalised title, authors and text: equal hashes mean the same version.

    Raw HTML never enters the hash, so ads, nonces and "rendered at" stamps make no new version.
    A caller that has ``normalise_text(content.text)`` already may pass it in.
    """
    parts = [
        normalise_text(content.title or ""),
        "; ".join(normalise_text(author) for author in content.authors),
        normalised_text if normalised_text is not None else normalise_text(content.text),
    ]
    return hashlib.sha256("\x1e".join(parts).encode("utf-8")).hexdigest()
