"""Processes that die with their parent: a round of `schedule`, its extraction workers.

A process that outlives its parent is re-parented to PID 1 and keeps working unseen (a round
still writing after its scheduler was killed with kill -9, a worker left waiting forever).
``die_with_parent`` makes the calling process die when its parent does: on Linux the kernel
sends it a signal (``prctl(PR_SET_PDEATHSIG)``), elsewhere a daemon thread polls the parent's
PID each second. Standard library only: the extraction workers call it too.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import sys
import threading
import time

__all__ = ["die_with_parent"]

log = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1
_POLL_SECONDS = 1.0


def die_with_parent(expected_parent: int | None = None, signum: int = signal.SIGKILL) -> None:
    """From now on, get ``signum`` when the parent process ends (SIGKILL by default).

    ``expected_parent`` is the PID the caller was started by: if it has already gone (it died
    before this call), the process exits at once, since no signal would ever come.
    """
    parent = os.getppid() if expected_parent is None else expected_parent
    if not (sys.platform.startswith("linux") and _set_parent_death_signal(signum)):
        threading.Thread(
            target=_watch_parent, args=(parent, signum), name="lifeline", daemon=True
        ).start()
    if os.getppid() != parent:
        os.kill(os.getpid(), signum)


def _set_parent_death_signal(signum: int) -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)  # the process's own symbols: libc's prctl
        return int(libc.prctl(_PR_SET_PDEATHSIG, signum, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        log.debug("prctl(PR_SET_PDEATHSIG) is not available", exc_info=True)
        return False


def _watch_parent(parent: int, signum: int) -> None:
    while os.getppid() == parent:
        time.sleep(_POLL_SECONDS)
    os.kill(os.getpid(), signum)
