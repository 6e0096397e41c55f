"""Signals: Ctrl-C / SIGTERM stop a run cleanly and name the resume command; kill -9 leaves no workers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from basalt.engine.ledger import RunLedger

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="POSIX signals, Linux prctl")


def _start_run(env: dict[str, Path], tmp_path: Path) -> subprocess.Popen[str]:
    pipeline = tmp_path / "pipeline.yaml"
    pipeline.write_text(
        yaml.safe_dump(
            {
                "START_DATE": "2026-01-05",
                "END_DATE": "2026-01-07",
                "DATASETNAME": "sig",
                "UNIVERSE": "mic=XLON",
                "BATCH_FREQ": "D",
                "NUM_WORKERS": 1,
                "SOURCE": {"type": "local", "root": str(env["lake"])},
                "OUTPUT_TARGET": {"type": "parquet", "root": str(env["out"])},
                "PASSES": [{"name": "bars", "modules": ["runner_volume"]}],
            }
        )
    )
    (env["control"] / "sleep").touch()  # the 2026-01-06 batch hangs: the run is mid-way
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "basalt",
            "pipeline",
            "run",
            "-p",
            str(pipeline),
            "--state-dir",
            str(env["state"]),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _wait_for_hanging_batch(env: dict[str, Path], process: subprocess.Popen[str]) -> RunLedger:
    deadline = time.monotonic() + 90
    runs = env["state"] / "sig" / "runs"
    while time.monotonic() < deadline:
        for events in runs.glob("*/events.jsonl") if runs.exists() else []:
            text = events.read_text()
            if '"event": "pass_started", "batch": "2026-01-06_2026-01-06"' in text:
                return RunLedger(env["state"], "sig", events.parent.name)
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    pytest.fail("the run never reached its hanging batch")


def _worker_pids(ledger: RunLedger) -> set[int]:
    return {e["pid"] for e in ledger.events() if "pid" in e}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead but not yet reaped by its (dead) parent's reaper.
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(") ", 1)[1][0] != "Z"


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_stops_the_run_reports_and_names_the_resume_command(
    env: dict[str, Path], tmp_path: Path, signum: int, code: int
) -> None:
    process = _start_run(env, tmp_path)
    ledger = _wait_for_hanging_batch(env, process)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == code, stderr
    assert f"--resume {ledger.run_id}" in stderr
    assert signal.Signals(signum).name in stderr
    assert "Traceback" not in stderr
    report = json.loads(ledger.report_path.read_text())
    assert report["status"] == "interrupted"
    assert report["committed"] == ["2026-01-05_2026-01-05"]
    assert not any(_alive(pid) for pid in _worker_pids(ledger))
    (env["control"] / "sleep").unlink()
    resumed = subprocess.run(
        [
            *(sys.executable, "-m", "basalt", "pipeline", "run", "-p", str(tmp_path / "pipeline.yaml")),
            *("--state-dir", str(env["state"]), "--resume", ledger.run_id),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(ledger.report_path.read_text())["status"] == "succeeded"


def test_kill_9_of_the_runner_alone_takes_its_workers_with_it(env: dict[str, Path], tmp_path: Path) -> None:
    process = _start_run(env, tmp_path)
    ledger = _wait_for_hanging_batch(env, process)
    workers = _worker_pids(ledger)
    assert workers
    process.kill()  # the runner only, not its process group
    process.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(pid) for pid in workers):
        time.sleep(0.1)
    try:
        assert not any(_alive(pid) for pid in workers)
    finally:
        os.killpg(process.pid, signal.SIGKILL) if any(_alive(p) for p in workers) else None
