"""The run ledger: run ids, structured events (JSON lines), reports, the dataset lock.

Layout under ``STATE_DIR``::

    {dataset}/lock                     who is writing the dataset now
    {dataset}/runs/{run_id}/run.json   the plan's fingerprint and configuration (what resume checks)
    {dataset}/runs/{run_id}/events.jsonl
    {dataset}/runs/{run_id}/report.json
    {dataset}/runs/{run_id}/logs/…     one log per batch attempt

A batch is committed when its ``batch_committed`` event is in the events file;
resuming a run skips exactly those batches. The same lock is also taken in each
local output folder (``.basalt-{dataset}.lock``), so two runs with different
state folders cannot write one dataset at once.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from basalt._files import write_json_atomic


class DatasetLockedError(RuntimeError):
    """Another live run holds the dataset's lock."""


def new_run_id() -> str:
    """A sortable, unique run id: UTC time to the millisecond plus a random suffix.

    Milliseconds, so two runs started within one second still sort in start order
    (``last`` is the newest id; with whole seconds the random suffix decided).
    """
    now = datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%S}{now.microsecond // 1000:03d}Z-{uuid.uuid4().hex[:6]}"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class RunLedger:
    """The ledger of one run of one dataset."""

    state_dir: Path
    dataset: str
    run_id: str

    @property
    def dataset_dir(self) -> Path:
        """Folder of the dataset's runs and lock."""
        return self.state_dir / self.dataset

    @property
    def run_dir(self) -> Path:
        """Folder of this run."""
        return self.dataset_dir / "runs" / self.run_id

    @property
    def events_path(self) -> Path:
        """The run's JSON-lines event log."""
        return self.run_dir / "events.jsonl"

    @property
    def report_path(self) -> Path:
        """The run's final JSON report."""
        return self.run_dir / "report.json"

    def log_path(self, batch_key: str, attempt: int) -> Path:
        """Log file of one attempt of one batch."""
        return self.run_dir / "logs" / f"batch-{batch_key}-attempt{attempt}.log"

    def create(self) -> None:
        """Create the run's folders."""
        (self.run_dir / "logs").mkdir(parents=True, exist_ok=True)

    def emit(self, event: str, **fields: Any) -> dict[str, Any]:
        """Append one event (a single short write, so concurrent workers do not interleave)."""
        record = {"ts": _now(), "run_id": self.run_id, "event": event, **fields}
        line = json.dumps(record, default=str) + "\n"
        fd = os.open(self.events_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)
        return record

    def events(self) -> list[dict[str, Any]]:
        """Every event recorded so far (a torn last line from a crash is skipped)."""
        if not self.events_path.exists():
            return []
        records = []
        for line in self.events_path.read_text().splitlines():
            with contextlib.suppress(json.JSONDecodeError):
                records.append(json.loads(line))
        return records

    def committed_batches(self) -> set[str]:
        """Keys of the date batches this run committed."""
        return {e["batch"] for e in self.events() if e["event"] == "batch_committed"}

    def write_report(self, report: dict[str, Any]) -> None:
        """Write the final report atomically."""
        write_json_atomic(self.report_path, report, indent=2, default=str)

    def read_report(self) -> dict[str, Any] | None:
        """The final report, if the run wrote one."""
        return _read_json(self.report_path)

    @property
    def plan_path(self) -> Path:
        """The run's recorded plan: fingerprint, configuration, plugins."""
        return self.run_dir / "run.json"

    def write_plan(self, plan: dict[str, Any]) -> None:
        """Record what determines the run's output (written once, when the run starts)."""
        write_json_atomic(self.plan_path, plan, indent=2, default=str)

    def read_plan(self) -> dict[str, Any] | None:
        """What :meth:`write_plan` recorded, or None for a run from before it existed."""
        return _read_json(self.plan_path)

    @contextlib.contextmanager
    def lock(self, folder: Path | None = None) -> Iterator[None]:
        """Hold the dataset's lock (in the state folder, or in an output ``folder``) during the run.

        A lock left by a process that no longer exists on this host is taken
        over; a live holder makes this raise :class:`DatasetLockedError` naming it.
        """
        if folder is None:
            self.dataset_dir.mkdir(parents=True, exist_ok=True)
            path = self.dataset_dir / "lock"
        else:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f".basalt-{self.dataset}.lock"
        mine = {"run_id": self.run_id, "pid": os.getpid(), "host": socket.gethostname(), "since": _now()}
        while True:
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                holder = self._holder(path)
                if holder and (holder.get("host") != mine["host"] or _alive(int(holder.get("pid", -1)))):
                    raise DatasetLockedError(
                        f"dataset {self.dataset!r} is being written by run {holder.get('run_id')} "
                        f"(pid {holder.get('pid')} on {holder.get('host')}, since {holder.get('since')}); "
                        f"wait for it, or remove {path} if that run is gone"
                    ) from None
                path.unlink(missing_ok=True)  # stale: its process is gone
                continue
            with os.fdopen(fd, "w") as handle:
                json.dump(mine, handle)
            break
        try:
            yield
        finally:
            if self._holder(path) == mine:
                path.unlink(missing_ok=True)

    @staticmethod
    def _holder(path: Path) -> dict[str, Any] | None:
        try:
            return json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            return None


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None


def started_by() -> dict[str, Any]:
    """Who starts a run, recorded with its ``run_started`` event: user, host and process id."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        user = str(os.getuid()) if hasattr(os, "getuid") else "unknown"
    return {"user": user, "host": socket.gethostname(), "pid": os.getpid()}


def find_run(state_dir: Path, dataset: str, run_id: str) -> str | None:
    """``run_id`` if ``dataset`` has such a run; ``"last"``: its newest run. None when there is none."""
    runs_dir = state_dir / dataset / "runs"
    if run_id == "last":
        runs = sorted((p for p in runs_dir.glob("*") if p.is_dir()), reverse=True)
        return runs[0].name if runs else None
    return run_id if (runs_dir / run_id).is_dir() else None
