"""The one exception extraction raises, with a machine-readable reason."""

from __future__ import annotations

__all__ = ["ExtractionError", "NeedsJavaScript"]


class ExtractionError(Exception):
    """Extraction produced no article; ``reason`` says why in one word."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message

    def __reduce__(self) -> tuple[type[ExtractionError], tuple[str, str]]:
        # Keeps the reason when the error crosses a process boundary.
        return (type(self), (self.reason, self.message))


class NeedsJavaScript(ExtractionError):
    """The page is an app shell whose article nothing in it holds (docs/javascript-pages.md).

    ``amp_url`` is the page's ``<link rel="amphtml">``, for the crawler to fetch instead.
    """

    def __init__(self, message: str, amp_url: str | None = None) -> None:
        super().__init__("needs_javascript", message)
        self.amp_url = amp_url

    def __reduce__(self) -> tuple[type[NeedsJavaScript], tuple[str, str | None]]:  # type: ignore[override]
        return (type(self), (self.message, self.amp_url))
