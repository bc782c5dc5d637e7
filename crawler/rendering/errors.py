"""The failure of a browser rendering, with its capture reason (imports no Playwright)."""

from __future__ import annotations

__all__ = ["RenderFailed"]


class RenderFailed(Exception):
    """A page the browser could not render: ``reason`` is the capture's, ``message`` one line."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
