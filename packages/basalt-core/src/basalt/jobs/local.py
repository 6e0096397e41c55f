"""The ``local`` executor: a detached, supervised run on this machine.

``submit`` starts :mod:`basalt.jobs.local_proc`'s supervisor in a new session (closing the
terminal does not stop it) with stdin closed and its output in ``{job}/job.log``; the
supervisor starts the run and records its exit. Status comes from the pid files, the recorded
exit and the run ledger (batches committed out of planned, the report's error); ``cancel``
sends SIGTERM to the run, which stops its workers, keeps what it committed and exits 143
(``basalt pipeline run --resume RUN_ID`` continues it).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import Field

from basalt._files import write_text_atomic
from basalt.jobs import local_proc as files
from basalt.jobs.base import Executor, ExecutorConfig, JobRecord, JobRequest, JobStatus, new_job_id
from basalt.jobs.errors import JobError
from basalt.jobs.procs import alive, read_pid

if TYPE_CHECKING:  # pragma: no cover - typing only
    from basalt.jobs.schedules import Schedule

STOPPED_CODES = (143, 130, -signal.SIGTERM, -signal.SIGINT)
"""Exit codes of a run stopped by SIGTERM/SIGINT (handled: 143/130; before the handler: -15/-2)."""


class LocalExecutorConfig(ExecutorConfig):
    """Settings of the ``local`` executor."""

    python: str = Field(
        default_factory=lambda: sys.executable,
        description="Python interpreter that runs the job (default: the one running basalt).",
    )
    env: dict[str, str] = Field(
        default_factory=dict, description="Extra environment variables for the job's processes."
    )


class LocalExecutor(Executor):
    """Runs the pipeline on this machine, detached from the terminal, with a pid file and a log."""

    NAME = "local"
    Config = LocalExecutorConfig
    config: LocalExecutorConfig

    def submit(self, request: JobRequest) -> JobRecord:
        """Start the supervisor in a new session; return at once."""
        job_id = new_job_id(request.dataset)
        folder = self.store.job_dir(job_id).resolve()
        record = JobRecord(
            job_id=job_id,
            executor=self.NAME,
            request=request,
            config=self.config.model_dump(mode="json"),
            details={"folder": str(folder), "log": str(folder / files.LOG), "host": socket.gethostname()},
        )
        self.store.save(record)
        with open(folder / files.LOG, "ab") as log:
            process = subprocess.Popen(
                [self.config.python, "-m", "basalt.jobs.local_proc", "supervise", str(folder)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                close_fds=True,
                env={**os.environ, **self.config.env},
            )
        record.details["supervisor_pid"] = process.pid
        self.store.save(record)
        return record

    def _folder(self, record: JobRecord) -> Path:
        return Path(record.details["folder"])

    def status(self, record: JobRecord) -> JobStatus:
        """From the recorded exit, the pids and the run ledger."""
        folder = self._folder(record)
        request = record.request
        run_id = _read(folder / files.RUN_ID)
        done, total, failed, error = _ledger_progress(request, run_id)
        base: dict[str, Any] = {
            "job_id": record.job_id,
            "run_id": run_id,
            "batches_done": done,
            "batches_total": total,
        }
        exit_info = _read_json(folder / files.EXIT)
        where = f"log: {folder / files.LOG}"
        if exit_info is not None:
            code = int(exit_info["returncode"])
            if code == 0:
                return JobStatus(
                    state="succeeded", detail=f"run {run_id} finished at {exit_info['finished']}", **base
                )
            if code in STOPPED_CODES or (folder / files.CANCEL).exists():
                resume = (
                    f"; continue with: basalt pipeline run -p {request.pipeline} --resume {run_id} "
                    f"--state-dir {request.state_dir}"
                    if run_id
                    else ""
                )
                return JobStatus(
                    state="cancelled",
                    detail=f"stopped (exit {code}); committed batches are kept{resume}",
                    **base,
                )
            cause = error or (f"{failed} batch attempt(s) failed" if failed else "")
            how = f"killed by {signal.Signals(-code).name}" if code < 0 else f"exit {code}"
            return JobStatus(state="failed", detail=f"{how}: {cause or 'see the log'}; {where}", **base)
        supervisor = read_pid(folder / files.SUPERVISOR_PID) or record.details.get("supervisor_pid")
        if supervisor and alive(int(supervisor), str(folder)):
            if run_id is None:
                return JobStatus(state="starting", detail=f"supervisor pid {supervisor}; {where}", **base)
            progress = f"{done}/{total} batches committed" if total is not None else "running"
            return JobStatus(state="running", detail=f"{progress}; pid {supervisor}; {where}", **base)
        runner = read_pid(folder / files.RUN_PID)
        if runner is not None and alive(runner, str(folder)):
            return JobStatus(
                state="running",
                detail=f"run pid {runner}; its supervisor is gone, so its exit will not be recorded; {where}",
                **base,
            )
        if supervisor is None and not (folder / files.LOG).exists():
            return JobStatus(state="unknown", detail="the job never started", **base)
        return JobStatus(
            state="terminated",
            detail=(
                f"the supervisor (pid {supervisor}) is gone without recording an exit "
                f"(killed, or the machine restarted); {where}"
            ),
            **base,
        )

    def logs(self, record: JobRecord) -> str:
        """The job's log file (supervisor and run output)."""
        try:
            return (self._folder(record) / files.LOG).read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def cancel(self, record: JobRecord) -> JobStatus:
        """SIGTERM to the run (or to the supervisor, before the run has started)."""
        current = self.status(record)
        if current.finished:
            return current
        folder = self._folder(record)
        write_text_atomic(folder / files.CANCEL, "requested\n")
        for name in (files.RUN_PID, files.SUPERVISOR_PID):
            pid = read_pid(folder / name)
            if pid is not None and alive(pid, str(folder)):
                os.kill(pid, signal.SIGTERM)
                break
        else:
            raise JobError(f"job {record.job_id}: no live process to stop ({current.detail})")
        return self.status(record)

    def install_schedule(self, schedule: Schedule) -> Schedule:
        """Write a crontab line or a systemd timer/service pair (:mod:`basalt.jobs.local_schedule`)."""
        from basalt.jobs.local_schedule import install

        return install(schedule, self.config)

    def uninstall_schedule(self, schedule: Schedule) -> None:
        """Delete the files :meth:`install_schedule` wrote."""
        from basalt.jobs.local_schedule import uninstall

        uninstall(schedule)

    def schedule_state(self, schedule: Schedule) -> str:
        """``installed`` while the files written are there, else ``missing``."""
        files = schedule.details.get("files", [])
        return "installed" if files and all(Path(f).is_file() for f in files) else "missing"


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip() or None
    except OSError:
        return None


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _ledger_progress(
    request: JobRequest, run_id: str | None
) -> tuple[int | None, int | None, int, str | None]:
    """(batches committed or skipped, batches planned, failed attempts, the report's error) of the run."""
    if run_id is None:
        return None, None, 0, None
    from basalt.engine.ledger import RunLedger
    from basalt.runs.store import fold_run

    # The runs reader folds the ledger once for `basalt runs` too: a resumed run's batches
    # are counted once (skipped now, committed before), not twice.
    view = fold_run(RunLedger(request.state_dir, request.dataset, run_id))
    failed = sum(attempt.outcome == "failed" for attempt in view.attempts)
    total = view.batches if view.segments else None
    error = view.error.strip().splitlines()[0] if view.error else None
    return view.summary()["done"], total, failed, error


__all__ = ["LocalExecutor", "LocalExecutorConfig"]
