"""Every ``storage.*`` / ``crawler.*`` name that docs/python-api.md cites exists in the code."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parent.parent / "docs" / "python-api.md"
_FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
_INLINE = re.compile(r"`([^`\n]+)`")
_DOTTED = re.compile(r"\b(?:storage|crawler)(?:\.\w+)+")
_FROM_IMPORT = re.compile(r"^from ((?:storage|crawler)[\w.]*) import ([\w, ]+)$", re.MULTILINE)


def cited_names(markdown: str) -> list[str]:
    """Dotted names in inline code spans, and the names code blocks import, in order, once."""
    names: list[str] = []
    for block in _FENCE.findall(markdown):
        for module, imported in _FROM_IMPORT.findall(block):
            names += [f"{module}.{name.strip()}" for name in imported.split(",")]
    for span in _INLINE.findall(_FENCE.sub("", markdown)):
        names += _DOTTED.findall(span)
    return list(dict.fromkeys(names))


def resolve(dotted: str) -> object:
    """The module or attribute a dotted name refers to; ImportError/AttributeError if none."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[cut:]:
            found = getattr(found, attribute)
        return found
    raise ImportError(f"no module for {dotted}")


def test_cited_names_are_found_in_inline_code_and_imports() -> None:
    markdown = (
        "Use `storage.search.backend_for(dialect)` and `SearchHit`.\n"
        "```python\nfrom storage.export import iter_versions, write_csv\n`not.this`\n```\n"
    )
    assert cited_names(markdown) == [
        "storage.export.iter_versions",
        "storage.export.write_csv",
        "storage.search.backend_for",
    ]


def test_resolve_rejects_a_name_that_does_not_exist() -> None:
    with pytest.raises(AttributeError):
        resolve("storage.search.BACKENDS")


@pytest.mark.parametrize("name", cited_names(DOC.read_text(encoding="utf-8")))
def test_python_api_doc_cites_only_existing_names(name: str) -> None:
    assert resolve(name) is not None
