"""Process helpers for local jobs: is a pid alive, and is it still ours."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def read_pid(path: Path) -> int | None:
    """The pid stored in ``path``, or None when the file is missing or unreadable."""
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def alive(pid: int, marker: str | None = None) -> bool:
    """Whether process ``pid`` exists, is not a zombie, and (if given) has ``marker`` in its command line.

    The marker (a job folder) guards against a recycled pid: after a reboot another
    program may carry the number. Without ``/proc`` only existence is checked.
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    proc = Path(f"/proc/{pid}")
    if not proc.is_dir():
        return True
    with contextlib.suppress(OSError):
        stat = (proc / "stat").read_text()
        if stat.rpartition(")")[2].split()[0] in ("Z", "X"):
            return False  # exited; only its parent has not reaped it yet
    if marker is not None:
        with contextlib.suppress(OSError):
            return marker in (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    return True


__all__ = ["alive", "read_pid"]
