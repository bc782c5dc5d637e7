"""HTML text to an lxml tree, the way trafilatura.load_html parses it, but cheaper.

Three differences, none visible in the tree: elements get their Python class from a C-level
lookup (lxml.html's per-tag lookup calls back into Python for every element proxy that any
later XPath or iteration creates), the scan for characters XML cannot hold runs on bytes, and
a UTF-8 page that needs no change is parsed from its bytes.
"""

from __future__ import annotations

import codecs
import logging
import re

from lxml import etree
from lxml.html import (
    HtmlComment,
    HtmlElement,
    HtmlEntity,
    HtmlProcessingInstruction,
    fromstring,
)

__all__ = ["remove_invalid_xml_chars", "text_to_tree"]

logger = logging.getLogger(__name__)

# The same parser settings as trafilatura.utils.HTML_PARSER.
_PARSER = etree.HTMLParser(
    collect_ids=False,
    default_doctype=False,
    encoding="utf-8",
    remove_comments=True,
    remove_pis=True,
)
# Every element is a plain HtmlElement (no FormElement, InputElement, ... mixins: nothing here
# uses their form helpers), chosen without a Python call per element.
_PARSER.set_element_class_lookup(
    etree.ElementDefaultClassLookup(
        element=HtmlElement,
        comment=HtmlComment,
        pi=HtmlProcessingInstruction,
        entity=HtmlEntity,
    )
)
# Characters libxml2 rejects (trafilatura.utils.INVALID_XML_CHARS) and their UTF-8 bytes.
_INVALID_XML_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_INVALID_CONTROL_BYTES = bytes(range(0x00, 0x09)) + b"\x0b\x0c" + bytes(range(0x0E, 0x20))
_INVALID_UTF8_SEQUENCES = (b"\xef\xbf\xbe", b"\xef\xbf\xbf")
_SPECIALS_PREFIX = b"\xef\xbf"
_DOCTYPE_TAG = re.compile("^< ?! ?DOCTYPE[^>]*/[^<>]*>", re.IGNORECASE)
_FAULTY_HTML = re.compile(r"(<html.*?)\s*/>", re.IGNORECASE)


def remove_invalid_xml_chars(text: str, utf8_source: bytes | None = None) -> str:
    """``text`` without the characters XML cannot hold.

    ``utf8_source``, the UTF-8 bytes ``text`` was decoded from, lets a clean page (nearly
    all of them) skip the character scan: a byte check is several times cheaper.
    """
    if utf8_source is not None and not _has_invalid_utf8(utf8_source):
        return text
    return _INVALID_XML_CHARS.sub("", text)


def _has_invalid_utf8(data: bytes) -> bool:
    if len(data.translate(None, _INVALID_CONTROL_BYTES)) != len(data):
        return True
    # One scan for the prefix both sequences share (U+FFF0 and up) settles nearly every page.
    return _SPECIALS_PREFIX in data and any(s in data for s in _INVALID_UTF8_SEQUENCES)


def text_to_tree(text: str, utf8_source: bytes | None = None) -> HtmlElement | None:
    """Parse HTML text (already free of invalid XML characters); None if it is not HTML.

    The steps of trafilatura.load_html for a string: repair the doctype line and a
    self-closing ``<html/>``, parse the string, retry from UTF-8 bytes when lxml refuses it,
    and reject a document that does not mention html and parses to fewer than two children.

    ``utf8_source``, the bytes ``text`` was decoded from as UTF-8 with nothing removed, is
    parsed instead of ``text`` when it holds the same characters (no byte-order mark, no
    undecodable bytes, no repair needed): libxml2 reads UTF-8 bytes faster than a str.
    """
    beginning = text[:50].lower()
    dubious = "html" not in beginning
    repaired = _repair(text, beginning)
    source: str | bytes = repaired
    if utf8_source is not None and _same_text(repaired, text, utf8_source):
        source = utf8_source
    tree: HtmlElement | None = None
    retried = False
    try:
        tree = fromstring(source, parser=_PARSER)
    except ValueError:  # "Unicode strings with encoding declaration are not supported."
        tree, retried = _from_bytes(repaired), True
    except Exception:  # lxml raises assorted errors on hopeless input
        logger.debug("lxml could not parse the page", exc_info=True)
    if (tree is None or len(tree) < 1) and not retried:
        tree = _from_bytes(repaired)
    if tree is not None and dubious and len(tree) < 2:
        return None
    return tree


def _same_text(repaired: str, text: str, utf8_source: bytes) -> bool:
    """True if ``utf8_source`` decodes to ``repaired`` (``text``, decoded from it, unrepaired)."""
    return (
        repaired == text
        and not utf8_source.startswith(codecs.BOM_UTF8)
        and "\ufffd" not in text  # decoding replaced no invalid bytes
    )


def _repair(text: str, beginning: str) -> str:
    """trafilatura.utils.repair_faulty_html without the character scan (done before)."""
    if "doctype" in beginning:
        first_line, _, rest = text.partition("\n")
        text = _DOCTYPE_TAG.sub("", first_line, count=1) + "\n" + rest
    for line in text[:4096].splitlines()[:4]:
        if "<html" in line and line.endswith("/>"):
            return _FAULTY_HTML.sub(r"\1>", text, count=1)
    return text


def _from_bytes(text: str) -> HtmlElement | None:
    try:
        tree: HtmlElement = fromstring(text.encode("utf8", "surrogatepass"), parser=_PARSER)
    except Exception:  # lxml raises assorted errors on hopeless input
        logger.debug("lxml could not parse the page as bytes", exc_info=True)
        return None
    return tree
