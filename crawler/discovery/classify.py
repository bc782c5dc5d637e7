"""Deciding from a URL alone whether it is an article, a page worth following, or a trap."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qsl, urlsplit

from storage.urls import plain_path

UrlKind = Literal["article", "page", "skip"]

MEDIA_EXTENSIONS = frozenset(
    [
        ".jpg",
        ".jpeg",
        ".png",
        ".gif",
        ".webp",
        ".svg",
        ".ico",
        ".bmp",
        ".tif",
        ".tiff",
        ".avif",
        ".mp3",
        ".mp4",
        ".m4a",
        ".m4v",
        ".mov",
        ".avi",
        ".webm",
        ".ogg",
        ".wav",
        ".flac",
        ".pdf",
        ".zip",
        ".gz",
        ".tgz",
        ".rar",
        ".7z",
        ".exe",
        ".dmg",
        ".apk",
        ".doc",
        ".docx",
        ".xls",
        ".xlsx",
        ".ppt",
        ".pptx",
        ".csv",
        ".json",
        ".js",
        ".css",
        ".woff",
        ".woff2",
        ".ttf",
        ".eot",
        ".rss",
        ".atom",
    ]
)
NAVIGATION_SEGMENTS = frozenset(
    [
        "tag",
        "tags",
        "topic",
        "topics",
        "author",
        "authors",
        "category",
        "categories",
        "section",
        "sections",
        "search",
        "page",
        "archive",
        "archives",
        "about",
        "contact",
        "login",
        "signin",
        "register",
        "subscribe",
        "account",
        "newsletter",
        "video",
        "videos",
        "gallery",
        "galleries",
        "live",
    ]
)
TRAP_SEGMENTS = frozenset({"calendar", "cal", "events-calendar"})
TRAP_PARAMETERS = frozenset(
    {
        "sessionid",
        "session_id",
        "phpsessid",
        "jsessionid",
        "sessid",
        "sid",
        "date",
        "month",
        "year",
        "day",
    }
)
PAGINATION_PARAMETERS = frozenset({"page", "p", "pg", "offset", "start"})
_SLUG = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+){2,}", re.IGNORECASE)
_LONG_ID = re.compile(r"\d{5,}")
_DATE_PATH = re.compile(r"/(19|20)\d{2}/[01]?\d(/[0-3]?\d)?/")


@dataclass(frozen=True)
class UrlVerdict:
    kind: UrlKind
    reason: str


def _segments(path: str) -> list[str]:
    return [s for s in path.lower().split("/") if s]


def skip_reason(url: str) -> str | None:
    """Why ``url`` is never worth a request whoever lists it (media file, trap), else None."""
    path, query = plain_path(url), ""  # most listed URLs: no need to split them
    if path is None:
        parts = urlsplit(url)
        path, query = parts.path or "/", parts.query
    segments = _segments(path)
    last = segments[-1] if segments else ""
    extension = "." + last.rsplit(".", 1)[1] if "." in last else ""
    if extension in MEDIA_EXTENSIONS:
        return "media_file"
    if len(url) > 2000:
        return "url_too_long"
    if TRAP_SEGMENTS & set(segments):
        return "calendar_trap"
    if len(segments) != len(set(segments)) and len(segments) - len(set(segments)) >= 2:
        return "repeated_path_segments"
    if query and {k.lower() for k, _ in parse_qsl(query, keep_blank_values=True)} & TRAP_PARAMETERS:
        return "session_or_calendar_parameter"
    from courlan import is_not_crawlable  # see classify_url

    if is_not_crawlable(url):
        return "not_crawlable"
    return None


def classify_url(url: str) -> UrlVerdict:
    """'article' (archive it if the page agrees), 'page' (follow only) or 'skip' (with a reason)."""
    reason = skip_reason(url)
    if reason is not None:
        return UrlVerdict("skip", reason)
    parts = urlsplit(url)
    path = parts.path or "/"
    segments = _segments(path)
    last = segments[-1] if segments else ""
    params = {key.lower() for key, _ in parse_qsl(parts.query, keep_blank_values=True)}
    # Imported here: `archive` only asks article_reason, and courlan (with babel and urllib3)
    # cost its process 32-35 ms of CPU at start.
    from courlan import is_navigation_page

    if params & PAGINATION_PARAMETERS or is_navigation_page(url):
        return UrlVerdict("page", "navigation")
    if NAVIGATION_SEGMENTS & set(segments[:-1] or segments):
        return UrlVerdict("page", "navigation")
    stem = last.rsplit(".", 1)[0]
    if _SLUG.fullmatch(stem) or _LONG_ID.search(stem) or (_DATE_PATH.search(path) and stem):
        return UrlVerdict("article", "article_url")
    return UrlVerdict("page", "section_or_front")


ARTICLE_TYPES = frozenset(
    {
        "article",
        "newsarticle",
        "reportagenewsarticle",
        "analysisnewsarticle",
        "opinionnewsarticle",
        "backgroundnewsarticle",
        "reviewnewsarticle",
        "blogposting",
        "liveblogposting",
        "report",
    }
)
MIN_UNDECLARED_ARTICLE_CHARS = 1500


# Sources whose URLs are articles by their own declaration, and the reason recorded for them.
DECLARING_SOURCES = {"sitemap": "news_sitemap", "feed": "feed_entry"}


def is_article_page(page_type: str | None, text: str) -> bool:
    """Whether an extracted page reached by following links is an article worth archiving.

    A page that declares itself an article (OpenGraph ``og:type``, JSON-LD ``@type``) is one; a
    page that declares nothing must carry a body of real length.
    """
    return article_reason(page_type, text) is not None


def article_reason(page_type: str | None, text: str, source: str | None = None) -> str | None:
    """Why a fetched page counts as an article (None: it does not), whatever its URL looks like.

    ``news_sitemap`` / ``feed_entry``: listed in a Google News sitemap or a feed (an article by
    the publisher's declaration); ``declared:<type>``: the page's JSON-LD ``@type`` or
    ``og:type`` is an article type; ``body_length``: it declares no type and its body is of
    article length. ``<article>`` markup alone is no declaration: section fronts wrap each
    teaser in one.
    """
    if source in DECLARING_SOURCES:
        return DECLARING_SOURCES[source]
    if page_type:
        declared = page_type.lower().rsplit(":", 1)[-1].replace(" ", "") in ARTICLE_TYPES
        return f"declared:{page_type}"[:32] if declared else None
    return "body_length" if len(text) >= MIN_UNDECLARED_ARTICLE_CHARS else None
