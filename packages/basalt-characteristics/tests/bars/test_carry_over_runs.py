"""Bars and VPIN with ``carry_over`` through the engine: one 10-day run, ten 1-day runs and a run
killed on day 6 then resumed write byte-identical files (outputs and stored states)."""

from __future__ import annotations

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
import yaml

from basalt.engine.calendar import trading_days
from basalt.engine.partition import run_partition
from basalt.synth import SynthConfig, write_lake

DAYS = trading_days(date(2026, 1, 5), date(2026, 1, 16))


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = SynthConfig(
        start_date=DAYS[0], end_date=DAYS[-1], listings=2, mics=("XLON",), seed=5, session_scale=0.02,
        messages_per_day=200,
    )  # fmt: skip
    root = tmp_path_factory.mktemp("carry-lake")
    write_lake(config, root, workers=1)
    return root


def _data(lake: Path, out: Path, start: date = DAYS[0], end: date = DAYS[-1], **extra: Any) -> dict[str, Any]:
    return {
        "START_DATE": str(start),
        "END_DATE": str(end),
        "DATASETNAME": "carry",
        "UNIVERSE": "mic=XLON",
        "NUM_WORKERS": 1,
        "SOURCE": {"type": "local", "root": str(lake)},
        "OUTPUT_TARGET": {"type": "parquet", "root": str(out)},
        "PASSES": [
            {
                "name": "bars",
                "modules": ["bars"],
                "module_configs": {
                    "bars": {
                        "bar_type": "volume",
                        "volume_per_bar": 3000,
                        "carry_over": True,
                    }
                },
            },
            {
                "name": "vpin",
                "modules": ["vpin"],
                "time_bucket_seconds": 600,
                "module_configs": {
                    "vpin": {
                        "buckets_per_day": None,
                        "volume_per_bucket": 2000,
                        "window_buckets": 4,
                        "carry_over": True,
                    }
                },
            },
        ],
        **extra,
    }


def _files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*.parquet"))}


_ONE_RUN: dict[str, bytes] = {}
_ONE_RUN_DIR: list[Path] = []
"""Where the cached one run was written (by whichever test ran first in this process)."""


def _one_run(lake: Path, tmp: Path) -> dict[str, bytes]:
    if not _ONE_RUN:
        out = tmp / "one-run"
        run_partition(_data(lake, out), None, DAYS[0], DAYS[-1])  # one run of the ten days (in-process)
        _ONE_RUN.update(_files(out))
        _ONE_RUN_DIR.append(out)
    return dict(_ONE_RUN)


def test_ten_one_day_runs_equal_one_ten_day_run(lake: Path, tmp_path: Path) -> None:
    expected = _one_run(lake, tmp_path)
    one_run = _ONE_RUN_DIR[0]
    bars = pl.concat(pl.read_parquet(one_run / name) for name in expected if name.startswith("carry/bars/"))
    assert bars.height > 20
    assert (bars["BarStart"].dt.date() < bars["Date"]).any()  # some bars did span a night
    vpin = pl.concat(pl.read_parquet(one_run / name) for name in expected if name.startswith("carry/vpin/"))
    first = vpin.sort("TimeBucket").group_by("ListingId", "Date").agg(pl.col("VPIN").first())
    assert first.filter(pl.col("Date") > DAYS[1])["VPIN"].null_count() == 0  # defined from a day's start
    out = tmp_path / "daily"
    for day in DAYS:
        run_partition(_data(lake, out, day, day), None, day, day)
    assert _files(out) == expected


@pytest.mark.faults
def test_a_run_killed_on_day_6_then_resumed_is_byte_identical(lake: Path, tmp_path: Path) -> None:
    expected = _one_run(lake, tmp_path)
    out, state = tmp_path / "killed", tmp_path / "state"
    pipeline = tmp_path / "pipeline.yaml"
    pipeline.write_text(yaml.safe_dump(_data(lake, out, BATCH_FREQ="W")))  # days 1-5, then 6-10
    command = [
        sys.executable,
        "-m",
        "basalt",
        "pipeline",
        "run",
        "-p",
        str(pipeline),
        "--state-dir",
        str(state),
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    day5 = out / ".basalt-state" / "carry" / "vpin"
    deadline = time.monotonic() + 60
    while not list(day5.glob(f"*/Date={DAYS[5]}")) and time.monotonic() < deadline:
        time.sleep(0.01)
    os.killpg(process.pid, signal.SIGKILL)  # as day 6 is being written
    process.wait()
    assert list(day5.glob(f"*/Date={DAYS[4]}"))
    assert not list(day5.glob(f"*/Date={DAYS[-1]}"))  # killed before the run's end
    resumed = subprocess.run([*command, "--resume", "last"], capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert _files(out) == expected
