"""`python -m crawler` runs the `newsarchive` command.

The command line is imported inside ``main``, not at the top: extraction worker processes
import the main module when they start, and must not pay for Scrapy and SQLAlchemy.
"""

from __future__ import annotations

import sys


def main() -> None:
    """Run the ``newsarchive`` command line (the console script's entry point)."""
    from crawler.cli import main as run_cli

    try:
        run_cli()
    except SystemExit as done:
        if "scrapy" in sys.modules and isinstance(done.code, int | None):
            _exit_at_once(done.code or 0)
        raise


def _exit_at_once(code: int) -> None:
    """End a process that ran a crawl without tearing its interpreter down.

    Freeing the objects of Scrapy, Twisted, SQLAlchemy and lxml one by one took a crawl's
    process 0.2-0.6 s after its work was done. Everything a normal exit does that matters
    still happens first: idle thread pools stop and other threads finish, exit handlers run
    (the extraction workers' fork server, logging), output is flushed.

    The first two steps have no public API: ``threading._shutdown`` is what the interpreter's
    own exit calls to stop thread pools (concurrent.futures registers them with the private
    ``threading._register_atexit``, so joining the threads ourselves would wait forever on an
    idle pool's workers) and join the other threads, and ``atexit`` has no public way to run
    the handlers others registered. So both are looked up, not assumed: on a Python without
    either, this returns and the process exits the normal way (slower, never wrong).
    """
    import atexit
    import os
    import threading

    stop_threads = getattr(threading, "_shutdown", None)
    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)
    if not callable(stop_threads) or not callable(run_exit_handlers):
        return
    # As the interpreter's own exit does: thread pools told to stop, other threads joined.
    stop_threads()
    run_exit_handlers()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
