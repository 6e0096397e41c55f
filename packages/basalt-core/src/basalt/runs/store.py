"""Reading the run ledger: find runs, and fold a run's events into what the ``runs`` commands show.

Everything here is computed from the files :mod:`basalt.engine.ledger` writes —
``events.jsonl``, ``report.json``, ``run.json`` and the per-attempt logs — so it
works for a run started by another process, on a run still going, and on one
whose process was killed before it could write its report::

    state_dir/{dataset}/runs/{run_id}/events.jsonl ─► fold_run ─► RunView
        (run_started, batch_started, pass_finished, quality_checked,          ├─ attempts (per worker)
         batch_error, batch_failed, batch_committed, run_finished)            ├─ passes per batch
                                                                              └─ status, rows, ETA
"""

from __future__ import annotations

import json
import os
import socket
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from basalt.engine.ledger import RunLedger
from basalt.engine.quality import summarise

STARTING_GRACE_SECONDS = 60.0
"""A run folder without events this young is still starting (planning, taking its lock)."""


class RunLookupError(FileNotFoundError):
    """No run matches what the user named (the message lists where it looked).

    A missing file to the CLI: reported as a user error, without a traceback.
    """


@dataclass
class Attempt:
    """One attempt of one date batch on one worker."""

    batch: str
    number: int
    worker: int | None
    """The worker's process id (None in ledgers from before it was recorded)."""
    started: datetime
    ended: datetime | None = None
    outcome: str = "running"
    """``running``, ``committed``, ``failed`` or ``stopped`` (the run ended without an answer)."""
    rows: int = 0
    seconds: float | None = None
    reason: str = ""
    """Why it failed, as the runner recorded it (``RuntimeError: …``, ``timed out after 20 s``)."""
    error: dict[str, Any] | None = None
    """The worker's exception (type, message, culprit), when it raised one."""
    log: str = ""
    current: str = ""
    """While running: the pass and day it is computing."""


@dataclass
class PassStats:
    """Rows and seconds of one pass within one date batch (its committed attempt, or the last)."""

    batch: str
    pass_name: str
    attempt: int = 1
    rows: int = 0
    seconds: float = 0.0
    outputs: int = 0
    """Outputs written: one per day and symbol batch."""


@dataclass
class RunView:
    """A run as the ledger tells it."""

    run_id: str
    dataset: str
    run_dir: Path
    status: str
    pipeline: str | None = None
    start_date: str | None = None
    end_date: str | None = None
    started: datetime | None = None
    ended: datetime | None = None
    started_by: str = ""
    batches: int = 0
    committed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    """Batches whose last attempt failed."""
    retried: list[str] = field(default_factory=list)
    """Batches that needed more than one attempt."""
    skipped: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    attempts: list[Attempt] = field(default_factory=list)
    passes: list[PassStats] = field(default_factory=list)
    quality: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    cause: dict[str, Any] | None = None
    peak_rss_mb: float = 0.0
    segments: list[tuple[datetime, datetime | None]] = field(default_factory=list)
    """(start, end) of each process that ran the run: the first, then each resume."""

    @property
    def seconds(self) -> float:
        """Wall time the run's processes ran: each start (the first, then every resume) to its end,
        or to now for the one still running (the time between a failure and its resume is not counted)."""
        total = 0.0
        for index, (began, ended) in enumerate(self.segments):
            last = index == len(self.segments) - 1
            end = ended or (datetime.now(UTC) if last and self.status in ("running", "starting") else None)
            end = end or (self.ended if last else None) or began
            total += max((end - began).total_seconds(), 0.0)
        return total

    @property
    def total_rows(self) -> int:
        """Rows written by committed batches, all passes together."""
        return sum(self.rows.values())

    @property
    def running(self) -> list[Attempt]:
        """Attempts in progress now."""
        return [a for a in self.attempts if a.outcome == "running"]

    def summary(self) -> dict[str, Any]:
        """One row of ``basalt runs list`` (also its ``--json`` form)."""
        return {
            "run_id": self.run_id,
            "dataset": self.dataset,
            "pipeline": self.pipeline,
            "dates": f"{self.start_date}..{self.end_date}" if self.start_date else "",
            "status": self.status,
            "batches": self.batches,
            "done": len(set(self.committed) | set(self.skipped)),  # a resume skips what it committed before
            "failed": len(self.failed),
            "rows": self.total_rows,
            "seconds": round(self.seconds, 3),
            "started": self.started.isoformat() if self.started else None,
            "started_by": self.started_by,
        }


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _alive_here(host: str | None, pid: Any) -> bool:
    """Whether process ``pid`` runs on this host (False when unknown or elsewhere)."""
    if not pid or host != socket.gethostname():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True


def _lock_holder(ledger: RunLedger) -> dict[str, Any] | None:
    try:
        return json.loads((ledger.dataset_dir / "lock").read_text())
    except (OSError, json.JSONDecodeError):
        return None


def fold_run(ledger: RunLedger, events: list[dict[str, Any]] | None = None) -> RunView:
    """The run ``ledger`` records, folded from its events (``events``: already read ones)."""
    events = ledger.events() if events is None else events
    plan = ledger.read_plan() or {}
    config = plan.get("config", {})
    view = RunView(
        run_id=ledger.run_id,
        dataset=ledger.dataset,
        run_dir=ledger.run_dir,
        status="running",
        pipeline=plan.get("pipeline"),
        start_date=config.get("START_DATE"),
        end_date=config.get("END_DATE"),
    )
    every: list[Attempt] = []
    attempts: dict[tuple[str, int], Attempt] = {}  # the newest attempt of each (batch, number)
    by_worker: dict[tuple[str, int | None], Attempt] = {}
    latest: dict[str, Attempt] = {}
    passes: dict[tuple[int, str], tuple[Attempt, PassStats]] = {}  # (id of the attempt, pass)
    last_start: dict[str, Any] | None = None
    finished: dict[str, Any] | None = None
    previous: datetime | None = None
    for event in events:
        kind, ts = event.get("event"), _time(event["ts"])
        before, previous = previous or ts, ts  # ``before``: the time of the event before this one
        batch = event.get("batch", "")
        if kind == "run_started":
            view.started = view.started or ts
            if view.segments and view.segments[-1][1] is None:  # the previous process died
                view.segments[-1] = (view.segments[-1][0], before)
            view.segments.append((ts, None))
            view.batches = int(event.get("batches", 0))
            view.skipped = list(event.get("skipped", []))
            if event.get("user"):
                view.started_by = f"{event['user']}@{event.get('host', '?')}"
            last_start, finished = event, None
            for attempt in every:  # a resume: what the last process left running is gone
                if attempt.outcome == "running":
                    attempt.outcome, attempt.ended = "stopped", before
        elif kind == "batch_started":
            attempt = Attempt(batch, int(event.get("attempt", 1)), event.get("worker"), ts)
            attempt.log = str(ledger.log_path(batch, attempt.number))
            attempts[(batch, attempt.number)] = latest[batch] = attempt
            every.append(attempt)
            by_worker[(batch, attempt.worker)] = attempt
        elif kind in ("pass_started", "pass_finished", "batch_error", "quality_checked"):
            owner = by_worker.get((batch, event.get("pid"))) or latest.get(batch)
            if owner is None:
                continue
            attempt = owner
            if attempt.worker is None:
                attempt.worker = event.get("pid")
            if kind == "pass_started":
                attempt.current = f"{event.get('pass')} {event.get('day')}"
            elif kind == "pass_finished":
                name = str(event.get("pass"))
                _, stats = passes.setdefault(
                    (id(attempt), name), (attempt, PassStats(batch, name, attempt.number))
                )
                stats.rows += int(event.get("rows", 0))
                stats.seconds += float(event.get("seconds", 0.0))
                stats.outputs += 1
            elif kind == "batch_error":
                attempt.error = {k: event.get(k) for k in ("type", "message", "culprit", "retryable")}
        elif kind in ("batch_committed", "batch_failed"):
            found = attempts.get((batch, int(event.get("attempt", 1))))
            if found is None:
                continue
            attempt = found
            attempt.ended = ts
            if kind == "batch_committed":
                attempt.outcome = "committed"
                attempt.rows = sum(event.get("rows", {}).values())
                attempt.seconds = event.get("seconds")
                for name, rows in event.get("rows", {}).items():
                    view.rows[name] = view.rows.get(name, 0) + int(rows)
                view.peak_rss_mb = max(view.peak_rss_mb, float(event.get("peak_rss_mb", 0.0)))
            else:
                attempt.outcome, attempt.reason = "failed", str(event.get("reason", ""))
                attempt.log = str(event.get("log") or attempt.log)
        elif kind == "run_finished":
            finished, view.ended = event, ts
            if view.segments:
                view.segments[-1] = (view.segments[-1][0], ts)
            for attempt in every:
                if attempt.outcome == "running":
                    attempt.outcome, attempt.ended = "stopped", ts
    view.attempts = sorted(every, key=lambda a: (a.started, a.batch, a.number))
    view.committed = sorted({a.batch for a in view.attempts if a.outcome == "committed"})
    view.failed = sorted(
        batch for batch, a in latest.items() if a.outcome == "failed" and batch not in view.committed
    )
    tries = [a.batch for a in view.attempts]
    view.retried = sorted({batch for batch in tries if tries.count(batch) > 1})
    # A committed batch's passes as its committing attempt ran them; all attempts of the others.
    shown = [
        (a, st) for a, st in passes.values() if a.outcome == "committed" or a.batch not in view.committed
    ]
    view.passes = [st for _, st in sorted(shown, key=lambda pair: (pair[1].batch, pair[0].started))]
    view.quality = summarise(events)
    report = ledger.read_report() or {}
    view.status = _status(ledger, last_start, finished, report)
    if view.status != "running" and view.ended is None and view.attempts:
        view.ended = max((a.ended or a.started) for a in view.attempts)
    if finished is not None or report:
        view.error = report.get("error")
        view.cause = report.get("cause")
    if view.cause is None and view.failed:
        failing = latest[view.failed[0]]
        view.cause = failing.error or {"type": "crash", "message": failing.reason}
    return view


def _status(
    ledger: RunLedger,
    last_start: dict[str, Any] | None,
    finished: dict[str, Any] | None,
    report: dict[str, Any],
) -> str:
    """``running``, the finished run's own status, ``died`` (its process is gone without a report),
    or ``unfinished`` (no report yet, started on another host)."""
    if finished is not None:
        return str(finished.get("status", report.get("status", "unknown")))
    if last_start is None:  # between the run's folder being made and its first event
        if _alive_here(socket.gethostname(), _pid_of_lock(ledger)):
            return "starting"
        try:
            age = time.time() - ledger.run_dir.stat().st_mtime
        except OSError:
            return "died"
        return "starting" if age < STARTING_GRACE_SECONDS else "died"
    if _alive_here(last_start.get("host"), last_start.get("pid")):
        return "running"
    if last_start.get("host") not in (None, socket.gethostname()):
        return "unfinished"  # started on another machine: its process cannot be checked from here
    holder = _lock_holder(ledger)
    if (
        holder
        and holder.get("run_id") == ledger.run_id
        and _alive_here(holder.get("host"), holder.get("pid"))
    ):
        return "running"
    if last_start.get("pid") is None and holder and holder.get("run_id") == ledger.run_id:
        return "running"  # a ledger from before pids were recorded, still locked by this run
    return "died"


def _pid_of_lock(ledger: RunLedger) -> Any:
    holder = _lock_holder(ledger)
    return holder.get("pid") if holder and holder.get("run_id") == ledger.run_id else None


def datasets(state_dir: Path) -> list[str]:
    """Datasets with a run ledger under ``state_dir``."""
    if not state_dir.is_dir():
        return []
    return sorted(p.name for p in state_dir.iterdir() if (p / "runs").is_dir())


def list_runs(state_dir: Path, dataset: str | None = None) -> list[RunLedger]:
    """Every run under ``state_dir`` (of ``dataset``, if given), newest first."""
    names = [dataset] if dataset else datasets(state_dir)
    found = [
        RunLedger(state_dir, name, path.name)
        for name in names
        for path in (state_dir / name / "runs").glob("*")
        if path.is_dir()
    ]
    return sorted(found, key=lambda ledger: (ledger.run_id, ledger.dataset), reverse=True)


def find(state_dir: Path, run: str, dataset: str | None = None) -> RunLedger:
    """The run named ``run``: an id, a unique prefix of one, or ``last`` (the newest).

    Raises:
        RunLookupError: No such run, or a prefix matching several (the message names them).
    """
    runs = list_runs(state_dir, dataset)
    where = f"{state_dir}" + (f" (dataset {dataset!r})" if dataset else "")
    if not runs:
        raise RunLookupError(
            f"no runs in {where}; runs are recorded where `basalt pipeline run --state-dir` put them "
            "(default .basalt in the folder it ran from): pass --state-dir"
        )
    if run == "last":
        return runs[0]
    exact = [r for r in runs if r.run_id == run]
    matches = exact or [r for r in runs if r.run_id.startswith(run)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        newest = ", ".join(r.run_id for r in runs[:3])
        raise RunLookupError(f"no run {run!r} in {where}; the newest: {newest} (or say 'last')")
    names = ", ".join(f"{r.dataset}/{r.run_id}" for r in matches[:5])
    raise RunLookupError(
        f"{run!r} matches several runs in {where}: {names}; give more of the id or --dataset"
    )


__all__ = [
    "Attempt",
    "PassStats",
    "RunLookupError",
    "RunView",
    "datasets",
    "find",
    "fold_run",
    "list_runs",
]
