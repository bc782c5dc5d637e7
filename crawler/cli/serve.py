"""`serve`: the read-only web UI, JSON API, Atom feeds and Memento TimeGate."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
from typing import TYPE_CHECKING, Any

import click

from crawler.cli.app import Context, main
from crawler.cli.errors import fail

if TYPE_CHECKING:
    from fastapi import FastAPI


def _bound_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host``:``port``; one line and an exit when it cannot be (a bad
    name, in use). Made from getaddrinfo's answer, so its protocol is TCP and asyncio sets
    TCP_NODELAY on each connection (uvicorn's own socket for workers has protocol 0: every
    keep-alive response then waited ~40 ms for a delayed ACK)."""
    bound: socket.socket | None = None
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        bound = socket.socket(family, kind, proto)
        bound.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        bound.bind(address)
    except OSError as error:
        if bound is not None:
            bound.close()
        reason = error.strerror or str(error)
        fail(f"cannot listen on {host}:{port}: {reason} (see --host and --port)")
    return bound


class WorkerCount(click.ParamType[int | None]):
    """``--workers``: a number of processes, or ``auto`` (given to the command as None)."""

    name = "N|auto"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if value is None or isinstance(value, int):
            return value
        if str(value).strip().lower() == "auto":
            return None
        return click.IntRange(1, 64).convert(value, param, ctx)


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
@click.option(
    "--workers",
    metavar="N|auto",
    default="auto",
    show_default=True,
    type=WorkerCount(),
    help="Processes answering requests (1-64), each with its own read connection to the "
    "archive. auto: the CPUs this process may use, at most 4 (1 on one CPU).",
)
@click.pass_obj
def serve(
    obj: Context, host: str, port: int, allowed_hosts: tuple[str, ...], workers: int | None
) -> None:
    """Browse the archive in a web browser (read-only).

    Serves search, articles with their version timelines and diffs, sites, a JSON API
    (/api/openapi.json), Atom feeds of changes and Memento time travel (/timegate/URL).

    \b
    Example:
      newsarchive serve --port 8000
      newsarchive serve --workers 1      # one process (the default: one per CPU, up to 4)
      curl -sI -H 'Accept-Datetime: Thu, 20 Nov 2026 10:00:00 GMT' \\
        http://127.0.0.1:8000/timegate/https://example.com/news/story.html
    """
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from web import WebConfig, create_app
    from web.workers import WorkerSettings, auto_workers

    workers = workers or auto_workers()
    _bound_socket(host, port).close()  # fails with one line before the archive is opened
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": obj.log_level.lower(),
        "server_header": False,
        "proxy_headers": False,
    }
    with obj.read_archive() as archive:  # opened here too: a bad archive is one line at once
        processes = "1 process" if workers == 1 else f"{workers} processes"
        click.echo(
            f"Serving {archive.url} on http://{host}:{port}/ ({processes}; Ctrl-C to stop)",
            err=True,
        )
        if workers == 1:
            web = WebConfig(host=host, port=port, extra_allowed_hosts=allowed_hosts)
            uvicorn.run(create_app(archive, web), **options)
            return
    settings = WorkerSettings(
        database_url=obj.database_url,
        busy_timeout=obj.config.sqlite_busy_timeout,
        max_pages=obj.config.sqlite_max_pages,
        host=host,
        port=port,
        extra_allowed_hosts=allowed_hosts,
    )
    os.environ.update(settings.to_environment())  # read by each worker process (spawned)
    server = uvicorn.Config(WORKER_FACTORY, factory=True, workers=workers, **options)
    listening = _bound_socket(host, port)
    listening.set_inheritable(True)
    with contextlib.suppress(KeyboardInterrupt):
        Multiprocess(server, sockets=[listening]).run()  # what uvicorn.run does, on our socket


WORKER_FACTORY = "crawler.cli.serve:worker_app"


def worker_app() -> FastAPI:
    """The app of one worker process of `serve --workers N`, which ends when `serve` does
    (even killed with kill -9: no worker is left serving on its own)."""
    from crawler.lifeline import die_with_parent
    from web.workers import app_from_environment

    die_with_parent(signum=signal.SIGTERM)  # a clean shutdown: the worker closes its archive
    return app_from_environment()
