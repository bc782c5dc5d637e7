"""The web app's settings, frozen once the CLI has read its flags."""

from __future__ import annotations

from dataclasses import dataclass

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


@dataclass(frozen=True)
class WebConfig:
    """Where the app listens and which Host headers it answers."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    extra_allowed_hosts: tuple[str, ...] = ()

    @property
    def allowed_hosts(self) -> list[str]:
        """The bound host, the loopback names, and any configured extra names (never '*')."""
        hosts = [*LOCAL_HOSTS, *self.extra_allowed_hosts]
        if self.host not in ("0.0.0.0", "::"):
            hosts.append(self.host)
        return list(dict.fromkeys(h for h in hosts if h and h != "*"))
