"""A request our own middlewares refuse, carrying the capture's machine-readable reason."""

from __future__ import annotations

from scrapy.exceptions import IgnoreRequest


class RequestRefused(IgnoreRequest):
    """Raised instead of fetching; ``reason`` becomes the capture's error reason."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
