"""Decoding order (BOM, header, meta, detection) and typed errors for non-articles."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml.etree import tostring
from w3lib.encoding import html_to_unicode

from crawler.extraction import ExtractionError, extract_article, parse_html
from crawler.extraction.decoding import decode_body, decode_html
from crawler.extraction.parsing import remove_invalid_xml_chars, text_to_tree

RUSSIAN = "Городской совет проголосовал за расширение парка на берегу реки."


def test_meta_charset_windows_1251() -> None:
    body = f'<html><head><meta charset="windows-1251"></head><p>{RUSSIAN}</p>'.encode("cp1251")
    assert RUSSIAN in decode_html(body, "text/html")


def test_http_equiv_iso_8859_1_decodes_as_windows_1252() -> None:
    head = '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
    body = f"<html><head>{head}</head><p>L’été à Montréal</p>".encode("cp1252")
    assert "L’été à Montréal" in decode_html(body, None)


def test_header_charset_beats_meta() -> None:
    body = f'<html><head><meta charset="iso-8859-1"></head><p>{RUSSIAN}</p>'.encode("cp1251")
    assert RUSSIAN in decode_html(body, "text/html; charset=windows-1251")


def test_bom_beats_header() -> None:
    body = "\ufeff<p>Grüße</p>".encode("utf-8")
    assert decode_html(body, "text/html; charset=iso-8859-1") == "<p>Grüße</p>"


def test_undeclared_encoding_is_detected() -> None:
    body = f"<html><body><p>{RUSSIAN} {RUSSIAN}</p></body></html>".encode("cp1251")
    assert RUSSIAN in decode_html(body, "text/html")


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (b"", "text/html", "empty_body"),
        (b"  \n ", None, "empty_body"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "text/html", "not_html"),
        (bytes(range(256)) * 8, "text/html", "not_html"),
        (b"%PDF-1.7 ...", None, "not_html"),
        (b"<html></html>", "image/jpeg", "not_html"),
        (
            b"<html><head><title>x</title></head><body><script>var a = 1;</script></body></html>",
            "text/html",
            "no_article_text",
        ),
        (b"<html><body><article><p>Page not found.</p></article></body></html>", None, "too_short"),
    ],
)
def test_typed_errors(body: bytes, content_type: str | None, reason: str) -> None:
    with pytest.raises(ExtractionError) as caught:
        extract_article(body, "https://news.example.com/x", content_type)
    assert caught.value.reason == reason
    assert str(caught.value).startswith(f"{reason}: ")


def test_error_survives_pickling() -> None:
    error = pickle.loads(pickle.dumps(ExtractionError("timeout", "took too long")))
    assert (error.reason, error.message) == ("timeout", "took too long")


@pytest.mark.parametrize("bad", ["\x00", "\x08", "\x1f", "\ufffe", "\uffff"])
def test_characters_xml_cannot_hold_are_removed(bad: str) -> None:
    """UTF-8 bodies take a byte check first; a hit must still remove exactly those chars."""
    body = f"<html><body><p>{RUSSIAN} Clean{bad}text here.</p></body></html>".encode()
    assert remove_invalid_xml_chars(body.decode(), body) == body.decode().replace(bad, "")
    text = parse_html(body, "text/html; charset=utf-8").text_content()
    assert "Cleantext here." in text


def test_clean_utf8_body_is_returned_unchanged() -> None:
    body = f"<html><body><p>{RUSSIAN}\ttabs\r\nand newlines</p></body></html>".encode()
    assert remove_invalid_xml_chars(body.decode(), body) == body.decode()


@pytest.mark.parametrize(
    "page",
    [
        f"<!DOCTYPE html>\n<html><body><p>{RUSSIAN} “quoted”</p></body></html>".encode(),
        f"\ufeff<html><body><p>{RUSSIAN}</p></body></html>".encode(),
        f"<html><body><p>{RUSSIAN}</p><p>broken \xff\xfe bytes</p></body></html>".encode().replace(
            b"\xc3\xbf\xc3\xbe", b"\xff\xfe"
        ),
        f"<html><body><p>{RUSSIAN} bell\x07</p></body></html>".encode(),
        b'<?xml version="1.0" encoding="utf-8"?><html><body><p>Declared</p></body></html>',
        b"<!DOCTYPE html PUBLIC/>\n<html><body><p>Odd doctype</p></body></html>",
        b"<html lang='en'/>\n<body><p>Self-closing html</p></body>",
    ],
)
def test_parsing_utf8_bytes_gives_the_tree_of_the_text(page: bytes) -> None:
    """parse_html reads a UTF-8 body's bytes when they hold the text exactly (faster)."""
    content_type = "text/html; charset=utf-8"
    from_text = text_to_tree(remove_invalid_xml_chars(decode_html(page, content_type)))
    assert from_text is not None
    assert tostring(parse_html(page, content_type)) == tostring(from_text)


def test_a_utf8_header_over_a_cp1251_body_is_not_trusted() -> None:
    text = "Ночные автобусы будут ходить по городу каждые пятнадцать минут. " * 6
    page = f"<html><head><title>Ночные автобусы</title></head><body><article><p>{text}</p>"
    page += f"<p>{text}</p></article></body></html>"
    content = extract_article(page.encode("cp1251"), None, "text/html; charset=utf-8")
    assert content.title == "Ночные автобусы"
    assert "пятнадцать" in content.text


def test_an_error_page_served_with_200_is_an_error() -> None:
    page = (
        b"<html><head><title>Page not found</title></head><body><h1>Page not found</h1>"
        b"<p>Sorry, we could not find the page you were looking for on this site.</p>"
        b"</body></html>"
    )
    with pytest.raises(ExtractionError) as raised:
        extract_article(page, "https://news.example/gone", "text/html")
    assert raised.value.reason == "error_page"


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.binary(),
        st.text().map(str.encode),
        st.text().map(lambda text: b"\xef\xbb\xbf" + text.encode()),
    ),
    st.sampled_from(["utf-8", "UTF8", "utf_8", "u8"]),
)
def test_a_utf8_header_decodes_any_body_as_the_browser_algorithm_does(
    body: bytes, charset: str
) -> None:
    """A body that decodes in its UTF-8 header is decoded once; the text is w3lib's."""
    content_type = f"text/html; charset={charset}"
    try:
        text, encoding = decode_body(body, content_type)
    except ExtractionError:
        return  # empty or binary: refused before decoding (test_typed_errors)
    if body.startswith(b"\xef\xbb\xbf") or _decodes(body):
        expected = html_to_unicode(content_type, body)[1].lstrip("\ufeff")
        assert (text, encoding) == (expected, "utf-8")


def _decodes(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
