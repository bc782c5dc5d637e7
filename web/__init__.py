"""The read-only web app: HTML pages, a JSON API, Atom feeds and Memento over the archive."""

from web.app import create_app
from web.config import WebConfig

__all__ = ["WebConfig", "create_app"]
