"""When to look at an archived article again: often while it is fresh, rarely later, then never."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> timedelta:
    """'90s', '15m', '6h', '1d', '2w' → timedelta; ValueError with a readable message otherwise."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"not a duration: {text!r} (use e.g. 30m, 6h, 1d, 2w)")
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])


@dataclass(frozen=True)
class RevisitPolicy:
    """Revisit intervals by article age: ((age under, interval), ...); older than the last: stop."""

    steps: tuple[tuple[timedelta, timedelta], ...]

    @classmethod
    def parse(cls, spec: dict[str, str]) -> RevisitPolicy:
        """From a config table like {"3h": "15m", "1d": "1h", ...} (age limit → interval)."""
        steps = sorted((parse_duration(age), parse_duration(every)) for age, every in spec.items())
        return cls(tuple(steps))

    def to_spec(self) -> dict[str, str]:
        """The policy as a config table (seconds), the inverse of ``parse``."""
        return {
            f"{int(age.total_seconds())}s": f"{int(every.total_seconds())}s"
            for age, every in self.steps
        }

    def next_visit(self, age_origin: datetime, last_visit: datetime) -> datetime | None:
        """When the article is due next, or None once it is too old to revisit."""
        age = last_visit - age_origin
        for limit, interval in self.steps:
            if age < limit:
                return last_visit + interval
        return None

    def next_for_article(
        self,
        now: datetime,
        *,
        published_at: datetime | None,
        first_seen_at: datetime,
        track: bool,
    ) -> datetime | None:
        """When an article visited at ``now`` is due again; None: never (untracked or too old).

        Age counts from the published date when known (and not in the future), else from the
        first capture.
        """
        if not track:
            return None
        if published_at is not None and published_at <= now:
            return self.next_visit(published_at, now)
        return self.next_visit(first_seen_at, now)


DEFAULT_REVISIT_POLICY = RevisitPolicy(
    (
        (timedelta(hours=3), timedelta(minutes=15)),
        (timedelta(days=1), timedelta(hours=1)),
        (timedelta(days=7), timedelta(hours=6)),
        (timedelta(days=30), timedelta(days=1)),
        (timedelta(days=90), timedelta(weeks=1)),
    )
)
