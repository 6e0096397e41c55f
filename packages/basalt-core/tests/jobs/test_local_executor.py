"""The ``local`` executor: a detached run that outlives its terminal, its status, logs and cancel."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from basalt.cli import build_app
from basalt.engine.ledger import RunLedger
from basalt.jobs.base import JobRequest, JobStatus, JobStore
from basalt.jobs.local import LocalExecutor
from basalt.jobs.procs import alive, read_pid
from basalt.plugins.manager import PluginManager

TIMEOUT = 90.0


def _executor(jobs: Path) -> LocalExecutor:
    return LocalExecutor(LocalExecutor.Config(), JobStore(jobs))


def _wait_for(jobs: Path, job_id: str, predicate, timeout: float = TIMEOUT) -> JobStatus:  # type: ignore[no-untyped-def]
    executor = _executor(jobs)
    record = executor.store.load(job_id)
    deadline = time.monotonic() + timeout
    while True:
        status = executor.status(record)
        if predicate(status):
            return status
        assert time.monotonic() < deadline, f"timed out; last status {status}; log:\n{executor.logs(record)}"
        time.sleep(0.2)


def _basalt(*args: str) -> list[str]:
    return [sys.executable, "-m", "basalt", "job", *args]


def _job_run(env: dict[str, Path], *extra: str) -> list[str]:
    """``basalt job run`` of the test pipeline with the test's state and jobs folders, as JSON."""
    where = ["--state-dir", str(env["state"]), "--jobs-dir", str(env["jobs"])]
    return _basalt("run", "-p", str(env["pipeline"]), *where, *extra, "--json")


def test_a_job_outlives_the_terminal_that_started_it(jobs_env: dict[str, Path]) -> None:
    # The "terminal": a shell in its own session that starts the job, then waits. Hanging it up
    # (SIGHUP to its whole process group, as a closing terminal does) kills the shell, not the job.
    command = _job_run(jobs_env, "--executor", "local")
    terminal = subprocess.Popen(
        [
            "bash",
            "-c",
            f'{" ".join(map(repr, command))} > "$0"; sleep 60',
            str(jobs_env["root"] / "started.json"),
        ],
        start_new_session=True,
    )
    deadline = time.monotonic() + TIMEOUT
    started = jobs_env["root"] / "started.json"
    while not (started.exists() and started.read_text().rstrip().endswith("}")):
        assert terminal.poll() is None, "the terminal ended before the launcher reported a job"
        assert time.monotonic() < deadline, "the launcher did not report a job"
        time.sleep(0.1)
    record = json.loads(started.read_text())
    job_id = record["job_id"]
    supervisor = record["details"]["supervisor_pid"]
    os.killpg(terminal.pid, signal.SIGHUP)
    assert terminal.wait(timeout=10) == -signal.SIGHUP
    # The job runs on in its own session, and finishes.
    assert os.getsid(supervisor) == supervisor
    status = _wait_for(jobs_env["jobs"], job_id, lambda s: s.finished)
    assert status.state == "succeeded", status
    assert (status.batches_done, status.batches_total) == (2, 2)
    ledger = RunLedger(jobs_env["state"], "jobsbars", status.run_id or "")
    assert ledger.read_report()["status"] == "succeeded"
    assert len(ledger.committed_batches()) == 2
    out = pl.read_parquet(sorted(jobs_env["out"].rglob("*.parquet")))
    assert out.height > 0
    assert out["Date"].n_unique() == 2
    log = _executor(jobs_env["jobs"]).logs(JobStore(jobs_env["jobs"]).load(job_id))
    assert f"run {status.run_id} started: 2 batches" in log
    assert "run process" in log
    assert "exit code 0" in log
    # The CLI reads the same record from any terminal.
    manager = PluginManager(entry_points=False)
    cli = CliRunner()
    where = ["--jobs-dir", str(jobs_env["jobs"])]
    tail = cli.invoke(build_app(manager), ["job", "logs", "last", "--tail", "1", *where], obj=manager)
    assert tail.output.strip().endswith("ended: exit code 0")
    assert tail.output.count("\n") == 1
    listed = cli.invoke(build_app(manager), ["job", "list", "--json", *where], obj=manager)
    assert [(j["job_id"], j["status"]["state"]) for j in json.loads(listed.output)] == [(job_id, "succeeded")]
    deadline = time.monotonic() + 10
    while alive(supervisor) and time.monotonic() < deadline:  # it records the exit, then ends
        time.sleep(0.1)
    assert not alive(supervisor)


def test_cancel_stops_the_run_and_leaves_it_resumable(jobs_env: dict[str, Path]) -> None:
    (jobs_env["control"] / "sleep").touch()  # the second day hangs until cancelled
    proc = subprocess.run(
        _job_run(jobs_env),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert proc.returncode == 0, proc.stderr
    job_id = json.loads(proc.stdout)["job_id"]
    running = _wait_for(jobs_env["jobs"], job_id, lambda s: s.batches_done == 1)
    assert running.state == "running"
    assert running.batches_total == 2
    cancel = subprocess.run(
        _basalt("cancel", job_id, "--jobs-dir", str(jobs_env["jobs"]), "--json"),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert cancel.returncode == 0, cancel.stderr
    status = json.loads(cancel.stdout)
    assert status["state"] == "cancelled", status
    assert f"--resume {running.run_id}" in status["detail"]
    folder = jobs_env["jobs"] / job_id
    assert json.loads((folder / "exit.json").read_text())["returncode"] == 143  # the runner's SIGTERM exit
    ledger = RunLedger(jobs_env["state"], "jobsbars", running.run_id or "")
    assert [e["event"] for e in ledger.events()][-2:] == ["run_interrupted", "run_finished"]
    assert ledger.committed_batches() == {"2026-01-05_2026-01-05"}  # the first day only
    assert not alive(read_pid(folder / "run.pid") or 0)


def test_a_failing_run_is_reported_with_its_cause(jobs_env: dict[str, Path]) -> None:
    (jobs_env["control"] / "raise").touch()
    # --wait (what a systemd timer runs): wait for the job, exit 1 unless it succeeded.
    proc = subprocess.run(
        _job_run(jobs_env, "--wait"),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert proc.returncode == 1, proc.stderr
    status = json.loads(proc.stdout)
    assert status["state"] == "failed"
    assert "exit 1" in status["detail"]
    assert "boom on purpose" in status["detail"]
    record = JobStore(jobs_env["jobs"]).load(status["job_id"])
    assert "error: date batch 2026-01-06_2026-01-06 failed" in _executor(jobs_env["jobs"]).logs(record)


def test_a_job_killed_outright_is_reported_terminated(jobs_env: dict[str, Path]) -> None:
    (jobs_env["control"] / "sleep").touch()
    executor = _executor(jobs_env["jobs"])
    record = executor.submit(
        JobRequest(pipeline=jobs_env["pipeline"], dataset="jobsbars", state_dir=jobs_env["state"])
    )
    running = _wait_for(jobs_env["jobs"], record.job_id, lambda s: s.batches_done == 1)
    assert running.state == "running"
    # kill -9 to the job's whole process group (supervisor, run, workers): nobody records an exit.
    os.killpg(record.details["supervisor_pid"], signal.SIGKILL)
    status = _wait_for(jobs_env["jobs"], record.job_id, lambda s: s.finished, timeout=30)
    assert status.state == "terminated"
    assert "gone without recording an exit" in status.detail
    assert status.batches_done == 1  # what the ledger says was committed before the kill
    assert not (jobs_env["jobs"] / record.job_id / "exit.json").exists()
