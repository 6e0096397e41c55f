"""Allocator settings of worker processes: keep freed memory for the next day instead of returning it.

Polars allocates with jemalloc on Linux and, at import, configures it to hand
freed pages back to the system within 0.5–1 s (``_RJEM_MALLOC_CONF``, which a
user's own value extends). A worker's days each allocate and free about the same
buffers — an M day of ``l2``: ~4 GB decoded, rechunked and converted — so every
day faulted them in afresh: ~1 M page faults and ~3.6 s of kernel time per such day.
Workers are started with :data:`WORKER_ALLOCATOR_CONF` instead, and the next day
reuses the pages: that day's pass took 3.6–4.0 s of CPU instead of 6.8–7.5 (2.6–3.0 s wall
instead of 4.2–4.7), the M ``l2-1min`` benchmark 13.6–15.5 s instead of 21.1
(docs/performance.md). The cost is memory held while idle: a worker keeps its
last day's pages for up to 20 s, and its peak RSS grows by what it retains
(3.7 → 4.9 GB on that benchmark).

So a run with ``WORKER_MEMORY_MB`` (a memory cap) keeps Polars' defaults: its
workers' RSS must mean memory in use. Otherwise ``BASALT_WORKER_MALLOC_CONF``,
when set, replaces the setting (any jemalloc options; empty: Polars' defaults).
What workers get comes last, so it also wins over decay options a user put in
``_RJEM_MALLOC_CONF``: set ``BASALT_WORKER_MALLOC_CONF`` (to them, or empty) to
keep those. The process that runs
the pipeline itself, and in-process calls such as ``run_partition``, are not
changed: jemalloc reads its settings once, when Polars is first imported.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator

ALLOCATOR_ENV = "_RJEM_MALLOC_CONF"
"""jemalloc's options as Polars reads them (Polars puts its own defaults first)."""
WORKER_ALLOCATOR_ENV = "BASALT_WORKER_MALLOC_CONF"
"""Overrides :data:`WORKER_ALLOCATOR_CONF` for workers; set empty for Polars' defaults."""
WORKER_ALLOCATOR_CONF = "dirty_decay_ms:20000,muzzy_decay_ms:20000"
"""Workers return freed pages only after ~20 s: a day's buffers are reused by the next day."""
_SPAWNING = threading.Lock()
"""``os.environ`` is the whole process's: one worker start at a time changes it."""


def worker_conf(*, memory_capped: bool) -> str:
    """The jemalloc options a new worker gets ("": none added, Polars' defaults)."""
    if memory_capped:
        return ""
    return os.environ.get(WORKER_ALLOCATOR_ENV, WORKER_ALLOCATOR_CONF)


@contextlib.contextmanager
def worker_environment(conf: str) -> Iterator[None]:
    """This process's environment with ``conf`` appended to jemalloc's options, while a worker starts.

    A spawned child inherits the environment at ``start()``. Appended last, ``conf``
    wins over Polars' defaults (which Polars puts first in the child) and over a
    value inherited from this process (which Polars may already have rewritten).
    """
    if not conf:
        yield
        return
    with _SPAWNING:
        previous = os.environ.get(ALLOCATOR_ENV)
        os.environ[ALLOCATOR_ENV] = f"{previous},{conf}" if previous else conf
        try:
            yield
        finally:
            if previous is None:
                os.environ.pop(ALLOCATOR_ENV, None)
            else:
                os.environ[ALLOCATOR_ENV] = previous


__all__ = [
    "ALLOCATOR_ENV",
    "WORKER_ALLOCATOR_CONF",
    "WORKER_ALLOCATOR_ENV",
    "worker_conf",
    "worker_environment",
]
