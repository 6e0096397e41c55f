"""``basalt pipeline run`` without the CLI: plan, isolated workers, retries, ledger, report.

    pipeline file ─► AnalyticsConfig ─► resolve (plugins) ─► date batches ─►
    worker processes (spawn; run_partition per batch) ─► batch_committed events ─►
    [panel passes: worker processes (run_panel_partition per batch) ─► batch_committed] ─► report

Panel passes read the day passes' stored output over a lookback, so they start
only once every day batch is committed.

The runner never imports the CLI; the CLI renders the ``on_progress`` events.
"""

from __future__ import annotations

import json
import multiprocessing
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from multiprocessing import connection
from pathlib import Path
from typing import Any

from basalt.engine.calendar import DateBatch, date_batches, trading_days
from basalt.engine.ledger import RunLedger, last_failed_run, new_run_id
from basalt.engine.loader import Pipeline
from basalt.engine.resolve import resolve
from basalt.engine.worker import WorkerTask, worker_main
from basalt.plugins.manager import PluginManager, get_plugin_manager

Progress = Callable[[str, dict[str, Any]], None]
POLL_SECONDS = 1.0
"""Longest wait between timeout checks; a worker's exit wakes the runner at once."""


class RunFailedError(RuntimeError):
    """A batch failed after every retry; committed batches are kept."""


@dataclass
class RunReport:
    """The outcome of a run (also written as ``report.json``)."""

    run_id: str
    dataset: str
    status: str = "running"
    batches: int = 0
    skipped: list[str] = field(default_factory=list)
    committed: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    peak_rss_mb: float = 0.0
    outputs: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    ledger: str = ""


@dataclass(frozen=True)
class _Job:
    """One date batch of one stage: the day passes, or the panel passes after them."""

    batch: DateBatch
    stage: str = "day"

    @property
    def key(self) -> str:
        """The ledger key: the batch's, prefixed ``panel-`` for the panel stage."""
        return self.batch.key if self.stage == "day" else f"panel-{self.batch.key}"

    def remainder(self, committed: set[tuple[str, date]]) -> list[_Job]:
        """The job cut down to its days not yet committed: one job per contiguous run of them.

        Days count as committed whatever batch committed them; an empty list means nothing is left.
        """
        runs: list[list[date]] = [[]]
        for day in self.batch.days:
            if (self.stage, day) in committed:
                runs.append([])
            else:
                runs[-1].append(day)
        return [_Job(DateBatch(self.batch.index, tuple(days)), self.stage) for days in runs if days]


def _committed_days(keys: set[str], exclude_weekends: bool) -> set[tuple[str, date]]:
    """(stage, day) pairs the committed batch keys cover.

    By day, not by key: a resumed run whose batches are cut differently (another
    ``NUM_WORKERS`` or ``BATCH_FREQ``) still skips every day already committed.
    A key spans ``START_END``: every trading day between was in that batch.
    """
    covered: set[tuple[str, date]] = set()
    for key in keys:
        stage, span = ("panel", key.removeprefix("panel-")) if key.startswith("panel-") else ("day", key)
        first, last = (date.fromisoformat(part) for part in span.split("_"))
        covered.update((stage, day) for day in trading_days(first, last, exclude_weekends=exclude_weekends))
    return covered


@dataclass
class _Attempt:
    batch: _Job
    number: int
    process: Any
    started: float
    log: Path
    result: Path


def reroot_outputs(config: dict[str, Any], output_root: Path) -> dict[str, Any]:
    """Point every file output (Parquet, Delta roots; relative SQLite files) at ``output_root``."""
    config = json.loads(json.dumps(config, default=str))
    targets = [config.setdefault("OUTPUT_TARGET", {"type": "parquet"})]
    targets += [p["output"] for p in config.get("PASSES", []) if p.get("output")]
    for target in targets:
        kind = target.get("type", "parquet")
        if kind in {"parquet", "delta"}:
            target["root"] = str(output_root)
        elif kind == "sql":
            # An embedded SQLite database moves with the other outputs; a server URL stays.
            url = target.get("url", "sqlite:///output/basalt.db")
            if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
                target["url"] = f"sqlite:///{output_root / Path(url.removeprefix('sqlite:///')).name}"
    return config


def run_pipeline(
    pipeline: Pipeline,
    *,
    state_dir: Path = Path(".basalt"),
    manager: PluginManager | None = None,
    resume: str | None = None,
    limit_rows: int | None = None,
    on_progress: Progress | None = None,
) -> RunReport:
    """Run every date batch of ``pipeline`` in worker processes; resumable, never loses a commit.

    Args:
        pipeline: A loaded pipeline (:func:`basalt.engine.loader.load_pipeline`).
        state_dir: Where the run ledger and the dataset lock live.
        manager: The plugin manager (default: the process-wide one).
        resume: A run id to continue, or ``"last"`` for the dataset's last unfinished run.
        limit_rows: Cap rows per table and batch (quick smoke runs).
        on_progress: Called with ``(event, fields)`` as batches start, commit, fail.

    Raises:
        RunFailedError: A batch failed ``MAX_RETRIES + 1`` times; names the batch,
            the last pass it started and its log file.
    """
    manager = manager or get_plugin_manager()
    progress = on_progress or (lambda event, fields: None)
    config = pipeline.config
    resolved = resolve(pipeline, manager)  # fail fast in the parent on any config problem
    if resume == "last":
        resume = last_failed_run(state_dir, config.DATASETNAME)
    ledger = RunLedger(state_dir, config.DATASETNAME, resume or new_run_id())
    ledger.create()
    report = RunReport(run_id=ledger.run_id, dataset=config.DATASETNAME, ledger=str(ledger.run_dir))
    began = time.perf_counter()
    days = trading_days(config.START_DATE, config.END_DATE, exclude_weekends=config.EXCLUDE_WEEKENDS)
    stages = [s for s in ("day", "panel") if any(p.config.scope == s for p in resolved.passes)]
    batches = date_batches(days, config.BATCH_FREQ, config.NUM_WORKERS)
    jobs = [[_Job(batch, stage) for batch in batches] for stage in stages]
    report.batches = sum(len(stage_jobs) for stage_jobs in jobs)
    with ledger.lock():
        done = _committed_days(ledger.committed_batches(), config.EXCLUDE_WEEKENDS)
        report.skipped = [job.key for stage_jobs in jobs for job in stage_jobs if not job.remainder(done)]
        ledger.emit("run_started", batches=report.batches, resumed=bool(resume), skipped=report.skipped)
        progress(
            "run_started",
            {"batches": report.batches, "skipped": len(report.skipped), "run_id": ledger.run_id},
        )
        raw = config.model_dump(mode="json")
        try:
            for stage_jobs in jobs:  # the panel stage reads what the day stage wrote: one after the other
                pending = [part for job in stage_jobs for part in job.remainder(done)]
                _schedule(pending, raw, pipeline, ledger, report, limit_rows, progress)
            report.status = "succeeded"
        except RunFailedError as exc:
            report.status = "failed"
            report.error = str(exc)
            raise
        finally:
            report.seconds = round(time.perf_counter() - began, 3)
            for resolved_pass in resolved.passes:
                report.outputs[resolved_pass.name] = resolved_pass.output_location(
                    config.DATASETNAME, config.START_DATE
                )
            ledger.emit("run_finished", status=report.status, rows=report.rows, seconds=report.seconds)
            ledger.write_report(report.__dict__)
            progress("run_finished", {"status": report.status})
    return report


def _schedule(
    pending: list[_Job],
    raw: dict[str, Any],
    pipeline: Pipeline,
    ledger: RunLedger,
    report: RunReport,
    limit_rows: int | None,
    progress: Progress,
) -> None:
    config = pipeline.config
    context = multiprocessing.get_context("spawn")
    queue = [(batch, 1) for batch in pending]
    running: list[_Attempt] = []
    while queue or running:
        while queue and len(running) < config.NUM_WORKERS:
            batch, number = queue.pop(0)
            running.append(_start(context, batch, number, raw, pipeline, ledger, limit_rows))
            ledger.emit("batch_started", batch=batch.key, attempt=number)
            progress("batch_started", {"batch": batch.key, "attempt": number})
        # Woken by the first worker to exit (its sentinel), not a fixed sleep: a batch's end
        # is noticed at once, and the next batch starts without a polling delay.
        connection.wait([attempt.process.sentinel for attempt in running], timeout=POLL_SECONDS)
        for attempt in list(running):
            timed_out = config.BATCH_TIMEOUT and time.monotonic() - attempt.started > config.BATCH_TIMEOUT
            if attempt.process.is_alive() and not timed_out:
                continue
            if attempt.process.is_alive():
                attempt.process.kill()
            attempt.process.join()
            running.remove(attempt)
            if attempt.process.exitcode == 0 and attempt.result.exists():
                _commit(attempt, ledger, report, progress)
                continue
            reason = "timed out" if timed_out else f"exited with code {attempt.process.exitcode}"
            ledger.emit(
                "batch_failed",
                batch=attempt.batch.key,
                attempt=attempt.number,
                reason=reason,
                log=str(attempt.log),
            )
            progress(
                "batch_failed", {"batch": attempt.batch.key, "attempt": attempt.number, "reason": reason}
            )
            if attempt.number <= config.MAX_RETRIES:
                queue.append((attempt.batch, attempt.number + 1))
                continue
            for other in running:
                other.process.kill()
                other.process.join()
            last_pass = _last_pass(ledger, attempt.batch.key)
            raise RunFailedError(
                f"date batch {attempt.batch.key} failed {attempt.number} times ({reason})"
                f"{f' in pass {last_pass!r}' if last_pass else ''}; see {attempt.log}. "
                f"Committed batches are kept: fix the cause and run again with --resume {ledger.run_id}"
            )


def _start(
    context: Any,
    batch: _Job,
    number: int,
    raw: dict[str, Any],
    pipeline: Pipeline,
    ledger: RunLedger,
    limit_rows: int | None,
) -> _Attempt:
    log = ledger.log_path(batch.key, number)
    result = ledger.run_dir / f"result-{batch.key}-{number}.json"
    task = WorkerTask(
        config=raw,
        pipeline_path=str(pipeline.path) if pipeline.path else None,
        start=batch.batch.start.isoformat(),
        end=batch.batch.end.isoformat(),
        batch_key=batch.key,
        stage=batch.stage,
        run_id=ledger.run_id,
        state_dir=str(ledger.state_dir),
        log_path=str(log),
        result_path=str(result),
        limit_rows=limit_rows,
    )
    process = context.Process(target=worker_main, args=(task,), name=f"basalt-{batch.key}")
    process.start()
    return _Attempt(batch, number, process, time.monotonic(), log, result)


def _commit(attempt: _Attempt, ledger: RunLedger, report: RunReport, progress: Progress) -> None:
    result = json.loads(attempt.result.read_text())
    for name, rows in result["rows"].items():
        report.rows[name] = report.rows.get(name, 0) + rows
    report.peak_rss_mb = max(report.peak_rss_mb, result["peak_rss_mb"])
    report.committed.append(attempt.batch.key)
    ledger.emit(
        "batch_committed",
        batch=attempt.batch.key,
        attempt=attempt.number,
        rows=result["rows"],
        seconds=result["seconds"],
        peak_rss_mb=result["peak_rss_mb"],
    )
    progress(
        "batch_committed", {"batch": attempt.batch.key, "rows": result["rows"], "seconds": result["seconds"]}
    )


def _last_pass(ledger: RunLedger, batch_key: str) -> str | None:
    passes = [
        e.get("pass") for e in ledger.events() if e.get("batch") == batch_key and e["event"] == "pass_started"
    ]
    return passes[-1] if passes else None
