"""Every command's and subcommand's --help ends with an example of its use."""

from __future__ import annotations

from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner

from crawler.cli import main


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        assert command is not None
        yield (*path, name)
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))


COMMANDS = [(), *_commands(main)]


def _examples(help_text: str) -> list[str]:
    """The command lines of the help's "Example:" or "Examples:" section."""
    lines = help_text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.strip() in ("Example:", "Examples:")]
    if not starts:
        return []
    section = lines[starts[-1] + 1 :]
    return [line.strip() for line in section if line.strip().startswith("newsarchive ")]


@pytest.mark.parametrize("path", COMMANDS, ids=lambda path: " ".join(path) or "newsarchive")
def test_help_has_an_example(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*path, "--help"], prog_name="newsarchive")
    assert result.exit_code == 0, result.output
    assert _examples(result.output), f"'newsarchive {' '.join(path)} --help' shows no example"


def test_the_walk_reaches_subcommands() -> None:
    assert ("db", "upgrade") in COMMANDS
    assert len(COMMANDS) > 20


def test_a_help_without_an_example_section_is_noticed() -> None:
    assert _examples("Usage: newsarchive x\n\n  Does x.\n\n  Run newsarchive x.\n") == []
    assert _examples("  Example:\n    newsarchive x --json\n") == ["newsarchive x --json"]
