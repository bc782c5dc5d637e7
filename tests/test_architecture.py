"""The import rules of docs/architecture.md, read from the code itself (no import is executed)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# package folder -> top-level names its modules must never import
FORBIDDEN = {
    "storage": {"crawler", "web", "demosite", "scrapy", "twisted"},
    "web": {"crawler", "demosite", "scrapy", "twisted"},
    "crawler/extraction": {"scrapy", "twisted", "sqlalchemy", "web", "demosite"},
    "demosite": {"crawler", "storage", "web", "migrations", "scrapy", "sqlalchemy"},
}
# Extraction is a pure function of bytes and URL; the one thing of storage it may name is the
# plain dataclass it fills (storage.content.ArticleContent), the contract between the two.
EXTRACTION_MAY_IMPORT = {"storage.content"}


def imported_modules(path: Path) -> set[str]:
    """Every absolute module a file imports, at any depth (lazy imports inside functions too)."""
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
    return modules


def python_files(folder: str) -> list[Path]:
    return sorted((REPO / folder).rglob("*.py"))


@pytest.mark.parametrize("folder", sorted(FORBIDDEN))
def test_layers_import_one_way(folder: str) -> None:
    broken = []
    for path in python_files(folder):
        for module in imported_modules(path):
            if folder == "crawler/extraction" and module in EXTRACTION_MAY_IMPORT:
                continue
            top = module.split(".")[0]
            banned = FORBIDDEN[folder] | ({"storage"} if folder == "crawler/extraction" else set())
            if top in banned:
                broken.append(f"{path.relative_to(REPO)} imports {module}")
    assert broken == []


def test_the_rule_reader_sees_lazy_imports(tmp_path: Path) -> None:
    source = tmp_path / "lazy.py"
    source.write_text("def f():\n    from scrapy.http import Response\n    import crawler.x\n")
    assert imported_modules(source) == {"scrapy.http", "crawler.x"}


def test_every_package_folder_named_in_the_drawing_exists() -> None:
    drawing = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    for folder in FORBIDDEN:
        assert (REPO / folder).is_dir()
        assert f"`{folder}/`" in drawing
