"""The one exception extraction raises, with a machine-readable reason."""

from __future__ import annotations

__all__ = ["REASONS", "ExtractionError"]

#: Every reason the package raises; callers may count or store them as they are.
REASONS = frozenset(
    {
        "empty_body",  # no bytes, or only whitespace
        "not_html",  # binary data or a non-HTML content type
        "unparsable",  # lxml could not build a tree
        "no_article_text",  # trafilatura found no main text
        "too_short",  # some text, but less than a minimal article
        "timeout",  # the worker ran past its wall-time limit (pool only)
        "memory",  # the worker ran past its memory limit (pool only)
        "worker_crashed",  # the worker died for another reason (pool only)
        "extractor_bug",  # an unexpected exception inside the extractor (pool only)
    }
)


class ExtractionError(Exception):
    """Extraction produced no article; ``reason`` says why in one word."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message

    def __reduce__(self) -> tuple[type[ExtractionError], tuple[str, str]]:
        # Keeps the reason when the error crosses a process boundary.
        return (type(self), (self.reason, self.message))
