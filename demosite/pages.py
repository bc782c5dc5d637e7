"""HTML of the demo site's pages: a realistic news layout with banners, ads and furniture."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

from demosite import bank
from demosite.content import Article, Figure, slugify

BANNER = "IE 11 is not supported. For an optimal experience visit our site on another browser."
STYLE = (
    "body{font-family:Georgia,serif;margin:0}header.site-header,footer{background:#111;color:#eee;"
    "padding:8px}nav a{color:#eee;margin-right:12px}main{max-width:720px;margin:auto}"
    ".ad-slot{border:1px dashed #999;font:12px sans-serif;padding:6px}"
)


@dataclass(frozen=True)
class PageContext:
    """Per-request rendering inputs: the site's name, URLs, and the per-request nonce."""

    site_name: str
    base_url: str
    nonce: int
    rendered_at: datetime
    link: Callable[[Article], str]
    today: datetime  # the site's own "now": archive links and copyright year

    @property
    def token(self) -> str:
        """A hex token that differs on every request (ad nonce, session id)."""
        return hashlib.sha1(f"nonce:{self.nonce}".encode()).hexdigest()[:16]


def display_time(when: datetime) -> str:
    """'Oct. 17, 2019, 6:46 AM UTC' style."""
    month = when.strftime("%b") + ("." if when.month not in (5, 6, 7) else "")
    hour = when.hour % 12 or 12
    return f"{month} {when.day}, {when.year}, {hour}:{when:%M} {when:%p} UTC"


def ad_slot(ctx: PageContext, slot: str) -> str:
    """An ad whose creative, nonce and render stamp change on every request."""
    digest = hashlib.sha1(f"{ctx.nonce}:{slot}".encode()).digest()
    creative = bank.ADS[digest[0] % len(bank.ADS)].format(n=digest[1] % 9 + 1, m=digest[2] % 10)
    return (
        f'<aside class="ad-slot ad-{slot}" data-ad-nonce="{ctx.token}">'
        f'<span class="ad-label">Advertisement</span> <a href="/" rel="sponsored">'
        f"{escape(creative)}</a> <!-- rendered at {ctx.rendered_at.isoformat()} --></aside>"
    )


def layout(ctx: PageContext, title: str, main: str, head: str = "", banner: bool = True) -> str:
    """Full page: head, banner, site header with navigation, main, footer."""
    nav = "".join(f'<li><a href="/{key}/">{name}</a></li>' for key, name in bank.SECTIONS.items())
    banner_html = f'<div class="browser-banner" role="alert">{BANNER}</div>' if banner else ""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n{head}<style>{STYLE}</style>\n"
        f'<script>window.__RENDER__={{"nonce":"{ctx.token}",'
        f'"renderedAt":"{ctx.rendered_at.isoformat()}"}};</script>\n</head>\n<body>\n'
        f"{banner_html}\n"
        f'<header class="site-header"><a class="logo" href="/">{escape(ctx.site_name)}</a>\n'
        f'<nav aria-label="Sections"><ul>{nav}</ul></nav>\n'
        '<a class="subscribe" href="/newsletters/">Newsletters</a></header>\n'
        f"{ad_slot(ctx, 'top')}\n<main>\n{main}\n</main>\n"
        f"{footer(ctx)}\n</body>\n</html>\n"
    )


def footer(ctx: PageContext) -> str:
    """Site footer with links and the per-request render stamp."""
    return (
        '<footer class="site-footer"><ul><li><a href="/about/">About us</a></li>'
        '<li><a href="/newsletters/">Newsletters</a></li><li><a href="/rss.xml">RSS</a></li>'
        f'<li><a href="/calendar/{ctx.today:%Y/%m}/">Archive</a></li></ul>'
        f"<p>© {ctx.today.year} {escape(ctx.site_name)}. All rights reserved.</p>"
        f'<p class="render-stamp">Rendered at {ctx.rendered_at.isoformat()} '
        f"(request {ctx.token})</p></footer>"
    )


def figure(fig: Figure, css: str) -> str:
    """A figure with image, caption and photo credit."""
    return (
        f'<figure class="{css}"><img src="{fig.src}" alt="{escape(fig.alt)}" width="1200" '
        f'height="675"><figcaption><span class="caption">{escape(fig.caption)}</span>'
        f'<span class="credit">{escape(fig.credit)}</span></figcaption></figure>'
    )


def byline(authors: Sequence[str]) -> str:
    """'By A and B' with links to author pages."""
    links = [f'<a href="/author/{slugify(a)}/" rel="author">{escape(a)}</a>' for a in authors]
    joined = links[0] if len(links) == 1 else ", ".join(links[:-1]) + " and " + links[-1]
    return f'<div class="byline">By {joined}</div>'


def article_head(ctx: PageContext, article: Article, canonical: str) -> str:
    """Canonical link, Open Graph, article meta tags and JSON-LD NewsArticle."""
    image = ctx.base_url + article.hero.src
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.headline,
        "description": article.dek,
        "mainEntityOfPage": canonical,
        "image": [image],
        "datePublished": article.published.isoformat(),
        "dateModified": article.modified.isoformat(),
        "articleSection": bank.SECTIONS[article.section],
        "author": [
            {"@type": "Person", "name": a, "url": f"{ctx.base_url}/author/{slugify(a)}/"}
            for a in article.authors
        ],
        "publisher": {"@type": "Organization", "name": ctx.site_name},
    }
    ld_text = json.dumps(ld, ensure_ascii=False, indent=1).replace("</", "<\\/")
    return (
        f'<meta name="description" content="{escape(article.dek)}">\n'
        f'<link rel="canonical" href="{escape(canonical)}">\n'
        f'<meta property="og:title" content="{escape(article.headline)}">\n'
        '<meta property="og:type" content="article">\n'
        f'<meta property="og:url" content="{escape(canonical)}">\n'
        f'<meta property="og:site_name" content="{escape(ctx.site_name)}">\n'
        f'<meta property="og:image" content="{escape(image)}">\n'
        f'<meta property="article:published_time" content="{article.published.isoformat()}">\n'
        f'<meta property="article:modified_time" content="{article.modified.isoformat()}">\n'
        f'<meta property="article:section" content="{bank.SECTIONS[article.section]}">\n'
        f'<script type="application/ld+json">{ld_text}</script>\n'
    )


def article_body(article: Article) -> str:
    """Body paragraphs with the inline figure and newsletter prompt woven in."""
    parts: list[str] = []
    newsletter = bank.NEWSLETTERS[article.number % len(bank.NEWSLETTERS)]
    for index, text in enumerate(article.paragraphs):
        parts.append(f"<p>{escape(text)}</p>")
        if index == article.inline_after:
            parts.append(figure(article.inline, "inline-figure"))
        if index == 4 and len(article.paragraphs) > 6:
            parts.append(newsletter_prompt(newsletter))
    if article.correction:
        parts.append(f'<p class="correction"><strong>{escape(article.correction)}</strong></p>')
    if article.credit_line:
        parts.append(f'<p class="reporting-credit"><em>{escape(article.credit_line)}</em></p>')
    return "\n".join(parts)


def newsletter_prompt(name: str) -> str:
    """The in-article newsletter sign-up box."""
    return (
        f'<aside class="newsletter-signup"><h3>Sign up for {escape(name)}</h3>'
        "<p>Get the day's top stories delivered to your inbox. Sign up for our newsletter.</p>"
        '<form action="/newsletters/" method="get"><input type="email" name="email">'
        "<button>Sign up</button></form></aside>"
    )


def article_page(
    ctx: PageContext, article: Article, related: Sequence[Article], canonical: str
) -> str:
    """A full article page."""
    updated = ""
    if article.modified > article.published:
        updated = (
            f' <span class="updated">Updated <time datetime="{article.modified.isoformat()}">'
            f"{display_time(article.modified)}</time></span>"
        )
    # Inside the body the banner survives trafilatura; our own cleanup has to drop it.
    inside = f'<div class="browser-support" role="alert"><p>{BANNER}</p></div>\n'
    inside = inside if article.banner_inside else ""
    related_items = "".join(
        f'<li><a href="{escape(ctx.link(r))}">{escape(r.headline)}</a></li>' for r in related
    )
    tags = ", ".join(
        f'<a href="/tag/{t}/" rel="tag">{escape(t.replace("-", " "))}</a>' for t in article.tags
    )
    main = (
        f'<article class="article" data-article-id="{article.number}">\n'
        f'<header class="article-header"><a class="section-label" href="/{article.section}/">'
        f"{bank.SECTIONS[article.section]}</a>\n"
        f'<h1 class="headline">{escape(article.headline)}</h1>\n'
        f'<p class="dek">{escape(article.dek)}</p>\n'
        f"{figure(article.hero, 'hero-figure')}\n{byline(article.authors)}\n"
        f'<div class="dateline"><time datetime="{article.published.isoformat()}">'
        f"{display_time(article.published)}</time>{updated}</div>\n</header>\n"
        f'<div class="article-body">\n{inside}{article_body(article)}\n</div>\n'
        f"{ad_slot(ctx, 'inline')}\n"
        f'<div class="tags">Topics: {tags}</div>\n</article>\n'
        f'<section class="related"><h2>Related</h2><ul>{related_items}</ul></section>\n'
        f"{ad_slot(ctx, 'rail')}"
    )
    head = article_head(ctx, article, canonical)
    title = f"{article.headline} | {ctx.site_name}"
    return layout(ctx, title, main, head, banner=not article.banner_inside)


def teaser(ctx: PageContext, article: Article) -> str:
    """One headline in a list of articles."""
    return (
        f'<li class="teaser"><a href="{escape(ctx.link(article))}">{escape(article.headline)}</a>'
        f'<p class="dek">{escape(article.dek)}</p><span class="meta">'
        f"{escape(', '.join(article.authors))} · {display_time(article.published)}</span></li>"
    )


def listing_page(
    ctx: PageContext,
    heading: str,
    path: str,
    articles: Sequence[Article],
    page: int,
    has_next: bool,
) -> str:
    """A section front, tag page or author page, with ?page=N pagination."""
    items = "".join(teaser(ctx, a) for a in articles)
    pager = []
    if page > 1:
        prev = path if page == 2 else f"{path}?page={page - 1}"
        pager.append(f'<a rel="prev" href="{prev}">Previous</a>')
    if has_next:
        pager.append(f'<a rel="next" href="{path}?page={page + 1}">Next page</a>')
    suffix = f" (page {page})" if page > 1 else ""
    main = (
        f'<h1 class="page-title">{escape(heading)}{suffix}</h1>\n<ul class="stories">{items}</ul>'
        f'\n<nav class="pagination">{" ".join(pager)}</nav>\n{ad_slot(ctx, "rail")}'
    )
    head = f'<link rel="canonical" href="{ctx.base_url}{path}">\n'
    return layout(ctx, f"{heading}{suffix} | {ctx.site_name}", main, head)


def home_page(
    ctx: PageContext,
    latest: Sequence[Article],
    by_section: Mapping[str, Sequence[Article]],
    paged: Collection[str],
) -> str:
    """The homepage: top story, latest list, section blocks, feeds, and crawler traps."""
    top = latest[0]
    blocks = "".join(
        f'<section class="section-block"><h2><a href="/{key}/">{bank.SECTIONS[key]}</a></h2>'
        f"<ul>{''.join(teaser(ctx, a) for a in items)}</ul>"
        + (
            f'<a class="more" href="/{key}/?page=2">More {bank.SECTIONS[key]}</a>'
            if key in paged
            else ""
        )
        + "</section>\n"
        for key, items in by_section.items()
    )
    token = ctx.token
    main = (
        f'<section class="top-story"><h2><a href="{escape(ctx.link(top))}">'
        f"{escape(top.headline)}</a></h2>{figure(top.hero, 'hero-figure')}"
        f'<p class="dek">{escape(top.dek)}</p></section>\n'
        f'<section class="latest"><h2>Latest</h2><ul>'
        f"{''.join(teaser(ctx, a) for a in latest[1:])}</ul></section>\n{blocks}"
        f"{ad_slot(ctx, 'home')}\n"
        '<section class="editions"><h2>Editions</h2><ul>'
        f'<li><a href="/?edition=us&amp;sessionid={token}">U.S. edition</a></li>'
        f'<li><a href="/world/?sessionid={token}">International edition</a></li></ul></section>\n'
        '<section class="staff"><h2>For staff</h2><ul>'
        '<li><a href="/private/">Newsroom intranet</a></li>'
        '<li><a href="/private/drafts/embargoed-story.html">Embargoed drafts</a></li>'
        "</ul></section>\n"
        f'<p class="archive"><a href="/calendar/{ctx.today:%Y/%m}/">Browse the archive by '
        "month</a></p>"
    )
    head = (
        f'<link rel="canonical" href="{ctx.base_url}/">\n'
        f'<meta property="og:site_name" content="{escape(ctx.site_name)}">\n'
        '<meta property="og:type" content="website">\n'
        f'<link rel="alternate" type="application/rss+xml" title="{escape(ctx.site_name)} RSS" '
        'href="/rss.xml">\n'
        f'<link rel="alternate" type="application/atom+xml" title="{escape(ctx.site_name)} Atom" '
        'href="/atom.xml">\n'
        '<link rel="alternate" type="application/feed+json" href="/feed.json">\n'
    )
    return layout(ctx, f"{ctx.site_name}: Breaking News and Top Stories", main, head)


def calendar_page(ctx: PageContext, year: int, month: int, articles: Sequence[Article]) -> str:
    """A month of the archive, linking to the previous and next month forever."""
    prev_y, prev_m = (year, month - 1) if month > 1 else (year - 1, 12)
    next_y, next_m = (year, month + 1) if month < 12 else (year + 1, 1)
    items = "".join(teaser(ctx, a) for a in articles) or "<li>No stories this month.</li>"
    main = (
        f'<h1 class="page-title">Archive: {year}-{month:02d}</h1><ul class="stories">{items}</ul>'
        f'<nav class="calendar"><a href="/calendar/{prev_y:04d}/{prev_m:02d}/">Previous month</a>'
        f' <a href="/calendar/{next_y:04d}/{next_m:02d}/">Next month</a></nav>'
    )
    return layout(ctx, f"Archive {year}-{month:02d} | {ctx.site_name}", main)


def simple_page(ctx: PageContext, title: str, paragraphs: Sequence[str]) -> str:
    """A plain text page (about, newsletters, private pages, errors)."""
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return layout(ctx, f"{title} | {ctx.site_name}", f"<h1>{escape(title)}</h1>{body}")
