"""Fault injection: kill -9 at random points, bad inputs, blocked and full outputs, a memory cap.

Each fault must leave every earlier output intact, end with a message naming its cause,
and (for kills) resume to output byte-identical to an uninterrupted run. Run them alone
with ``pytest -m faults``; they are part of the default suite too.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml

from basalt.engine.loader import load_pipeline
from basalt.engine.runner import RunFailedError, run_pipeline

pytestmark = pytest.mark.faults

DAYS = [date(2026, 1, 5), date(2026, 1, 6), date(2026, 1, 7), date(2026, 1, 8)]
KILL_SEEDS = range(10)
_UNINTERRUPTED: dict[str, bytes] = {}


def _data(lake: Path, out: Path, **extra: Any) -> dict[str, Any]:
    return {
        "START_DATE": str(DAYS[0]),
        "END_DATE": str(DAYS[-1]),
        "DATASETNAME": "faults",
        "UNIVERSE": "mic=XLON",
        "BATCH_FREQ": "D",
        "NUM_WORKERS": 2,
        "MIN_ROWS_PER_WORKER": 0,  # tiny data, yet two workers: batches run side by side
        "SOURCE": {"type": "local", "root": str(lake)},
        "OUTPUT_TARGET": {"type": "parquet", "root": str(out)},
        "PASSES": [{"name": "bars", "modules": ["runner_volume"]}],
        **extra,
    }


def _files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*.parquet"))}


@pytest.fixture
def faults_env(env: dict[str, Path]) -> dict[str, Path]:
    from bmll_sample import write_sample_lake

    write_sample_lake(env["lake"], days=DAYS)  # the engine fixture's lake, with a fourth day
    return env


def _cli(pipeline: Path, state: Path, *args: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "basalt",
        "pipeline",
        "run",
        "-p",
        str(pipeline),
        "--state-dir",
        str(state),
        *args,
    ]


@pytest.mark.parametrize("seed", KILL_SEEDS)
def test_kill_9_at_a_random_point_then_resume_is_byte_identical(
    faults_env: dict[str, Path], tmp_path: Path, seed: int
) -> None:
    env = faults_env
    if not _UNINTERRUPTED:  # the sample lake is the same for every seed: one reference run per process
        expected_out = tmp_path / "expected"
        run_pipeline(
            load_pipeline(data=_data(env["lake"], expected_out)), state_dir=tmp_path / "expected-state"
        )
        _UNINTERRUPTED.update(_files(expected_out))
    expected = dict(_UNINTERRUPTED)
    pipeline = tmp_path / "pipeline.yaml"
    pipeline.write_text(yaml.safe_dump(_data(env["lake"], env["out"])))
    process = subprocess.Popen(
        _cli(pipeline, env["state"]),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    time.sleep(random.Random(seed).uniform(0.2, 7.0))  # anywhere from start-up to the last commit
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    resumed = subprocess.run(_cli(pipeline, env["state"], "--resume", "last"), capture_output=True, text=True)
    if "no earlier run" in resumed.stderr:  # killed before the ledger existed: start afresh
        resumed = subprocess.run(_cli(pipeline, env["state"]), capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert _files(env["out"]) == expected
    # A writer killed mid-write left no staging file behind once its day was rewritten.
    assert not [p for p in env["out"].rglob(".tmp-*")]


def _break(lake: Path, day: date, how: str) -> Path:
    path = next(p for p in lake.rglob(f"*trades*{day:%Y%m%d}*.parquet"))
    if how == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif how == "garbage":
        path.write_bytes(b"not parquet at all" * 100)
    elif how == "wrong dtype":
        frame = pl.read_parquet(path)
        frame.with_columns(pl.col("Price").cast(pl.String)).write_parquet(path)
    return path


@pytest.mark.parametrize(
    ("how", "expected"),
    [
        ("truncated", "is not a readable Parquet file"),
        ("garbage", "is not a readable Parquet file"),
        ("wrong dtype", "'Price' has dtype String, expected Float64"),
    ],
)
def test_a_bad_input_file_fails_at_once_naming_it_and_keeps_earlier_days(
    faults_env: dict[str, Path], how: str, expected: str
) -> None:
    env = faults_env
    run_pipeline(load_pipeline(data=_data(env["lake"], env["out"])), state_dir=env["state"])
    before = _files(env["out"])
    broken = _break(env["lake"], DAYS[2], how)
    with pytest.raises(RunFailedError) as excinfo:
        run_pipeline(
            load_pipeline(data=_data(env["lake"], env["out"], NUM_WORKERS=1)), state_dir=env["state"]
        )
    message = str(excinfo.value)
    assert expected in message
    assert broken.name in message
    assert "not retried" in message
    assert _files(env["out"]) == before  # the rewrite of earlier days replaced them with equal bytes


def test_an_output_path_blocked_by_a_file_fails_with_its_cause(faults_env: dict[str, Path]) -> None:
    env = faults_env
    env["out"].mkdir(parents=True)
    (env["out"] / "faults").write_text("a file where the dataset folder should be")
    with pytest.raises(RunFailedError) as excinfo:
        run_pipeline(
            load_pipeline(data=_data(env["lake"], env["out"], NUM_WORKERS=1)), state_dir=env["state"]
        )
    message = str(excinfo.value)
    assert "Error" in message
    assert "faults" in message
    assert "not retried" in message


@pytest.fixture
def small_disk(tmp_path: Path) -> Any:
    mount = tmp_path / "small-disk"
    mount.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a size-capped tmpfs needs root")
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)], capture_output=True
    )
    if made.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_fails_with_its_cause_and_keeps_what_was_written(
    faults_env: dict[str, Path], small_disk: Path
) -> None:
    env = faults_env
    # Fill the disk almost entirely first, so the first batch's output cannot fit.
    (small_disk / "ballast").write_bytes(b"\0" * (250 * 1024))
    with pytest.raises(RunFailedError) as excinfo:
        run_pipeline(
            load_pipeline(data=_data(env["lake"], small_disk, NUM_WORKERS=1)), state_dir=env["state"]
        )
    assert "No space left on device" in str(excinfo.value)
    (small_disk / "ballast").unlink()
    report = run_pipeline(
        load_pipeline(data=_data(env["lake"], small_disk)), state_dir=env["state"], resume="last"
    )
    assert report.status == "succeeded"
    assert not [p for p in small_disk.rglob("*") if p.name.startswith(".") and p.suffix == ".tmp"]


def test_a_worker_over_its_memory_cap_is_killed_retried_then_named(faults_env: dict[str, Path]) -> None:
    env = faults_env
    # 64 MiB: below what a worker needs just to import Polars, so every attempt goes over; the
    # 6th's batch hangs, so the once-a-second check sees it however fast the machine is.
    (env["control"] / "sleep").touch()
    data = _data(env["lake"], env["out"], NUM_WORKERS=1, MAX_RETRIES=1, WORKER_MEMORY_MB=64)
    with pytest.raises(RunFailedError) as excinfo:
        run_pipeline(load_pipeline(data=data), state_dir=env["state"])
    message = str(excinfo.value)
    assert "failed 2 times" in message
    assert "memory went over WORKER_MEMORY_MB=64 MiB" in message
    (env["control"] / "sleep").unlink()
    # A cap it fits under changes nothing: the run completes.
    roomy = _data(env["lake"], env["out"], WORKER_MEMORY_MB=8192)
    assert (
        run_pipeline(load_pipeline(data=roomy), state_dir=env["state"], resume="last").status == "succeeded"
    )
