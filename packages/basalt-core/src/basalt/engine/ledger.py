"""The run ledger: run ids, structured events (JSON lines), reports, the dataset lock.

Layout under ``STATE_DIR``::

    {dataset}/lock                     who is writing the dataset now
    {dataset}/runs/{run_id}/events.jsonl
    {dataset}/runs/{run_id}/report.json
    {dataset}/runs/{run_id}/logs/…     one log per batch attempt

A batch is committed when its ``batch_committed`` event is in the events file;
resuming a run skips exactly those batches.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


class DatasetLockedError(RuntimeError):
    """Another live run holds the dataset's lock."""


def new_run_id() -> str:
    """A sortable, unique run id: UTC time plus a random suffix."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


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
        tmp = self.report_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(report, indent=2, default=str))
        os.replace(tmp, self.report_path)

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the dataset's lock for the duration of the run.

        A lock left by a process that no longer exists on this host is taken
        over; a live holder makes this raise :class:`DatasetLockedError` naming it.
        """
        self.dataset_dir.mkdir(parents=True, exist_ok=True)
        path = self.dataset_dir / "lock"
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


def last_failed_run(state_dir: Path, dataset: str) -> str | None:
    """The newest run of ``dataset`` whose report says it did not finish, or that has no report."""
    runs = sorted((state_dir / dataset / "runs").glob("*"), reverse=True)
    for run in runs:
        report = run / "report.json"
        if not report.exists():
            return run.name
        if json.loads(report.read_text()).get("status") != "succeeded":
            return run.name
    return None
