"""The runner: worker processes, ledger, lock, retries after crashes and timeouts, resume.

Workers are separate ``spawn`` processes, so the test module is installed as a
real distribution (dist-info + entry point) on PYTHONPATH, which they inherit.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from basalt.engine.ledger import DatasetLockedError, RunLedger
from basalt.engine.loader import load_pipeline
from basalt.engine.runner import ResumeMismatchError, RunFailedError, RunNotFoundError, run_pipeline

DAYS = [date(2026, 1, 5), date(2026, 1, 6), date(2026, 1, 7)]


def _pipeline(env: dict[str, Path], **extra: Any) -> Any:
    data = {
        "START_DATE": DAYS[0],
        "END_DATE": DAYS[-1],
        "DATASETNAME": "runs",
        "UNIVERSE": "mic=XLON",
        "BATCH_FREQ": "D",
        "NUM_WORKERS": 2,
        "MIN_ROWS_PER_WORKER": 0,  # tiny data, yet two workers: batches run side by side
        "SOURCE": {"type": "local", "root": str(env["lake"])},
        "OUTPUT_TARGET": {"type": "parquet", "root": str(env["out"])},
        "PASSES": [{"name": "bars", "modules": ["runner_volume"]}],
        **extra,
    }
    return load_pipeline(data=data)


def _output(env: dict[str, Path]) -> pl.DataFrame:
    return pl.read_parquet(env["out"] / "runs/bars", hive_partitioning=False).sort("Date", "TimeBucket")


def test_a_run_writes_every_batch_and_keeps_a_ledger(env: dict[str, Path]) -> None:
    events: list[str] = []
    report = run_pipeline(_pipeline(env), state_dir=env["state"], on_progress=lambda e, f: events.append(e))
    assert report.status == "succeeded"
    assert sorted(report.committed) == [f"{d}_{d}" for d in DAYS]
    assert report.peak_rss_mb > 0
    output = _output(env)
    assert output["Date"].unique().sort().to_list() == DAYS
    assert report.rows == {"bars": output.height}
    ledger = RunLedger(env["state"], "runs", report.run_id)
    kinds = [e["event"] for e in ledger.events()]
    assert (kinds[0], kinds[-1]) == ("run_started", "run_finished")
    assert kinds.count("batch_committed") == 3
    assert "pass_finished" in kinds
    assert json.loads(ledger.report_path.read_text())["status"] == "succeeded"
    assert not (env["state"] / "runs" / "lock").exists()
    assert events.count("batch_committed") == 3


def test_a_second_run_on_a_locked_dataset_names_the_holder(env: dict[str, Path]) -> None:
    holder = RunLedger(env["state"], "runs", "holder-run")
    with holder.lock(), pytest.raises(DatasetLockedError, match="being written by run holder-run"):
        run_pipeline(_pipeline(env), state_dir=env["state"])


def _log_and_run_id(message: str) -> tuple[Path, str]:
    log = Path(message.split("log: ", 1)[1].split("\n", 1)[0])
    return log, message.rsplit("--resume ", 1)[1]


def test_failure_names_batch_pass_cause_and_log_then_resume_completes(env: dict[str, Path]) -> None:
    (env["control"] / "raise").touch()
    with pytest.raises(RunFailedError) as excinfo:
        run_pipeline(_pipeline(env, MAX_RETRIES=1, NUM_WORKERS=1), state_dir=env["state"])
    message = str(excinfo.value)
    # A deterministic error (an exception, not a crash) fails at once: a retry would meet it again.
    assert "date batch 2026-01-06_2026-01-06 failed (not retried" in message
    assert "in pass 'bars'" in message
    assert "RuntimeError: boom on purpose" in message
    log, run_id = _log_and_run_id(message)
    assert "boom on purpose" in log.read_text()
    ledger = RunLedger(env["state"], "runs", run_id)
    attempts = [e for e in ledger.events() if e["event"] == "batch_started" and "06" in e["batch"][8:10]]
    assert len(attempts) == 1
    report = json.loads(ledger.report_path.read_text())
    assert report["status"] == "failed"
    assert report["cause"]["type"] == "RuntimeError"
    assert report["cause"]["retryable"] is False
    # No batch starts after the failure; the one committed before it is kept.
    assert _output(env)["Date"].unique().sort().to_list() == [date(2026, 1, 5)]
    (env["control"] / "raise").unlink()
    report = run_pipeline(_pipeline(env), state_dir=env["state"], resume=run_id)
    assert report.skipped == ["2026-01-05_2026-01-05"]
    assert sorted(report.committed) == ["2026-01-06_2026-01-06", "2026-01-07_2026-01-07"]
    resumed = _output(env)
    fresh_env = {**env, "out": env["out"].parent / "fresh"}
    run_pipeline(_pipeline(fresh_env, DATASETNAME="runs"), state_dir=env["state"].parent / "state2")
    assert_frame_equal(
        resumed,
        pl.read_parquet(fresh_env["out"] / "runs/bars", hive_partitioning=False).sort("Date", "TimeBucket"),
    )


@pytest.mark.parametrize("action", ["kill", "sleep"])
def test_a_killed_or_hung_worker_is_retried(env: dict[str, Path], action: str) -> None:
    (env["control"] / action).touch()
    (env["control"] / "once").touch()
    # A healthy batch takes ~1.5 s (process start included); 20 s leaves room on a loaded machine.
    timeout = 20 if action == "sleep" else None
    report = run_pipeline(_pipeline(env, BATCH_TIMEOUT=timeout, MAX_RETRIES=1), state_dir=env["state"])
    assert report.status == "succeeded"
    ledger = RunLedger(env["state"], "runs", report.run_id)
    failed = [e for e in ledger.events() if e["event"] == "batch_failed"]
    assert [e["batch"] for e in failed] == ["2026-01-06_2026-01-06"]
    assert failed[0]["reason"] == (
        "timed out after 20 s" if action == "sleep" else "crashed (exit code -9; killed or out of memory?)"
    )
    assert failed[0]["retryable"] is True
    assert _output(env)["Date"].unique().sort().to_list() == DAYS


def test_a_resume_cut_into_other_batches_skips_exactly_the_committed_days(env: dict[str, Path]) -> None:
    # The 6th crashes every time: retried once after the 7th (queued before the retry), then the run fails.
    (env["control"] / "kill").touch()
    with pytest.raises(RunFailedError) as excinfo:
        run_pipeline(_pipeline(env, MAX_RETRIES=1, NUM_WORKERS=1), state_dir=env["state"])
    assert "failed 2 times" in excinfo.value.args[0]
    run_id = _log_and_run_id(excinfo.value.args[0])[1]
    (env["control"] / "kill").unlink()
    # Daily batches committed the 5th and the 7th; resumed as one automatic 3-day batch,
    # only the 6th is left to compute.
    report = run_pipeline(
        _pipeline(env, BATCH_FREQ=None, NUM_WORKERS=1), state_dir=env["state"], resume=run_id
    )
    assert report.status == "succeeded"
    assert report.skipped == []
    assert report.committed == ["2026-01-06_2026-01-06"]
    assert _output(env)["Date"].unique().sort().to_list() == DAYS
    # The run is complete now: resuming it again does nothing and says so.
    again = run_pipeline(_pipeline(env), state_dir=env["state"], resume=run_id)
    assert again.committed == []
    assert "already finished" in again.note


def test_resume_with_changed_settings_is_refused_naming_what_changed(env: dict[str, Path]) -> None:
    (env["control"] / "raise").touch()
    with pytest.raises(RunFailedError):
        run_pipeline(_pipeline(env, MAX_RETRIES=0, NUM_WORKERS=1), state_dir=env["state"])
    (env["control"] / "raise").unlink()
    changed = _pipeline(
        env, PASSES=[{"name": "bars", "modules": ["runner_volume"], "time_bucket_seconds": 300}]
    )
    with pytest.raises(ResumeMismatchError) as excinfo:
        run_pipeline(changed, state_dir=env["state"], resume="last")
    assert "PASSES[0].time_bucket_seconds: null → 300.0" in str(excinfo.value)
    other_root = _pipeline({**env, "out": env["out"].parent / "elsewhere"})
    with pytest.raises(ResumeMismatchError, match=r"OUTPUT_TARGET\.root"):
        run_pipeline(other_root, state_dir=env["state"], resume="last")
    assert not (env["out"].parent / "elsewhere" / "runs").exists()
    # Execution settings (workers, batch cut) do not change what is written: allowed.
    report = run_pipeline(
        _pipeline(env, NUM_WORKERS=1, BATCH_FREQ=None), state_dir=env["state"], resume="last"
    )
    assert report.status == "succeeded"


def test_resume_of_an_unknown_run_is_an_error_and_of_a_finished_one_does_nothing(
    env: dict[str, Path],
) -> None:
    with pytest.raises(RunNotFoundError, match="no run 'no-such-run' of dataset 'runs'"):
        run_pipeline(_pipeline(env), state_dir=env["state"], resume="no-such-run")
    with pytest.raises(RunNotFoundError, match="no earlier run"):
        run_pipeline(_pipeline(env), state_dir=env["state"], resume="last")
    assert not (env["state"] / "runs" / "runs" / "no-such-run").exists()
    first = run_pipeline(_pipeline(env), state_dir=env["state"])
    written = {p: p.stat().st_mtime_ns for p in env["out"].rglob("*.parquet")}
    again = run_pipeline(_pipeline(env), state_dir=env["state"], resume="last")
    assert again.run_id == first.run_id
    assert "already finished" in again.note
    assert again.committed == []
    assert {p: p.stat().st_mtime_ns for p in env["out"].rglob("*.parquet")} == written


def test_the_dataset_lock_lives_with_the_output(env: dict[str, Path]) -> None:
    holder = RunLedger(env["state"].parent / "other-state", "runs", "holder-run")
    with holder.lock(env["out"]), pytest.raises(DatasetLockedError, match="being written by run holder-run"):
        run_pipeline(_pipeline(env), state_dir=env["state"])


def test_resume_last_picks_the_unfinished_run(env: dict[str, Path]) -> None:
    (env["control"] / "raise").touch()
    with pytest.raises(RunFailedError):
        run_pipeline(_pipeline(env, MAX_RETRIES=0, NUM_WORKERS=1), state_dir=env["state"])
    (env["control"] / "raise").unlink()
    report = run_pipeline(_pipeline(env), state_dir=env["state"], resume="last")
    assert report.skipped == ["2026-01-05_2026-01-05"]
    assert report.status == "succeeded"


def test_kill_9_of_the_whole_run_then_resume_equals_an_uninterrupted_run(env: dict[str, Path]) -> None:
    (env["control"] / "sleep").touch()  # the 2026-01-06 batch hangs, so the run is mid-way when killed
    script = (
        "import sys, json\n"
        "from basalt.engine.loader import load_pipeline\n"
        "from basalt.engine.runner import run_pipeline\n"
        "data = json.loads(sys.argv[1])\n"
        "run_pipeline(load_pipeline(data=data), state_dir=__import__('pathlib').Path(sys.argv[2]))\n"
    )
    data = _pipeline(env, NUM_WORKERS=1).config.model_dump(mode="json")
    process = subprocess.Popen(
        [sys.executable, "-c", script, json.dumps(data), str(env["state"])], start_new_session=True
    )
    deadline = time.monotonic() + 60
    ledger_dir = env["state"] / "runs" / "runs"
    while time.monotonic() < deadline:
        events = (
            "".join(p.read_text() for p in ledger_dir.glob("*/events.jsonl")) if ledger_dir.exists() else ""
        )
        if '"batch_started", "batch": "2026-01-06_2026-01-06"' in events:
            break
        time.sleep(0.2)
    else:
        os.killpg(process.pid, signal.SIGKILL)
        pytest.fail("the run never reached its second batch")
    os.killpg(process.pid, signal.SIGKILL)  # the run and its worker, as `kill -9` of the process group
    process.wait()
    (env["control"] / "sleep").unlink()
    report = run_pipeline(_pipeline(env), state_dir=env["state"], resume="last")
    assert report.status == "succeeded"
    assert "2026-01-05_2026-01-05" in report.skipped
    resumed = _output(env)
    fresh = {**env, "out": env["out"].parent / "fresh"}
    run_pipeline(_pipeline(fresh), state_dir=env["state"].parent / "fresh-state")
    expected = pl.read_parquet(fresh["out"] / "runs/bars", hive_partitioning=False).sort("Date", "TimeBucket")
    assert_frame_equal(resumed, expected)


def _batch_pids(env: dict[str, Path], run_id: str) -> dict[str, int]:
    ledger = RunLedger(env["state"], "runs", run_id)
    return {e["batch"]: e["pid"] for e in ledger.events() if e["event"] == "pass_started"}


def test_workers_are_reused_across_batches(env: dict[str, Path]) -> None:
    report = run_pipeline(_pipeline(env, NUM_WORKERS=1), state_dir=env["state"])
    pids = _batch_pids(env, report.run_id)
    assert len(pids) == 3
    assert len(set(pids.values())) == 1  # one worker process ran the three daily batches


def test_a_worker_is_replaced_after_its_batch_allowance(
    env: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import basalt.engine.pool as pool

    monkeypatch.setattr(pool, "MAX_BATCHES_PER_WORKER", 2)
    report = run_pipeline(_pipeline(env, NUM_WORKERS=1), state_dir=env["state"])
    pids = _batch_pids(env, report.run_id)
    assert [pids[f"{d}_{d}"] == pids[f"{DAYS[0]}_{DAYS[0]}"] for d in DAYS] == [True, True, False]
    assert _output(env)["Date"].unique().sort().to_list() == DAYS
