"""Every curated boilerplate rule removes its furniture and keeps nearby article text."""

from __future__ import annotations

import pytest

from crawler.extraction import extract_article, parse_html
from crawler.extraction.boilerplate import LINE_RULES, filter_lines, is_boilerplate_line, text_of

ARTICLE = [
    "The mayor announced on Monday that the old bridge will close for repairs in the spring.",
    "Engineers found cracks in two of the supporting pillars during an inspection last month.",
    "Drivers will be diverted through the northern bypass, adding about ten minutes to the trip.",
]

# rule name -> furniture paragraphs it must remove
FURNITURE = {
    "browser_support": [
        "IE 11 is not supported. For an optimal experience visit our site on another browser.",
        "Your browser is out of date. Please update it for the best experience.",
        "Please enable JavaScript to view this page.",
    ],
    "cookie_notice": [
        "We use cookies to improve your experience on our site.",
        "By continuing to use this site you agree to our use of cookies.",
        "Accept all cookies",
    ],
    "newsletter_prompt": [
        "Sign up for our daily newsletter",
        "Get the latest headlines delivered to your inbox every morning.",
        "Click here to subscribe to The Daily Brief",
    ],
    "paywall_prompt": [
        "Subscribe to continue reading.",
        "This article is only available to subscribers.",
    ],
    "advertisement_label": [
        "Advertisement",
        "ADVERTISEMENT",
        "Story continues below advertisement",
    ],
    "share_label": ["Share this article", "Share on Facebook", "Tweet", "Print"],
    "read_more_teaser": [
        "Read more: Bridge closures across the region",
        "Related: Why the city's bridges are ageing",
        "You may also like...",
    ],
    "image_caption_line": ["Image: The old bridge at dusk"],
}
# Article text that mentions the same words must survive.
KEPT = [
    "Officials said they use cookies and other tracking tools less than private companies do.",
    "The newsletter, which she started in 2009, now has more than 40,000 readers.",
    "Read more than 300 pages of the report and you will find no mention of the pillars.",
    "Share prices of the construction firm rose 4 percent after the announcement.",
    "Advertisement spending by the city rose sharply last year, the audit found.",
]


def test_every_rule_has_a_fixture() -> None:
    assert {rule.name for rule in LINE_RULES} == set(FURNITURE)


@pytest.mark.parametrize(
    ("rule", "line"), [(rule, line) for rule, lines in FURNITURE.items() for line in lines]
)
def test_rule_matches_furniture(rule: str, line: str) -> None:
    assert is_boilerplate_line(line) == rule


@pytest.mark.parametrize("line", KEPT + ARTICLE)
def test_article_text_is_kept(line: str) -> None:
    assert is_boilerplate_line(line) is None


def test_filter_lines_drops_repeated_headline_and_removed_captions() -> None:
    lines = ["Bridge to close", *ARTICLE, "A worker inspects a pillar. Photo: J. Doe"]
    kept = filter_lines(
        lines, title="Bridge to close", removed={"a worker inspects a pillar. photo: j. doe"}
    )
    assert kept == ARTICLE


def _page(inside: str) -> bytes:
    paragraphs = "".join(f"<p>{text}</p>" for text in ARTICLE + KEPT)
    return (
        "<html><head><title>Bridge to close</title></head><body>"
        f"<main><article><h1>Bridge to close</h1><div class='article-body'>{inside}"
        f"{paragraphs}</div></article></main></body></html>"
    ).encode()


@pytest.mark.parametrize(("rule", "line"), [(rule, lines[0]) for rule, lines in FURNITURE.items()])
def test_rule_removes_furniture_inside_the_article(rule: str, line: str) -> None:
    article = extract_article(_page(f"<p>{line}</p>"), "https://news.example.com/bridge")
    assert line not in article.text.split("\n"), rule
    assert article.text.split("\n") == ARTICLE + KEPT


def test_captions_and_credits_stay_out() -> None:
    figure = (
        "<figure><img src='b.jpg'><figcaption>The old bridge at dusk."
        "<span class='credit'>Jane Roe / Reuters</span></figcaption></figure>"
        "<div class='wp-caption'><img src='c.jpg'>"
        "<p class='wp-caption-text'>Pillar cracks</p></div>"
    )
    article = extract_article(_page(figure), "https://news.example.com/bridge")
    assert article.text.split("\n") == ARTICLE + KEPT


def test_credit_line_without_image_is_text() -> None:
    credit = (
        "<p class='reporting-credit'>"
        "Sam Lee reported from the bridge site, and Ann Ko from London.</p>"
    )
    article = extract_article(_page(credit), "https://news.example.com/bridge")
    assert "Sam Lee reported from the bridge site" in article.text


def test_text_of_is_text_content() -> None:
    tree = parse_html(
        b"<html><body><div id='x'>Caf&eacute; <b>bold</b> tail &amp; more<p>Para\n"
        b" two</p>after<br>line<span> </span></div>outside</body></html>",
        "text/html; charset=utf-8",
    )
    for element in tree.iter():
        assert text_of(element) == element.text_content()
