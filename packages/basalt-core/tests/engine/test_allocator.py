"""Workers start with the allocator setting that keeps freed memory, unless the run caps memory."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from basalt.engine import allocator, pool

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/<pid>/environ")


def _environ(pid: int | None) -> dict[str, str]:
    """The environment a worker was started with, once it has started.

    Until the child execs, ``/proc/<pid>/environ`` shows the parent's environment as
    it was at the parent's own start (not what was set since), so wait for the key.
    """
    deadline = time.monotonic() + 30
    while True:
        raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        found = dict(item.decode().split("=", 1) for item in raw if b"=" in item)
        if allocator.ALLOCATOR_ENV in found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def test_the_setting_is_appended_while_a_worker_starts_and_removed_after(monkeypatch: Any) -> None:
    monkeypatch.delenv(allocator.ALLOCATOR_ENV, raising=False)
    with allocator.worker_environment("dirty_decay_ms:7"):
        assert os.environ[allocator.ALLOCATOR_ENV] == "dirty_decay_ms:7"
    assert allocator.ALLOCATOR_ENV not in os.environ

    # Polars (or the user) already set options in this process: the worker's come after them,
    # so they win (jemalloc applies options left to right), and the parent's value comes back.
    polars_defaults = "dirty_decay_ms:500,muzzy_decay_ms:1000"
    monkeypatch.setenv(allocator.ALLOCATOR_ENV, polars_defaults)
    with allocator.worker_environment("dirty_decay_ms:7"):
        assert os.environ[allocator.ALLOCATOR_ENV] == polars_defaults + ",dirty_decay_ms:7"
    assert os.environ[allocator.ALLOCATOR_ENV] == polars_defaults

    with allocator.worker_environment(""):
        assert os.environ[allocator.ALLOCATOR_ENV] == polars_defaults


def test_which_setting_a_worker_gets(monkeypatch: Any) -> None:
    monkeypatch.delenv(allocator.WORKER_ALLOCATOR_ENV, raising=False)
    assert allocator.worker_conf(memory_capped=False) == allocator.WORKER_ALLOCATOR_CONF
    assert allocator.worker_conf(memory_capped=True) == "", "a memory cap needs RSS to mean memory in use"
    monkeypatch.setenv(allocator.WORKER_ALLOCATOR_ENV, "dirty_decay_ms:3000")
    assert allocator.worker_conf(memory_capped=False) == "dirty_decay_ms:3000"
    monkeypatch.setenv(allocator.WORKER_ALLOCATOR_ENV, "")
    assert allocator.worker_conf(memory_capped=False) == "", "empty: Polars' own defaults"


@linux_only
def test_a_spawned_worker_runs_with_the_setting_last(monkeypatch: Any) -> None:
    monkeypatch.delenv(allocator.WORKER_ALLOCATOR_ENV, raising=False)
    monkeypatch.setenv(allocator.ALLOCATOR_ENV, "dirty_decay_ms:500")
    worker = pool._spawn_worker()
    capped = pool._spawn_worker(memory_capped=True)
    try:
        conf = _environ(worker.pid)[allocator.ALLOCATOR_ENV]
        assert conf.endswith("," + allocator.WORKER_ALLOCATOR_CONF)
        assert _environ(capped.pid)[allocator.ALLOCATOR_ENV] == "dirty_decay_ms:500"
        assert capped.allocator_conf == "", "a capped worker keeps Polars' defaults"
        assert worker.allocator_conf == allocator.WORKER_ALLOCATOR_CONF
    finally:
        for started in (worker, capped):
            pool._stop(started)
    assert os.environ[allocator.ALLOCATOR_ENV] == "dirty_decay_ms:500", "the parent's own value is untouched"


@contextlib.contextmanager
def _pool_after_an_early_worker(cap: int | None) -> Iterator[tuple[pool.WorkerPool, pool.PooledWorker]]:
    """A worker started early, then a pool of one (with ``cap``) started; both stopped after."""
    pool.start_early(1)
    early = pool._EARLY[0]
    run_pool = pool.WorkerPool(1, memory_cap_mb=cap)
    try:
        run_pool.start(1)
        yield run_pool, early
    finally:
        run_pool.shutdown()
        pool.stop_early()


def test_a_capped_run_does_not_adopt_a_worker_started_early(monkeypatch: Any) -> None:
    monkeypatch.delenv(allocator.WORKER_ALLOCATOR_ENV, raising=False)
    with _pool_after_an_early_worker(4096) as (capped, early):
        (adopted,) = capped.workers
        assert adopted is not early
        assert adopted.allocator_conf == "", "started for the cap: Polars' defaults"
        assert not early.process.is_alive(), "the early worker, unsuited to the cap, is stopped"
        assert not pool._EARLY

    with _pool_after_an_early_worker(None) as (uncapped, early):
        assert uncapped.workers == [early]

    # With Polars' defaults asked for everywhere, an early worker suits a capped run as it is.
    monkeypatch.setenv(allocator.WORKER_ALLOCATOR_ENV, "")
    with _pool_after_an_early_worker(4096) as (capped, early):
        assert capped.workers == [early]
