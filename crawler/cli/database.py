"""`newsarchive db`: explicit schema migration and inspection."""

from __future__ import annotations

import click

from crawler.cli.app import Context, main


@main.group()
def db() -> None:
    """Database schema: migrate explicitly (server databases) or inspect.

    \b
    Example:
      newsarchive --db postgresql+psycopg://user@host/news db upgrade
      newsarchive db current
    """


@db.command()
@click.pass_obj
def upgrade(obj: Context) -> None:
    """Migrate the database to this version's schema (SQLite does this by itself).

    \b
    Example:
      newsarchive --db postgresql+psycopg://user@host/news db upgrade
    """
    from storage.schema import head_revision

    with obj.archive(auto_migrate=True):
        pass
    click.echo(f"{obj.database_url.split('@')[-1]} is at schema revision {head_revision()}")


@db.command()
@click.pass_obj
def current(obj: Context) -> None:
    """Show the database's schema revision and whether it is current.

    \b
    Example:
      newsarchive db current
    """
    from storage.database import Archive, create_archive_engine
    from storage.schema import check_schema, current_revision

    engine = create_archive_engine(
        obj.database_url,
        busy_timeout=obj.config.sqlite_busy_timeout,
        max_pages=obj.config.sqlite_max_pages,
    )
    with Archive(engine) as archive:
        click.echo(f"{current_revision(archive) or 'none'} ({check_schema(archive)})")
