"""Articles of the demo site: deterministic generation and the documented edits per round."""

from __future__ import annotations

import dataclasses
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from demosite import bank, seed

MIN_PARAGRAPHS = 5
MAX_PARAGRAPHS = 12
SPREAD = timedelta(days=30)
NEWEST_AGE = timedelta(hours=2)


@dataclass(frozen=True)
class Figure:
    """An image with its caption and photo credit."""

    src: str
    alt: str
    caption: str
    credit: str


@dataclass(frozen=True)
class Article:
    """One article as it reads in a given round (the archivable content plus its metadata)."""

    number: int
    section: str
    slug: str
    headline: str
    dek: str
    authors: tuple[str, ...]
    tags: tuple[str, ...]
    published: datetime
    modified: datetime
    paragraphs: tuple[str, ...]
    credit_line: str | None
    correction: str | None
    hero: Figure
    inline: Figure
    inline_after: int
    banner_inside: bool

    @property
    def path(self) -> str:
        """The article's path: /news/<section>/<yyyy>/<mm>/<slug>.html."""
        return article_path(self.section, self.published, self.slug)

    def body(self) -> list[str]:
        """The archived text's paragraphs in page order: body, correction, reporting credit."""
        extra = [p for p in (self.correction, self.credit_line) if p]
        return [*self.paragraphs, *extra]


@dataclass(frozen=True)
class Edit:
    """One documented change to one article in one round.

    `headline`: the new headline, or "+suffix" to append to it; `paragraph`: (index, new text),
    or (index, "+") to append one sentence; `stealth`: dateModified is not bumped.
    """

    number: int
    headline: str | None = None
    paragraph: tuple[int, str] | None = None
    remove_paragraph: int | None = None
    correction: str | None = None
    stealth: bool = False


def article_path(section: str, published: datetime, slug: str) -> str:
    """Path of an article page."""
    return f"/news/{section}/{published:%Y/%m}/{slug}.html"


def slugify(text: str) -> str:
    """Lower-case, hyphen-separated ASCII slug."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def person_name(rng: random.Random) -> str:
    """A plausible full name."""
    return f"{rng.choice(bank.FIRST_NAMES)} {rng.choice(bank.LAST_NAMES)}"


def published_at(number: int, total: int, now: datetime, seed_value: int) -> datetime:
    """Publication time of article `number` (1 is the newest), spread over the last ~30 days."""
    spacing = SPREAD / max(total, 1)
    jitter_max = int(spacing.total_seconds() / 2)
    jitter = random.Random(f"{seed_value}:time:{number}").randint(0, max(jitter_max, 0))
    when = now - NEWEST_AGE - spacing * (number - 1) - timedelta(seconds=jitter)
    return when.replace(microsecond=0)


def _fill(template: str, rng: random.Random, section: str) -> str:
    vocab = bank.VOCAB[section]
    actor = rng.choice(vocab["actor"])
    org, org2 = rng.sample(vocab["org"], 2)
    values = {
        "actor": actor,
        "actor_cap": actor[0].upper() + actor[1:],
        "Actor": actor[0].upper() + actor[1:],
        "org": org,
        "org2": org2,
        "org_cap": org[0].upper() + org[1:],
        "Org": org[0].upper() + org[1:],
        "topic": rng.choice(vocab["topic"]),
        "event": rng.choice(vocab["event"]),
        "place": rng.choice(bank.PLACES),
        "City": rng.choice(bank.DATELINES)[0].title(),
        "day": rng.choice(bank.WEEKDAYS),
        "count": str(rng.randint(3, 9)),
        "pct": str(rng.randint(2, 38)),
        "direction": rng.choice(("increase", "decline")),
        "period": rng.choice(("week", "month", "year")),
        "years": str(rng.randint(2, 12)),
        "thousands": str(rng.randint(12, 480)),
        "person": person_name(rng),
        "role": rng.choice(bank.ROLES),
    }
    return template.format(**values)


def _capitalize(text: str) -> str:
    return text[0].upper() + text[1:]


class _Writer:
    """Draws paragraphs for one article, never repeating a paragraph already used on the site.

    Paragraphs that repeat across pages look like boilerplate to an extractor, so generated
    articles must not share any.
    """

    def __init__(self, rng: random.Random, section: str, used: set[str]) -> None:
        self.rng = rng
        self.section = section
        self.used = used
        self.deck: list[str] = []

    def sentence(self) -> str:
        if not self.deck:
            self.deck = self.rng.sample(bank.SENTENCES, len(bank.SENTENCES))
        return _fill(self.deck.pop(), self.rng, self.section)

    def _draw(self, attempt: int) -> str:
        rng = self.rng
        if attempt == 0 and rng.random() < 0.2:
            quote = rng.choice(bank.QUOTES)
            return f"“{quote},” said {person_name(rng)}, {rng.choice(bank.ROLES)}."
        count = min(4, rng.choice((1, 1, 2, 2, 2, 3, 3, 4)) + attempt // 3)
        return " ".join(self.sentence() for _ in range(count))

    def unique(self, draw: Callable[[int], str]) -> str:
        """The first result of `draw(attempt)` not used on the site yet."""
        for attempt in range(60):
            text = draw(attempt)
            if text not in self.used:
                break
        else:  # practically unreachable: 60 draws of up to four sentences all taken
            text = f"{text} {self.sentence()}"
        self.used.add(text)
        return text

    def paragraph(self) -> str:
        """A new body paragraph of one to four sentences, or a quote."""
        return self.unique(self._draw)


def _figure(rng: random.Random, section: str, slug: str, kind: str) -> Figure:
    caption = _fill(rng.choice(bank.SENTENCES), rng, section)
    credit = f"{person_name(rng)} / {rng.choice(bank.AGENCIES)}"
    alt = caption.split(",")[0].rstrip(".")
    return Figure(f"/media/images/{slug}-{kind}.png", alt, caption, credit)


def generate_article(
    number: int, total: int, now: datetime, seed_value: int, used: set[str] | None = None
) -> Article:
    """Round-1 state of article `number`; article 1 is the seed article.

    `used` collects the site's paragraphs so far; generate articles in order 1..total with one
    shared set so that no paragraph appears on two pages.
    """
    used = set() if used is None else used
    published = published_at(number, total, now, seed_value)
    rng = random.Random(f"{seed_value}:article:{number}")
    modified = min(published + rng.choice((timedelta(0), timedelta(minutes=17))), now)
    if number == 1:
        used.update(seed.PARAGRAPHS)
        used.add(seed.CREDIT_LINE)
        slug = f"{seed.SLUG}-n1"
        return Article(
            number=1,
            section=seed.SECTION,
            slug=slug,
            headline=seed.HEADLINE,
            dek=seed.DEK,
            authors=seed.AUTHORS,
            tags=seed.TAGS,
            published=published,
            modified=modified,
            paragraphs=seed.PARAGRAPHS,
            credit_line=seed.CREDIT_LINE,
            correction=None,
            hero=Figure(
                f"/media/images/{slug}-hero.png", seed.HERO_ALT, seed.HERO_CAPTION, seed.HERO_CREDIT
            ),
            inline=Figure(
                f"/media/images/{slug}-inline.png",
                seed.INLINE_ALT,
                seed.INLINE_CAPTION,
                seed.INLINE_CREDIT,
            ),
            inline_after=seed.INLINE_AFTER,
            banner_inside=True,
        )
    sections = list(bank.SECTIONS)
    section = sections[number % len(sections)]
    city, country = rng.choice(bank.DATELINES)
    place = f"{city}, {country}" if country else city
    writer = _Writer(rng, section, used)
    headline = writer.unique(lambda _: _capitalize(_fill(rng.choice(bank.HEADLINES), rng, section)))
    slug = f"{slugify(headline)}-n{number}"

    def lead(attempt: int) -> str:
        text = f"{place} — {_fill(rng.choice(bank.LEADS), rng, section)}"
        return text if attempt < 3 else f"{text} {writer.sentence()}"

    count = rng.randint(MIN_PARAGRAPHS, MAX_PARAGRAPHS)
    paragraphs = (writer.unique(lead), *(writer.paragraph() for _ in range(count - 1)))
    authors = tuple(person_name(rng) for _ in range(rng.choice((1, 2, 2))))
    credit = None
    if rng.random() < 0.5:
        credit = writer.unique(
            lambda _: f"{person_name(rng)} contributed reporting from {city.title()}."
        )
    topics = rng.sample(bank.VOCAB[section]["topic"], 2)
    tags = tuple(sorted({slugify(t.removeprefix("the ")) for t in topics}))
    return Article(
        number=number,
        section=section,
        slug=slug,
        headline=headline,
        dek=_fill(rng.choice(bank.DEKS), rng, section),
        authors=authors,
        tags=(section, *tags),
        published=published,
        modified=modified,
        paragraphs=paragraphs,
        credit_line=credit,
        correction=None,
        hero=_figure(rng, section, slug, "hero"),
        inline=_figure(rng, section, slug, "inline"),
        inline_after=min(2, len(paragraphs) - 1),
        banner_inside=number % 2 == 1,
    )


ADDED_TEMPLATES = (
    "Officials said on {day} that a further review of {topic} was underway.",
    "{org_cap} said late on {day} that it was aware of the reports and was gathering information.",
    "Since the article was first published, {actor} have asked for more time to respond.",
)
CORRECTION = (
    "Correction: An earlier version of this article misstated the number of people affected. "
    "It is about 12,000, not 120,000."
)

# The fixed, documented edit plan. Rounds after 3 edit one article each (see `edits_for_round`).
EDIT_PLAN: dict[int, tuple[Edit, ...]] = {
    2: (
        Edit(1, headline=seed.HEADLINE_ROUND_2, paragraph=(4, seed.PARAGRAPH_4_ROUND_2)),
        Edit(2, paragraph=(1, "+")),
        Edit(3, headline="+ amid growing criticism"),
        Edit(4, correction=CORRECTION),
        Edit(5, remove_paragraph=2),
        Edit(6, paragraph=(1, "+"), stealth=True),
    ),
    3: (
        Edit(1, paragraph=(1, seed.PARAGRAPH_1_ROUND_3)),
        Edit(2, headline="+, officials say"),
        Edit(7, paragraph=(0, "+")),
    ),
}


def edits_for_round(round_number: int, total: int) -> tuple[Edit, ...]:
    """Edits made in `round_number` (none in round 1; round 4 on: one article per round)."""
    if round_number in EDIT_PLAN:
        plan = EDIT_PLAN[round_number]
    elif round_number >= 4 and total >= 8:
        plan = (Edit(8 + (round_number - 4) % (total - 7), paragraph=(0, "+")),)
    else:
        plan = ()
    return tuple(e for e in plan if e.number <= total)


def apply_edit(article: Article, edit: Edit, round_number: int, when: datetime) -> Article:
    """Return `article` with `edit` (made in `round_number` at `when`) applied."""
    changes: dict[str, object] = {}
    if edit.headline is not None:
        changes["headline"] = (
            article.headline + edit.headline[1:] if edit.headline.startswith("+") else edit.headline
        )
    paragraphs = list(article.paragraphs)
    if edit.paragraph is not None:
        index, text = edit.paragraph
        index = min(index, len(paragraphs) - 1)
        if text == "+":
            rng = random.Random(f"edit:{article.number}:{round_number}")
            added = _fill(rng.choice(ADDED_TEMPLATES), rng, article.section)
            text = f"{paragraphs[index]} {added}"
        paragraphs[index] = text
    if edit.remove_paragraph is not None and len(paragraphs) > 1:
        del paragraphs[min(edit.remove_paragraph, len(paragraphs) - 1)]
    changes["paragraphs"] = tuple(paragraphs)
    changes["inline_after"] = min(article.inline_after, len(paragraphs) - 1)
    if edit.correction is not None:
        changes["correction"] = edit.correction
    if not edit.stealth:
        changes["modified"] = max(when, article.modified)
    return dataclasses.replace(article, **changes)  # type: ignore[arg-type]
