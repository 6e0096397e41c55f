"""Small file primitives the engine and the job runner share: atomic writes and an exclusive lock."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename: readers see old or new, whole.

    The temporary name carries the writer's pid, so two processes writing one path never
    share a temporary file.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def write_json_atomic(path: Path, payload: Any, **dumps: Any) -> None:
    """``payload`` as JSON (``json.dumps(payload, **dumps)``), written atomically."""
    write_text_atomic(path, json.dumps(payload, **dumps))


@contextlib.contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path``: an existing folder, or a lock file (created).

    Locking a folder leaves no file behind (the schema lock beside a user's pipeline);
    a lock file serves where many locks share one folder (a day each). The lock is
    released when the holder dies (kill -9 included). POSIX only; elsewhere it does not lock.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    if not path.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDONLY) if path.is_dir() else os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


__all__ = ["exclusive_lock", "write_json_atomic", "write_text_atomic"]
