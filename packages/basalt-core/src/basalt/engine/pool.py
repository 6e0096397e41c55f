"""The worker pool of a run: processes started once, as the run starts, and reused across batches.

A worker costs 0.5–1 s to start (spawn, imports, plugin discovery). Started when
the run starts, that cost overlaps the parent's planning; reused, it is paid once
per worker instead of once per batch (a daily-batched month: 21 batches, 2 starts).

A command that is about to run a pipeline may start workers even earlier, with
:func:`start_early`, before it imports the engine and reads the pipeline: the
worker's imports then overlap the parent's (two cores import at once), and the
run's pool adopts them.

Memory stays bounded: a worker is retired after :data:`MAX_BATCHES_PER_WORKER`
batches, or when it idles above 80 % of ``WORKER_MEMORY_MB``; a crashed, hung or
over-memory worker is killed and replaced. Nothing a retired or killed worker was
doing is committed: a batch commits only when its result file is read.
"""

from __future__ import annotations

import atexit
import multiprocessing
import multiprocessing.connection
from dataclasses import dataclass
from typing import Any

from basalt.engine.allocator import worker_conf, worker_environment
from basalt.engine.worker import worker_loop

MAX_BATCHES_PER_WORKER = 8
"""Batches one worker runs before it is replaced (allocator fragmentation, caches)."""
RECYCLE_SHARE_OF_CAP = 0.8
"""An idle worker above this share of ``WORKER_MEMORY_MB`` is replaced before its next batch."""


def rss_mb(pid: int | None) -> float:
    """A live process's resident memory in MiB (Linux ``/proc``); 0 when unknown or gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


@dataclass(eq=False)
class PooledWorker:
    """One worker process and the parent's end of its pipe."""

    process: Any
    conn: Any
    batches: int = 0
    busy: bool = False
    allocator_conf: str = ""
    """The allocator options it was started with (``basalt.engine.allocator``; "": Polars' defaults)."""

    @property
    def pid(self) -> int | None:
        """The process id."""
        return self.process.pid


_EARLY: list[PooledWorker] = []
"""Workers started by :func:`start_early`, waiting for the next :class:`WorkerPool` to adopt them."""


def _spawn_worker(*, memory_capped: bool = False) -> PooledWorker:
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe(duplex=True)
    process = context.Process(target=worker_loop, args=(child,), name="basalt-worker", daemon=True)
    conf = worker_conf(memory_capped=memory_capped)
    with worker_environment(conf):
        process.start()
    child.close()
    return PooledWorker(process, parent, allocator_conf=conf)


def start_early(count: int = 1) -> None:
    """Start ``count`` workers now, for the run this process is about to make.

    The next :class:`WorkerPool` adopts them (up to its size); any it does not need,
    or that no run adopts, are stopped (at the pool's start, or when this process exits).
    """
    while len(_EARLY) < count:
        _EARLY.append(_spawn_worker())


def _stop(worker: PooledWorker) -> None:
    if worker.process.is_alive():
        worker.process.kill()
        worker.process.join()
    worker.conn.close()


def stop_early() -> None:
    """Stop workers started early that no run adopted (a command that failed before running)."""
    while _EARLY:
        _stop(_EARLY.pop())


atexit.register(stop_early)


class WorkerPool:
    """Up to ``size`` workers; :meth:`idle` hands out a ready one, starting or replacing as needed."""

    def __init__(self, size: int, *, memory_cap_mb: int | None = None) -> None:
        self.size = size
        self.memory_cap_mb = memory_cap_mb
        self.workers: list[PooledWorker] = []

    def resize(self, size: int) -> None:
        """Allow ``size`` workers from now on (a run's plan sizes its pool once it is made)."""
        self.size = size

    def start(self, count: int) -> None:
        """Start ``count`` workers now (at most ``size`` in all), adopting any started early."""
        wanted = min(count, self.size)
        while _EARLY and len(self.workers) < wanted:
            worker = _EARLY.pop(0)
            # An early worker keeps freed memory; a capped run's workers must not (allocator.py).
            suited = worker.allocator_conf == worker_conf(memory_capped=self.memory_capped)
            if worker.process.is_alive() and suited:
                self.workers.append(worker)
            else:
                _stop(worker)
        stop_early()  # surplus early workers: this run has no use for them
        while len(self.workers) < wanted:
            self.workers.append(self._spawn())

    @property
    def memory_capped(self) -> bool:
        """Whether this pool's workers run under ``WORKER_MEMORY_MB``."""
        return self.memory_cap_mb is not None

    def _spawn(self) -> PooledWorker:
        return _spawn_worker(memory_capped=self.memory_capped)

    def idle(self) -> PooledWorker | None:
        """A worker ready for a batch (retiring worn-out ones), or None when all are busy."""
        for worker in list(self.workers):
            if worker.busy:
                continue
            worn = worker.batches >= MAX_BATCHES_PER_WORKER
            heavy = (
                self.memory_cap_mb is not None
                and worker.batches > 0
                and rss_mb(worker.pid) > RECYCLE_SHARE_OF_CAP * self.memory_cap_mb
            )
            if worn or heavy or not worker.process.is_alive():
                self.retire(worker)
                continue
            return worker
        if len(self.workers) < self.size:
            worker = self._spawn()
            self.workers.append(worker)
            return worker
        return None

    def send(self, worker: PooledWorker, message: Any) -> None:
        """Hand ``worker`` a batch."""
        worker.busy = True
        worker.conn.send(message)

    def finished(self, worker: PooledWorker) -> bool | None:
        """The worker's answer if its batch is done (True: result written), else None."""
        try:
            if worker.conn.poll():
                answer = bool(worker.conn.recv())
                worker.busy = False
                worker.batches += 1
                return answer
        except (EOFError, OSError):
            pass
        return None

    def waitables(self) -> list[Any]:
        """Pipes and sentinels of busy workers: an answer or a death wakes the runner."""
        busy = [w for w in self.workers if w.busy]
        return [w.conn for w in busy] + [w.process.sentinel for w in busy]

    def retire(self, worker: PooledWorker, *, kill: bool = False) -> int | None:
        """Stop ``worker`` (politely when idle, SIGKILL when ``kill``); return its exit code."""
        if worker in self.workers:
            self.workers.remove(worker)
        if kill and worker.process.is_alive():
            worker.process.kill()
        elif worker.process.is_alive():
            try:
                worker.conn.send(None)
            except (BrokenPipeError, OSError):
                worker.process.kill()
        worker.process.join(5)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join()
        worker.conn.close()
        return worker.process.exitcode

    def shutdown(self, grace: float = 5.0) -> None:
        """Stop every worker (SIGTERM, then SIGKILL after ``grace``); nothing uncommitted is kept."""
        for worker in self.workers:
            if worker.process.is_alive():
                worker.process.terminate()
        for worker in self.workers:
            worker.process.join(grace)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.conn.close()
        self.workers.clear()


__all__ = ["MAX_BATCHES_PER_WORKER", "PooledWorker", "WorkerPool", "rss_mb", "start_early", "stop_early"]
