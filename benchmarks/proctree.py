"""A benchmark's view of a process tree: its processes, resident memory and CPU, orphans too.

``become_subreaper`` makes processes orphaned below this one (an extraction fork server whose
round ended) its children instead of PID 1's; ``reap_orphans`` collects them once they end, so
their CPU time shows in ``RUSAGE_CHILDREN`` and nothing of the tree is left uncounted.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import resource
from collections import defaultdict
from pathlib import Path

_PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> bool:
    """Linux: orphans below this process become its children (True if that worked)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def parent_of(pid: int) -> int | None:
    """The parent's pid (None: the process is gone)."""
    fields = _stat(pid)
    return int(fields[1]) if fields else None


def reap_orphans(keep: set[int]) -> None:
    """Wait for this process's ended children that are not in ``keep`` (its own Popen objects)."""
    me = os.getpid()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in keep:
            continue
        fields = _stat(int(entry.name))
        if fields and fields[0] == "Z" and int(fields[1]) == me:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(int(entry.name), 0)


def tree(root: int) -> list[int]:
    """``root`` and its live descendants."""
    children: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields:
                children[int(fields[1])].append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def rss_and_cpu(pids: list[int]) -> tuple[float, float]:
    """Resident MB and CPU seconds (own + reaped children's) of ``pids``."""
    tick = os.sysconf("SC_CLK_TCK")
    rss = cpu = 0.0
    for pid in pids:
        fields = _stat(pid)
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        if fields is None:
            continue
        cpu += sum(int(x) for x in fields[11:15]) / tick  # utime stime cutime cstime
        found = re.search(r"VmRSS:\s+(\d+)", status)
        rss += int(found.group(1)) / 1024 if found else 0.0
    return rss, cpu


def reaped_cpu() -> float:
    """CPU seconds of every descendant this process has waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def tree_cpu(root: int | None) -> tuple[float, float]:
    """Resident MB of the live tree under ``root``, and CPU seconds of everything so far."""
    rss, cpu = rss_and_cpu(tree(root)) if root is not None else (0.0, 0.0)
    return rss, cpu + reaped_cpu()
