"""`python -m crawler` runs the `newsarchive` command."""

from crawler.cli import main

main()
