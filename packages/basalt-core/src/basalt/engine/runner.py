"""``basalt pipeline run`` without the CLI: plan, isolated workers, retries, ledger, report.

    pipeline ─► first worker starts (spawn; imports overlap planning) ─► resolve (plugins)
    ─► build_plan (plugin set, universe per day, jobs, workers sized by the input rows,
    fingerprint) ─► ledger (run.json; a resume must match its fingerprint) ─► dataset
    locks (state dir + every local output) ─► the other workers start, as many as jobs
    are left ─► per stage (day, then panel): pooled workers (plan.task(job) →
    run_partition / run_panel_partition) ─► batch_committed events ─► report

Panel passes read the day passes' stored output over a lookback, so they start
only once every day batch is committed. In a run with a stateful day pass
(:mod:`basalt.engine.state`) a listing shard's date batches start in date order,
each once the one before it is committed. A worker's exception comes back with
its type, message and culprit; deterministic ones fail the run at once, only
crashes, kills, timeouts and resource errors are retried. SIGINT/SIGTERM stop
the run cleanly: no new batch starts, running ones are stopped, the report is
written and :class:`RunInterruptedError` names the resume command.

The runner never imports the CLI; the CLI renders the ``on_progress`` events.
"""

from __future__ import annotations

import json
import multiprocessing
import multiprocessing.connection
import signal
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from basalt.engine.checks import check_pipeline
from basalt.engine.identity import resume_mismatch
from basalt.engine.jobs import Job, Stage, committed_days
from basalt.engine.ledger import RunLedger, find_run, new_run_id, started_by
from basalt.engine.loader import Pipeline
from basalt.engine.plan import RunPlan, build_plan
from basalt.engine.pool import PooledWorker, WorkerPool, rss_mb
from basalt.engine.quality import summarise
from basalt.engine.resolve import resolve
from basalt.engine.stop import StopRequest
from basalt.engine.worker import WorkerError, WorkerFiles
from basalt.plugins.manager import PluginManager, get_plugin_manager

Progress = Callable[[str, dict[str, Any]], None]
POLL_SECONDS = 1.0
"""Longest wait between timeout and signal checks; a worker's exit wakes the runner at once."""
STOP_GRACE_SECONDS = 5.0
"""How long a worker may take to stop after SIGTERM before it is killed."""


class RunError(RuntimeError):
    """A run that cannot start, continue or finish; the message says why and what to do."""

    exit_code = 1


class RunFailedError(RunError):
    """A batch failed (deterministically, or after every retry); committed batches are kept."""


class RunNotFoundError(RunFailedError):
    """``--resume`` names no run of the dataset."""


class ResumeMismatchError(RunFailedError):
    """``--resume`` of a run whose pipeline, plugins, outputs, source or universe changed."""


class RunInterruptedError(RunFailedError):
    """SIGINT or SIGTERM stopped the run; committed batches are kept for ``--resume``."""

    def __init__(self, message: str, signum: int) -> None:
        super().__init__(message)
        self.signum = signum
        self.exit_code = 128 + signum


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
    cause: dict[str, Any] | None = None
    """The failing worker's exception (type, message, culprit, retryable), when one failed."""
    ledger: str = ""
    quality: list[dict[str, Any]] = field(default_factory=list)
    """Quality gate results, one entry per pass, rule and column (:func:`basalt.engine.quality.summarise`)."""
    note: str = ""
    """Said to the user besides the numbers (e.g. that a resumed run had already finished)."""


@dataclass
class _Attempt:
    job: Job
    number: int
    worker: PooledWorker
    started: float
    files: WorkerFiles


def reroot_outputs(
    config: dict[str, Any], output_root: Path, manager: PluginManager | None = None
) -> dict[str, Any]:
    """Point every file output at ``output_root``: each writer moves its own settings.

    Writers say how through :meth:`basalt.OutputWriter.rerooted` (a Parquet or
    Delta root moves, an embedded SQLite file moves, a server URL stays), so a
    plugin's writer is re-rooted like the core's.
    """
    config = json.loads(json.dumps(config, default=str))
    writers = (manager or get_plugin_manager()).output_writers(strict=False)
    targets = [config.setdefault("OUTPUT_TARGET", {"type": "parquet"})]
    targets += [p["output"] for p in config.get("PASSES", []) if p.get("output")]
    for target in targets:
        kind = target.get("type", "parquet")
        if kind in writers:
            settings = {k: v for k, v in target.items() if k != "type"}
            target.clear()
            target.update({"type": kind, **writers[kind].rerooted(settings, output_root)})
    return config


def _check_resume(ledger: RunLedger, plan: RunPlan) -> None:
    """Refuse to continue a run whose output-determining inputs changed, naming what changed."""
    recorded = ledger.read_plan()
    if recorded is None:
        return  # a run started before fingerprints were recorded: nothing to compare
    changed, details = resume_mismatch(recorded, plan)
    if not changed:
        return
    listed = "\n".join(f"  - {line}" for line in details) or f"  - changed: {', '.join(changed)}"
    raise ResumeMismatchError(
        f"cannot resume run {ledger.run_id}: what determines its output has changed since it started "
        f"({', '.join(changed)}):\n{listed}\n"
        "--resume continues the same run; to compute with the new settings start a new run "
        "(without --resume), which replaces what it rewrites"
    )


def run_pipeline(
    pipeline: Pipeline,
    *,
    state_dir: Path = Path(".basalt"),
    manager: PluginManager | None = None,
    resume: str | None = None,
    limit_rows: int | None = None,
    on_progress: Progress | None = None,
) -> RunReport:
    """Run every job of ``pipeline``'s plan in worker processes; resumable, never loses a commit.

    Args:
        pipeline: A loaded pipeline (:func:`basalt.engine.loader.load_pipeline`).
        state_dir: Where the run ledger and the dataset lock live.
        manager: The plugin manager (default: the process-wide one); workers rebuild
            exactly its plugins, including plugins registered in code.
        resume: A run id to continue, or ``"last"`` for the dataset's newest run.
        limit_rows: Cap rows per table and batch (quick smoke runs).
        on_progress: Called with ``(event, fields)`` as batches start, commit, fail.

    Raises:
        RunFailedError: A batch failed; names the batch, its cause and its log.
        RunNotFoundError: ``resume`` names no run of the dataset.
        ResumeMismatchError: The resumed run was planned with other inputs.
        RunInterruptedError: SIGINT/SIGTERM; names the run and the resume command.
    """
    config = pipeline.config
    pool = WorkerPool(1, memory_cap_mb=config.WORKER_MEMORY_MB)
    # One worker starts now (or was started with the command): its start-up overlaps the
    # planning below. The plan says how many more the run's work is worth (engine.sizing).
    pool.start(1)
    try:
        return _run(pipeline, pool, state_dir, manager, resume, limit_rows, on_progress)
    finally:
        pool.shutdown(STOP_GRACE_SECONDS)


def _run(
    pipeline: Pipeline,
    pool: WorkerPool,
    state_dir: Path,
    manager: PluginManager | None,
    resume: str | None,
    limit_rows: int | None,
    on_progress: Progress | None,
) -> RunReport:
    manager = manager or get_plugin_manager()
    progress = on_progress or (lambda event, fields: None)
    config = pipeline.config
    resolved = resolve(pipeline, manager)  # fail fast in the parent on any config problem
    check_pipeline(resolved)  # source folders, output paths, writer engines: before any ledger
    plan = build_plan(resolved, estimate_symbol_batches=False)
    if resume is not None:
        found = find_run(state_dir, config.DATASETNAME, resume)
        if found is None:
            raise RunNotFoundError(
                f"no run {resume!r} of dataset {config.DATASETNAME!r} "
                f"in {state_dir / config.DATASETNAME / 'runs'}"
                if resume != "last"
                else f"no earlier run of dataset {config.DATASETNAME!r} in {state_dir} to resume"
            )
        ledger = RunLedger(state_dir, config.DATASETNAME, found)
        _check_resume(ledger, plan)
        finished = ledger.read_report()
        if finished is not None and finished.get("status") == "succeeded":
            report = RunReport(
                run_id=found, dataset=config.DATASETNAME, status="succeeded", ledger=str(ledger.run_dir)
            )
            report.outputs = dict(finished.get("outputs", {}))
            report.note = f"run {found} had already finished successfully; nothing to resume"
            progress("run_finished", {"status": "succeeded", "note": report.note})
            return report
    else:
        ledger = RunLedger(state_dir, config.DATASETNAME, new_run_id())
    ledger.create()
    if resume is None:
        ledger.write_plan(
            {
                "fingerprint": plan.fingerprint,
                "config": plan.config,
                "plugins": plan.plugins.describe(),
                "pipeline": str(pipeline.path) if pipeline.path else None,
            }
        )
    report = RunReport(run_id=ledger.run_id, dataset=config.DATASETNAME, ledger=str(ledger.run_dir))
    report.batches = len(plan.jobs)
    began = time.perf_counter()
    stop = StopRequest()
    lock_dirs = sorted({str(d) for p in resolved.passes if (d := p.writer.lock_dir()) is not None})
    try:
        with ExitStack() as stack:
            stack.enter_context(ledger.lock())
            for folder in lock_dirs:
                stack.enter_context(ledger.lock(Path(folder)))
            stack.enter_context(stop.installed())
            done = committed_days(ledger.committed_batches(), config.EXCLUDE_WEEKENDS)
            report.skipped = [job.key for job in plan.jobs if not job.remainder(done)]
            # The workers the plan sized (engine.sizing), as many as there are jobs left to run.
            pool.resize(plan.workers.count)
            pool.start(sum(len(job.remainder(done)) for job in plan.jobs))
            ledger.emit(
                "run_started",
                batches=report.batches,
                workers=plan.workers.count,
                workers_reason=plan.workers.reason,
                resumed=bool(resume),
                skipped=report.skipped,
                **started_by(),
            )
            progress(
                "run_started",
                {"batches": report.batches, "skipped": len(report.skipped), "run_id": ledger.run_id},
            )
            for stage in Stage:  # the panel stage reads what the day stage wrote: one after the other
                pending = [part for job in plan.jobs if job.stage is stage for part in job.remainder(done)]
                _schedule(pending, plan, pool, ledger, report, limit_rows, progress, stop)
            report.status = "succeeded"
    except RunInterruptedError as exc:
        report.status = "interrupted"
        report.error = str(exc)
        raise
    except BaseException as exc:
        report.status = "failed"
        report.error = report.error or f"{type(exc).__name__}: {exc}"
        raise
    finally:
        report.seconds = round(time.perf_counter() - began, 3)
        for resolved_pass in resolved.passes:
            report.outputs[resolved_pass.name] = resolved_pass.output_location(
                config.DATASETNAME, config.START_DATE
            )
        report.quality = summarise(ledger.events())
        ledger.emit("run_finished", status=report.status, rows=report.rows, seconds=report.seconds)
        ledger.write_report(asdict(report))
        progress("run_finished", {"status": report.status})
    return report


def _schedule(
    pending: list[Job],
    plan: RunPlan,
    pool: WorkerPool,
    ledger: RunLedger,
    report: RunReport,
    limit_rows: int | None,
    progress: Progress,
    stop: StopRequest,
) -> None:
    config = plan.config
    timeout, retries = config.get("BATCH_TIMEOUT"), config["MAX_RETRIES"]
    memory_cap = config.get("WORKER_MEMORY_MB")
    queue = [(job, 1) for job in pending]
    running: list[_Attempt] = []
    while queue or running:
        if stop.signum is not None:
            _interrupt(stop.signum, pool, ledger, report, [a.job.key for a in running])
        while (ready := _next_ready(queue, running, bool(plan.stateful))) is not None and (
            worker := pool.idle()
        ) is not None:
            job, number = queue.pop(ready)
            running.append(_start(pool, worker, plan, job, number, ledger, limit_rows))
            ledger.emit("batch_started", batch=job.key, attempt=number, worker=worker.pid)
            progress("batch_started", {"batch": job.key, "attempt": number})
        # Woken by the first worker to answer or die, not a fixed sleep: a batch's end is
        # noticed at once, and the next batch starts on that worker without a polling delay.
        multiprocessing.connection.wait(pool.waitables(), timeout=POLL_SECONDS)
        for attempt in list(running):
            worker = attempt.worker
            answer = pool.finished(worker)
            timed_out = over_memory = False
            exit_code: int | None = None
            if answer is None:
                timed_out = bool(timeout) and time.monotonic() - attempt.started > (timeout or 0)
                over_memory = memory_cap is not None and rss_mb(worker.pid) > memory_cap
                if worker.process.is_alive() and not (timed_out or over_memory):
                    continue
                exit_code = pool.retire(worker, kill=True)
            running.remove(attempt)
            result = Path(attempt.files.result_path)
            if answer and result.exists():
                _commit(attempt, json.loads(result.read_text()), ledger, report, progress)
                continue
            error = _error_of(attempt) if answer is not None else None
            if timed_out:
                reason = f"timed out after {timeout:g} s"
            elif over_memory:
                reason = f"killed: its memory went over WORKER_MEMORY_MB={memory_cap} MiB"
            elif error is not None:
                reason = error.describe()
            else:
                reason = f"crashed (exit code {exit_code}; killed or out of memory?)"
            retryable = error is None or error.retryable
            ledger.emit(
                "batch_failed",
                batch=attempt.job.key,
                attempt=attempt.number,
                reason=reason,
                retryable=retryable,
                log=attempt.files.log_path,
            )
            progress(
                "batch_failed",
                {
                    "batch": attempt.job.key,
                    "attempt": attempt.number,
                    "reason": reason,
                    "retryable": retryable,
                },
            )
            if retryable and attempt.number <= retries:
                queue.append((attempt.job, attempt.number + 1))
                continue
            report.cause = asdict(error) if error is not None else {"type": "crash", "message": reason}
            tries = f"failed {attempt.number} times" if attempt.number > 1 else "failed"
            why = "" if retryable else " (not retried: another attempt would meet the same error)"
            failure = (
                f"date batch {attempt.job.key} {tries}{why}"
                f"{_in_pass(ledger, attempt.job.key)}: {reason}\n"
                f"log: {attempt.files.log_path}\n"
            )
            # Start nothing more; batches already running finish and commit (nothing is lost).
            queue.clear()
            report.error = (report.error or "") + failure
    if report.error:
        report.error += (
            f"Committed batches are kept: fix the cause and run again with --resume {ledger.run_id}"
        )
        raise RunFailedError(report.error)


def _next_ready(queue: list[tuple[Job, int]], running: list[_Attempt], chained: bool) -> int | None:
    """Index of the first queued job that may start now, or None.

    In a run with a stateful pass (``chained``) a day job waits for every queued or running
    job of its listing shard with earlier days: it starts from the state they store.
    """
    if not queue:
        return None
    if not chained:
        return 0
    waiting = [job for job, _ in queue] + [attempt.job for attempt in running]
    for index, (job, _) in enumerate(queue):
        if job.stage is not Stage.DAY or not any(job.after(other) for other in waiting):
            return index
    return None


def _interrupt(
    signum: int, pool: WorkerPool, ledger: RunLedger, report: RunReport, running: list[str]
) -> None:
    pool.shutdown(STOP_GRACE_SECONDS)
    name = signal.Signals(signum).name
    ledger.emit("run_interrupted", signal=name, stopped=running)
    raise RunInterruptedError(
        f"run {ledger.run_id} stopped by {name}; "
        f"{len(report.committed)} batch(es) committed this time are kept.\n"
        f"Continue it with: basalt pipeline run -p PIPELINE --resume {ledger.run_id} "
        f"(or --resume last) --state-dir {ledger.state_dir}",
        signum,
    )


def _start(
    pool: WorkerPool,
    worker: PooledWorker,
    plan: RunPlan,
    job: Job,
    number: int,
    ledger: RunLedger,
    limit_rows: int | None,
) -> _Attempt:
    files = WorkerFiles(
        state_dir=str(ledger.state_dir),
        dataset=ledger.dataset,
        run_id=ledger.run_id,
        log_path=str(ledger.log_path(job.key, number)),
        result_path=str(ledger.run_dir / f"result-{job.key}-{number}.json"),
        error_path=str(ledger.run_dir / f"error-{job.key}-{number}.json"),
        limit_rows=limit_rows,
    )
    pool.send(worker, (plan.task(job), files))
    return _Attempt(job, number, worker, time.monotonic(), files)


def _error_of(attempt: _Attempt) -> WorkerError | None:
    path = Path(attempt.files.error_path)
    if not path.exists():
        return None
    try:
        return WorkerError(**json.loads(path.read_text()))
    except (OSError, ValueError, TypeError):
        return None


def _commit(
    attempt: _Attempt, result: dict[str, Any], ledger: RunLedger, report: RunReport, progress: Progress
) -> None:
    for name, rows in result["rows"].items():
        report.rows[name] = report.rows.get(name, 0) + rows
    report.peak_rss_mb = max(report.peak_rss_mb, result["peak_rss_mb"])
    report.committed.append(attempt.job.key)
    ledger.emit(
        "batch_committed",
        batch=attempt.job.key,
        attempt=attempt.number,
        rows=result["rows"],
        seconds=result["seconds"],
        peak_rss_mb=result["peak_rss_mb"],
    )
    progress(
        "batch_committed", {"batch": attempt.job.key, "rows": result["rows"], "seconds": result["seconds"]}
    )


def _in_pass(ledger: RunLedger, batch_key: str) -> str:
    passes = [
        e.get("pass") for e in ledger.events() if e.get("batch") == batch_key and e["event"] == "pass_started"
    ]
    return f" in pass {passes[-1]!r}" if passes else ""


__all__ = [
    "ResumeMismatchError",
    "RunError",
    "RunFailedError",
    "RunInterruptedError",
    "RunNotFoundError",
    "RunReport",
    "reroot_outputs",
    "run_pipeline",
]
