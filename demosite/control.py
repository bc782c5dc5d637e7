"""Test-facing controls of the demo server: the request log and the /_control/ API."""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from demosite.response import Response

if TYPE_CHECKING:
    from demosite.server import DemoServer

CONTROL_PREFIX = "/_control/"


@dataclass(frozen=True)
class RequestRecord:
    """One request the site answered (control requests are not recorded)."""

    method: str
    path: str
    headers: dict[str, str]
    status: int
    server: str
    time: str  # when the request arrived (ISO 8601)

    def header(self, name: str) -> str | None:
        """A request header, case-insensitively."""
        lowered = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lowered), None)


@dataclass
class RequestLog:
    """Thread-safe request log and nonce counter, shared by all servers of one site."""

    records: list[RequestRecord] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    counter: int = 0

    def next_nonce(self) -> int:
        """A number that differs on every request."""
        with self.lock:
            self.counter += 1
            return self.counter

    def add(self, record: RequestRecord) -> None:
        """Append one record."""
        with self.lock:
            self.records.append(record)

    def snapshot(self) -> list[RequestRecord]:
        """A copy of the records so far."""
        with self.lock:
            return list(self.records)

    def clear(self) -> None:
        """Forget all records."""
        with self.lock:
            self.records.clear()


def _json(status: int, data: object) -> Response:
    return Response(status, json.dumps(data, indent=1).encode(), "application/json")


def control_response(demo: DemoServer, method: str, path: str, body: bytes) -> Response:
    """The control API: request log, round, conditional GET switch, site description."""
    site = demo.site
    if path == "/_control/requests" and method == "GET":
        return _json(200, [asdict(r) for r in demo.requests])
    if path == "/_control/requests" and method == "DELETE":
        demo.log.clear()
        return _json(200, {"cleared": True})
    if path == "/_control/site" and method == "GET":
        return _json(200, site.describe())
    if path == "/_control/round" and method == "GET":
        return _json(200, {"round": site.round})
    if path == "/_control/round" and method == "POST":
        try:
            payload = json.loads(body or b"null")
            if isinstance(payload, dict):
                number = int(payload["round"])
                at_text = payload.get("at")
                at = datetime.fromisoformat(at_text) if at_text else None
            else:
                number, at = int(payload), None
        except (ValueError, KeyError, TypeError) as exc:
            return _json(400, {"error": f"expected a round number: {exc}"})
        if at is None and demo.clock is not None:
            at = demo.clock()
        old = site.round
        site.set_round(number, at)
        edited = sorted(set().union(*(site.edited_in_round(r) for r in range(old + 1, number + 1))))
        return _json(200, {"round": site.round, "edited": edited})
    if path == "/_control/conditional" and method == "POST":
        demo.conditional = body.strip().lower() in (b"1", b"on", b"true")
        return _json(200, {"conditional": demo.conditional})
    return _json(404, {"error": f"no control endpoint {method} {path}"})
