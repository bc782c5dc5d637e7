"""The Jinja2 environment: autoescaping always on, with the helpers the templates use."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.templating import Jinja2Templates

from web import views
from web.catalog import MARK_CLOSE, MARK_OPEN

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"


def make_templates() -> Jinja2Templates:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,  # every template, whatever its extension: archived text is hostile
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        path_with=views.path_with,
        web_link=views.web_link,
        archive_name=views.archive_name,
        display_time=views.display_time,
        iso=views.iso,
    )
    env.filters["segments"] = lambda s: views.snippet_segments(s, MARK_OPEN, MARK_CLOSE)
    return Jinja2Templates(env=env)
