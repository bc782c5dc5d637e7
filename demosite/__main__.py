"""`python -m demosite` (`make demo`): the whole story offline, in about a minute.

A bundled news site starts on 127.0.0.1; newsarchive crawls it, the site edits some of its
articles, newsarchive revisits them, and the history and diff of the edited seed article are
shown. Every newsarchive command is printed before it runs, so it doubles as a tutorial.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from demosite.server import serve
from demosite.site import NewsSite

DEMO_DIR = Path("demo-archive")


def run(*args: str, database: str) -> None:
    # The demo site runs on 127.0.0.1, which newsarchive only fetches from when allowed.
    args = ("--allow-private-network", *args)
    shown = " ".join(shlex.quote(a) for a in ("newsarchive", *args))
    print(f"\n$ {shown}", flush=True)
    env = {**os.environ, "NEWSARCHIVE_DB": database}
    subprocess.run([sys.executable, "-m", "crawler", *args], env=env, check=False)


def parse_arguments(arguments: list[str] | None = None) -> argparse.Namespace:
    """The demo takes no options; --help explains what it does before anything runs."""
    parser = argparse.ArgumentParser(
        prog="python -m demosite",
        description=(
            "Run the offline newsarchive demo: start a sample news site on 127.0.0.1, crawl it, "
            "let the site edit some articles, revisit them, and show a history and a diff. "
            f"The demo's archive is {DEMO_DIR}/newsarchive.db under the current folder; it is "
            "replaced on every run (nothing else is touched)."
        ),
    )
    return parser.parse_args(arguments)


def main(arguments: list[str] | None = None) -> int:
    parse_arguments(arguments)
    DEMO_DIR.mkdir(exist_ok=True)
    database_file = DEMO_DIR / "newsarchive.db"
    for leftover in DEMO_DIR.glob("newsarchive.db*"):
        leftover.unlink()
    database = f"sqlite:///{database_file}"
    site = NewsSite(articles=20, now=datetime.now(UTC))
    with serve(site) as server:
        print(f"A sample news site is serving at {server.url}/ (20 articles, feeds, sitemaps).")
        print(f"The archive is {database_file} (SQLite, created and migrated on first use).")
        run("crawl", "--site", server.url + "/", "--delay", "0", database=database)

        site.set_round(2, at=datetime.now(UTC))
        print("\nThe site now edits six articles: a rewritten headline, a correction,")
        print("a removed paragraph, a stealth edit; the others only change their ads.")
        run("revisit", "--all", database=database)

        seed_article = server.url + site.article_paths()[0]
        run("history", seed_article, database=database)
        run("diff", seed_article, database=database)
        run("search", "prison", database=database)
    print(f"\nDone. Explore further with: NEWSARCHIVE_DB={database} newsarchive --help")
    return 0


if __name__ == "__main__":
    sys.exit(main())
