"""Everything the CLI prints: JSON for scripts, aligned tables and coloured diffs for people."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import sys
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from storage.diffs import DiffLine

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: object) -> str:
    """``text`` without control characters or bidi overrides, safe to print to a terminal."""
    return _CONTROL.sub("", str(text))


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: _jsonable(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def to_json(value: Any) -> str:
    return json.dumps(_jsonable(value), ensure_ascii=False, sort_keys=False)


def print_json(value: Any) -> None:
    click.echo(to_json(value))


def format_time(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%SZ") if value else "-"


def table(
    headers: Sequence[str], rows: Iterable[Sequence[object]], width: int | None = None
) -> str:
    """An aligned plain-text table of terminal-safe cells.

    Fitted to ``width`` columns (default: the terminal's, when stdout is one), the widest
    columns cut with an ellipsis; piped or redirected, every value is printed in full.
    """
    cells = [[terminal_safe(c) for c in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    if width is None and sys.stdout.isatty():
        width = shutil.get_terminal_size().columns
    if width is not None:
        widths = _fitted(widths, [len(h) for h in headers], width)
        cells = [[_cut(c, w) for c, w in zip(row, widths, strict=True)] for row in cells]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    return "\n".join(lines)


def _fitted(widths: list[int], minimums: list[int], width: int) -> list[int]:
    """Column widths within ``width`` (with two spaces between), narrowing the widest first."""
    widths = list(widths)
    floors = [max(m, 8) for m in minimums]
    while sum(widths) + 2 * (len(widths) - 1) > width:
        widest = max(range(len(widths)), key=lambda i: widths[i] - floors[i])
        if widths[widest] <= floors[widest]:
            break  # as narrow as it can be: the terminal wraps the rest
        widths[widest] -= 1
    return widths


def _cut(cell: str, width: int) -> str:
    return cell if len(cell) <= width else cell[: max(width - 1, 0)] + "…"


_DIFF_COLOURS = {"-": "red", "+": "green", "@": "cyan", " ": None}


def render_diff(lines: Sequence[DiffLine], colour: bool | None = None) -> str:
    if colour is None:
        colour = sys.stdout.isatty()
    out = []
    for line in lines:
        text = f"{line.kind}{terminal_safe(line.text)}" if line.kind != "@" else line.text
        fg = _DIFF_COLOURS[line.kind]
        out.append(click.style(text, fg=fg) if colour and fg else text)
    return "\n".join(out)


def progress(done: int, total: int, label: str) -> None:
    """One progress line on stderr (overwritten in place on a terminal)."""
    if sys.stderr.isatty():
        click.echo(
            f"\r[{done}/{total}] {terminal_safe(label)[:100]}\033[K", err=True, nl=done == total
        )
    else:
        click.echo(f"[{done}/{total}] {terminal_safe(label)}", err=True)
