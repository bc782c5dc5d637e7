"""Strict response headers on every response, whatever produced it."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# No inline scripts or styles: CSS is a static file, and the pages need no script at all.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


class SecurityHeadersMiddleware:
    """Adds SECURITY_HEADERS to every HTTP response (errors and host rejections included).

    The one exception: a response that carries its own sandboxing policy keeps it (it is
    stricter: an opaque origin, nothing loaded); nothing else can loosen the policy.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                own_policy = headers.get("content-security-policy", "")
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
                if own_policy.startswith("sandbox"):  # archived bytes (web/raw_capture.py)
                    headers["content-security-policy"] = own_policy
            await send(message)

        await self.app(scope, receive, send_with_headers)
