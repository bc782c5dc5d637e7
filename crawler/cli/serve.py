"""`serve`: the read-only web UI, JSON API, Atom feeds and Memento TimeGate."""

from __future__ import annotations

import socket

import click

from crawler.cli.app import Context, main
from crawler.cli.errors import fail


def _check_can_listen(host: str, port: int) -> None:
    """Stop with one line when ``host``:``port`` cannot be listened on (a bad name, in use)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as error:
        reason = error.strerror or str(error)
        fail(f"cannot listen on {host}:{port}: {reason} (see --host and --port)")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--allowed-host",
    "allowed_hosts",
    multiple=True,
    envvar="NEWSARCHIVE_ALLOWED_HOSTS",
    help="Extra Host header name to answer (repeatable; env NEWSARCHIVE_ALLOWED_HOSTS, "
    "space-separated). The bound address and localhost are always allowed.",
)
@click.pass_obj
def serve(obj: Context, host: str, port: int, allowed_hosts: tuple[str, ...]) -> None:
    """Browse the archive in a web browser (read-only).

    Serves search, articles with their version timelines and diffs, sites, a JSON API
    (/api/openapi.json), Atom feeds of changes and Memento time travel (/timegate/URL).

    \b
    Example:
      newsarchive serve --port 8000
      curl -sI -H 'Accept-Datetime: Thu, 20 Nov 2026 10:00:00 GMT' \\
        http://127.0.0.1:8000/timegate/https://example.com/news/story.html
    """
    import uvicorn

    from web import WebConfig, create_app

    _check_can_listen(host, port)
    config = WebConfig(host=host, port=port, extra_allowed_hosts=allowed_hosts)
    with obj.read_archive() as archive:
        app = create_app(archive, config)
        click.echo(f"Serving {archive.url} on http://{host}:{port}/ (Ctrl-C to stop)", err=True)
        uvicorn.run(
            app,
            host=host,
            port=port,
            log_level=obj.log_level.lower(),
            server_header=False,
            proxy_headers=False,
        )
