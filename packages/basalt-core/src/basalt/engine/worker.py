"""Worker processes: run jobs of the run plan and report back through files.

Started with the ``spawn`` method (never ``fork``: forking after Polars has
started its threads can deadlock the child) as soon as a run starts, so their
imports overlap the parent's planning, and reused for several batches (see
:mod:`basalt.engine.pool`). Each job comes as its slice of the plan
(:class:`~basalt.engine.plan.BatchTask`: configuration, plugin set, the
universe of its days, the job); the worker rebuilds the parent's world from it
alone — it never reads the pipeline file — and keeps it for the next job of the
same run. During a job its stdout and stderr go to the attempt's log file; on
success it writes a result file, on failure an error file naming the
exception, its culprit and whether retrying can help.
"""

from __future__ import annotations

import ctypes
import json
import logging
import os
import signal
import sys
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from basalt._files import write_json_atomic

if TYPE_CHECKING:  # pragma: no cover - typing only
    from multiprocessing.connection import Connection

    from basalt.engine.plan import BatchTask

RETRYABLE = (MemoryError, ConnectionError, TimeoutError)
"""Exceptions a new attempt may not meet again (resources, networks). Anything else raised by
a worker is deterministic — bad data, bad configuration, a missing file, a bug — and fails
the run at once; crashes, kills and timeouts (no error file at all) are retried too."""


@dataclass(frozen=True)
class WorkerFiles:
    """Where one attempt logs and reports (plain paths: they cross a process boundary)."""

    state_dir: str
    dataset: str
    run_id: str
    log_path: str
    result_path: str
    error_path: str
    limit_rows: int | None = None


@dataclass(frozen=True)
class WorkerError:
    """A worker's exception as the parent reports it."""

    type: str
    message: str
    retryable: bool
    culprit: str = ""
    """What the exception names as the cause (file, table, column, config path), if it says."""

    def describe(self) -> str:
        """``TableSchemaError: … 'Price' has dtype String …``."""
        return f"{self.type}: {self.message}"


def describe_exception(exc: BaseException) -> WorkerError:
    """Classify ``exc`` (see :data:`RETRYABLE`) and pick out its culprit if it names one."""
    culprit = ""
    for attribute in ("path", "file", "table", "column", "config_path", "source"):
        value = getattr(exc, attribute, None)
        if isinstance(value, (str, Path)) and str(value):
            culprit = f"{attribute} {value}"
            break
    retryable = isinstance(exc, RETRYABLE) and not isinstance(exc, (FileNotFoundError, PermissionError))
    return WorkerError(type(exc).__name__, str(exc), retryable, culprit)


PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies (kill -9 of the runner leaves no orphans).

    Elsewhere a no-op; the parent's own signal handler still stops its workers.
    """
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _redirect_to(path: str) -> None:
    """Send this process's stdout and stderr (file descriptors 1 and 2) to ``path``."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


def _preload() -> None:
    """Import what every batch needs while the parent is still planning (start-up overlaps it)."""
    import polars  # noqa: F401

    import basalt.builtin.analytics
    import basalt.builtin.sources
    import basalt.builtin.tables
    import basalt.builtin.writers
    import basalt.engine.panel
    import basalt.engine.partition  # noqa: F401


class _World:
    """What a reused worker keeps between batches: plugin managers and resolved pipelines."""

    def __init__(self) -> None:
        self.managers: dict[Any, Any] = {}
        self.resolved: dict[tuple[Any, str], Any] = {}

    def resolve(self, task: BatchTask) -> Any:
        from basalt.engine.loader import load_pipeline
        from basalt.engine.resolve import resolve

        manager = self.managers.get(task.plugins)
        if manager is None:
            manager = self.managers[task.plugins] = task.plugins.build()
        key = (task.plugins, json.dumps(task.config, sort_keys=True, default=str))
        found = self.resolved.get(key)
        if found is None:
            found = self.resolved[key] = resolve(load_pipeline(data=task.config), manager)
        return found


def run_task(task: BatchTask, files: WorkerFiles, world: _World) -> bool:
    """Run one job: write its result file (True) or its error file (False). Never raises."""
    from basalt.engine.jobs import Stage
    from basalt.engine.ledger import RunLedger
    from basalt.engine.panel import run_panel_partition
    from basalt.engine.partition import run_partition

    _redirect_to(files.log_path)
    logging.getLogger().setLevel(task.config.get("LOGGING_LEVEL", "INFO"))
    ledger = RunLedger(Path(files.state_dir), files.dataset, files.run_id)
    job = task.job
    try:
        resolved = world.resolve(task)

        def on_event(event: str, fields: dict[str, Any]) -> None:
            ledger.emit(event, batch=job.key, pid=os.getpid(), **fields)
            print(event, json.dumps(fields, default=str), flush=True)

        start, end = job.batch.start, job.batch.end
        if job.stage is Stage.PANEL:
            result = run_panel_partition(resolved, task.universes, start, end, on_event=on_event)
        else:
            result = run_partition(
                resolved, task.universes, start, end, limit_rows=files.limit_rows, on_event=on_event
            )
        write_json_atomic(Path(files.result_path), asdict(result), default=str)
        return True
    except Exception as exc:
        traceback.print_exc()
        error = describe_exception(exc)
        ledger.emit("batch_error", batch=job.key, pid=os.getpid(), error=error.describe(), **asdict(error))
        write_json_atomic(Path(files.error_path), asdict(error), default=str)
        return False
    finally:
        sys.stdout.flush()
        sys.stderr.flush()


def worker_loop(conn: Connection) -> None:
    """Entry point of a pooled worker: preload, then run the jobs the parent sends until told to stop.

    The parent sends ``(BatchTask, WorkerFiles)`` and receives True (result file written) or
    False (error file written); ``None`` or a closed pipe ends the loop.
    """
    die_with_parent()
    # SIGINT belongs to the runner (Ctrl-C reaches the whole process group): it decides
    # whether running batches finish or stop, so a worker ignores it and obeys SIGTERM.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _redirect_to(os.devnull)
    logging.basicConfig(level="INFO", stream=sys.stderr)
    _preload()
    world = _World()
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            break
        if message is None:
            break
        task, files = message
        conn.send(run_task(task, files, world))
    # Everything is written and closed: leave without the interpreter's teardown (module
    # and thread-pool finalisers), which kept the runner waiting ~0.1 s per batch (#7).
    logging.shutdown()
    os._exit(0)


__all__ = ["RETRYABLE", "WorkerError", "WorkerFiles", "describe_exception", "run_task", "worker_loop"]
