"""`python -m crawler` runs the `newsarchive` command.

The command line is imported inside ``main``, not at the top: extraction worker processes
import the main module when they start, and must not pay for Scrapy and SQLAlchemy.
"""


def main() -> None:
    """Run the ``newsarchive`` command line (the console script's entry point)."""
    from crawler.cli import main as run_cli

    run_cli()


if __name__ == "__main__":
    main()
