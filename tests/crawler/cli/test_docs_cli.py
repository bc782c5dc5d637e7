"""docs/cli.md lists every exit code and every outcome reason, as the code has them."""

from __future__ import annotations

import re
from pathlib import Path

from crawler.cli import errors
from crawler.cli.reasons import REASON_MEANINGS
from storage.kinds import CaptureReason

DOC = Path(__file__).resolve().parents[3] / "docs" / "cli.md"


def _rows(heading: str) -> dict[str, str]:
    text = DOC.read_text(encoding="utf-8")
    section = text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `?([^|`]+?)`? \| (.+) \|$", section, flags=re.MULTILINE)
    return {key: meaning for key, meaning in rows if key not in ("code", "reason")}


def test_every_exit_code_is_in_the_table_with_its_sentence() -> None:
    codes = {
        value
        for name, value in vars(errors).items()
        if name.startswith("EXIT_") and isinstance(value, int)
    }
    assert set(errors.EXIT_CODE_MEANINGS) == codes
    assert set(errors.EXIT_CODES.values()) <= codes
    documented = _rows("Exit codes")
    assert documented == {str(code): text for code, text in errors.EXIT_CODE_MEANINGS.items()}


def test_every_capture_reason_is_in_the_table_with_its_sentence() -> None:
    assert {str(reason) for reason in CaptureReason} <= set(REASON_MEANINGS)
    documented = _rows("Outcome reasons")
    assert documented == {str(reason): text for reason, text in REASON_MEANINGS.items()}
