"""Owner ids of leases and locks (``host:pid:random``), and telling a dead local owner.

Standard library only, so that the command line can name and check owners without Scrapy.
"""

from __future__ import annotations

import os
import socket
import uuid

__all__ = ["died_on_this_host", "new_owner_id", "owner_pid"]

HOST_LENGTH = 30


def new_owner_id() -> str:
    """A lease owner id naming this host and process, so dead local owners can be recognised."""
    return f"{socket.gethostname()[:HOST_LENGTH]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def owner_pid(owner: str) -> int | None:
    """The process id in an owner id, if it has one."""
    parts = owner.split(":")
    return int(parts[1]) if len(parts) >= 3 and parts[1].isdigit() else None


def died_on_this_host(owner: str) -> bool:
    """Whether ``owner`` names a process of this machine that no longer exists.

    Owners of other machines are never called dead here: only their locks' and leases' expiry
    tells. (A PID reused since counts as alive: the lock then waits for its expiry.)
    """
    host = owner.partition(":")[0]
    pid = owner_pid(owner)
    if host != socket.gethostname()[:HOST_LENGTH] or pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False
