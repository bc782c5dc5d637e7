"""The one exception extraction raises, with a machine-readable reason."""

from __future__ import annotations

__all__ = ["ExtractionError"]


class ExtractionError(Exception):
    """Extraction produced no article; ``reason`` says why in one word."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message

    def __reduce__(self) -> tuple[type[ExtractionError], tuple[str, str]]:
        # Keeps the reason when the error crosses a process boundary.
        return (type(self), (self.reason, self.message))
