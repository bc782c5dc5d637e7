"""Fixture pages shaped like sites built by JavaScript: one story, every way such sites ship it.

Each page function takes a ``Story`` and returns the HTML a server would send, so a test can
edit the story and fetch again. Shapes: a JSON-LD ``articleBody`` shell, Next.js pages router
(``__NEXT_DATA__``), Next.js app router (``self.__next_f.push``), Nuxt (``__NUXT_DATA__``), a
state blob (``window.__PRELOADED_STATE__``), a shell linking its AMP version, the AMP page
itself, a page filled by ``fetch()`` from a JSON API, and an ordinary server-rendered page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from html import escape

SITE = "Daily Planet"
SHELL_FURNITURE = f"<header>{SITE} World Business</header>"


@dataclass(frozen=True)
class Story:
    headline: str = "Harbour bridge reopens after a year of repairs"
    author: str = "Lois Lane"
    published: str = "2026-11-30T08:15:00+00:00"
    paragraphs: tuple[str, ...] = (
        "The harbour bridge reopened to traffic on Monday morning, a year after engineers "
        "closed it when inspectors found corroded cables beneath the eastern span.",
        "City officials said the repairs cost 48 million, about a fifth more than planned, "
        "because steel prices rose sharply during the second half of the project.",
        "Commuters who had spent the year on ferries and detours lined the approach road "
        "before dawn, and the first cars crossed shortly after six o'clock.",
        "The transport department said the bridge will be inspected every six months from "
        "now on, rather than every two years, and that the results will be published.",
        "Shopkeepers on both banks said trade had fallen by a third while the bridge was "
        "closed and that they hoped customers would return before the holiday season.",
    )

    def edited(self) -> Story:
        """The same story with its second paragraph rewritten (a real edit)."""
        changed = "City officials said the repairs cost 52 million, a quarter more than planned."
        return replace(self, paragraphs=(self.paragraphs[0], changed, *self.paragraphs[2:]))

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)


def _shell(head: str, body: str, mount: str = '<div id="__next"></div>') -> str:
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{SITE}</title>"
        f"{head}</head><body>{SHELL_FURNITURE}{mount}"
        f"<noscript>You need to enable JavaScript to run this app.</noscript>{body}</body></html>"
    )


def jsonld_shell(story: Story) -> str:
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": story.headline,
        "author": {"@type": "Person", "name": story.author},
        "datePublished": story.published,
        "articleBody": story.text,
    }
    script = f'<script type="application/ld+json">{json.dumps(data)}</script>'
    return _shell(script, "", '<div id="app"><p>Loading…</p></div>')


def next_pages_shell(story: Story) -> str:
    """Pages router: the story's body as an HTML string in ``pageProps``."""
    body_html = "".join(f"<p>{escape(p)}</p>" for p in story.paragraphs)
    data = {
        "props": {
            "pageProps": {
                "article": {
                    "title": story.headline,
                    "authors": [{"name": story.author}],
                    "publishedAt": story.published,
                    "body": body_html,
                },
                "navigation": [{"label": "World"}, {"label": "Business"}],
            }
        },
        "page": "/[section]/[slug]",
        "buildId": "b1",
    }
    script = f'<script id="__NEXT_DATA__" type="application/json">{json.dumps(data)}</script>'
    return _shell("", script)


def next_app_shell(story: Story) -> str:
    """App router: React elements of the body in the flight stream pushed by scripts."""
    elements = [["$", "p", str(i), {"children": p}] for i, p in enumerate(story.paragraphs)]
    header = {"headline": story.headline, "byline": story.author, "datePublished": story.published}
    rows = [
        '0:["$","html",null,{"lang":"en","children":"$L1"}]',
        "1:" + json.dumps(["$", "article", None, {"data": header, "children": elements}]),
    ]
    pushes = [json.dumps([0]), json.dumps([1, rows[0] + "\n"]), json.dumps([1, rows[1] + "\n"])]
    scripts = "".join(f"<script>self.__next_f.push({push})</script>" for push in pushes)
    return _shell("", "<script>(self.__next_f=self.__next_f||[]).push([0])</script>" + scripts)


def nuxt_shell(story: Story) -> str:
    """Nuxt 3: the payload in devalue's flat-table format, rich text as Portable Text blocks."""
    table: list[object] = [["ShallowReactive", 1], {"data": 2}, {"story": 3}]
    blocks_at = []
    table.append({"headline": 4, "author": 5, "datePublished": 6, "content": 7})
    table.extend([story.headline, story.author, story.published, []])
    for paragraph in story.paragraphs:
        span_at = len(table)
        table.append({"_type": span_at + 1, "text": span_at + 2})
        table.extend(["span", paragraph])
        block_at = len(table)
        table.append({"_type": block_at + 1, "children": block_at + 2})
        table.extend(["block", [span_at]])
        blocks_at.append(block_at)
    table[7] = blocks_at
    script = f'<script type="application/json" id="__NUXT_DATA__">{json.dumps(table)}</script>'
    return _shell("", script, '<div id="__nuxt"></div>')


def state_blob_shell(story: Story) -> str:
    """A Redux-style state blob with Arc-style ``content_elements`` (HTML in ``content``)."""
    elements = [{"type": "text", "content": f"<b></b>{escape(p)}"} for p in story.paragraphs]
    elements.insert(2, {"type": "image", "url": "/photo.jpg", "caption": "The bridge"})
    state = {
        "story": {
            "headlines": {"basic": story.headline},
            "headline": story.headline,
            "credits": {"by": [{"name": story.author}]},
            "display_date": story.published,
            "content_elements": elements,
        },
        "user": {"loggedIn": False},
    }
    script = f"<script>window.__PRELOADED_STATE__ = {json.dumps(state)};</script>"
    return _shell("", script, '<div id="root"></div>')


def amp_linked_shell(story: Story, amp_path: str = "/amp/story.html") -> str:
    link = f'<link rel="amphtml" href="{amp_path}">'
    return _shell(link, "<script src='/bundle.js'></script>", '<div id="root"></div>')


def amp_page(story: Story, canonical: str) -> str:
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in story.paragraphs)
    return (
        "<!doctype html><html amp lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(story.headline)}</title><link rel='canonical' href='{canonical}'>"
        f"<meta name='author' content='{escape(story.author)}'></head><body>"
        f"<article><h1>{escape(story.headline)}</h1>{paragraphs}</article></body></html>"
    )


def fetch_api_shell(story: Story) -> str:
    """Filled by ``fetch()`` from a JSON API: nothing of the story is in the page."""
    script = (
        "<script>fetch('/api/story.json').then(r => r.json()).then(s => {"
        "document.getElementById('root').innerHTML = s.html; });</script>"
    )
    return _shell("", script, '<div id="root"></div>')


def ordinary_page(story: Story) -> str:
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in story.paragraphs)
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(story.headline)} - {SITE}</title>"
        f"<meta name='author' content='{escape(story.author)}'></head><body>"
        f"<nav><a href='/'>Home</a></nav><div id='app'><article><h1>{escape(story.headline)}</h1>"
        f"{paragraphs}</article></div><noscript>Enable JavaScript for comments.</noscript>"
        "</body></html>"
    )


#: path -> (page function, the body_source a recovered version records, or None: no version)
SHELLS = {
    "/jsonld.html": (jsonld_shell, "jsonld"),
    "/next-pages.html": (next_pages_shell, "embedded_data"),
    "/next-app.html": (next_app_shell, "embedded_data"),
    "/nuxt.html": (nuxt_shell, "embedded_data"),
    "/state.html": (state_blob_shell, "embedded_data"),
    "/fetch.html": (fetch_api_shell, None),
    "/ordinary.html": (ordinary_page, "html"),
}
