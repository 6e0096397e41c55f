"""Job test fixtures: a small lake, a pipeline over it, and a plugin a test can make slow or fail."""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
import yaml
from plugin_site import install_test_plugin

from basalt.plugins.manager import reset_plugin_manager
from bmll_sample import write_sample_lake

DAYS = [date(2026, 1, 5), date(2026, 1, 6)]

# Volume per bucket; on 2026-01-06 files in $BASALT_TEST_CONTROL steer it: "sleep" hangs, "raise" fails.
PLUGIN_SOURCE = '''
import os, time
from pathlib import Path
import polars as pl
from basalt import AnalyticModule, ColumnDoc, hookimpl


class Volume(AnalyticModule):
    """Volume per bucket, with switches for job tests."""

    NAME = "jobs_volume"
    INPUTS = ("trades",)

    def columns(self):
        return [ColumnDoc("Volume", unit="shares", definition="Sum of Size.", additive=True)]

    def compute(self, inputs, buckets):
        trades = inputs["trades"]
        control = Path(os.environ["BASALT_TEST_CONTROL"])
        day = trades.select(pl.col("TradeTimestamp").dt.date().first()).collect().item()
        if str(day) == "2026-01-06":
            if (control / "raise").exists():
                raise RuntimeError("boom on purpose")
            if (control / "sleep").exists():
                time.sleep(120)
        return (
            trades.with_columns(buckets.label(pl.col("TradeTimestamp")).alias("TimeBucket"))
            .group_by("ListingId", "TimeBucket")
            .agg(pl.col("Size").sum().alias("Volume"))
        )


@hookimpl
def basalt_register_analytics():
    return [Volume]
'''


def write_pipeline(
    path: Path, source: dict[str, object], output_root: str, dataset: str = "jobsbars"
) -> Path:
    """A two-day, one-pass pipeline file (one worker: day batches commit in order)."""
    path.write_text(
        yaml.safe_dump(
            {
                "START_DATE": str(DAYS[0]),
                "END_DATE": str(DAYS[-1]),
                "DATASETNAME": dataset,
                "UNIVERSE": "mic=XLON",
                "NUM_WORKERS": 1,
                "BATCH_FREQ": "D",
                "SOURCE": source,
                "OUTPUT_TARGET": {"type": "parquet", "root": output_root},
                "PASSES": [{"name": "bars", "modules": ["jobs_volume"], "time_bucket_seconds": 300}],
            }
        )
    )
    return path


@pytest.fixture
def pipeline_writer() -> Callable[..., Path]:
    """:func:`write_pipeline`, for tests (conftest modules are not importable by name)."""
    return write_pipeline


@pytest.fixture
def jobs_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Path]]:
    """A lake, a pipeline over it, a control folder and the plugin on PYTHONPATH (jobs are new processes)."""
    control = install_test_plugin(tmp_path, monkeypatch, "jobs_test", PLUGIN_SOURCE)
    site = tmp_path / "site"
    lake = write_sample_lake(tmp_path / "lake", days=DAYS)
    pipeline = write_pipeline(tmp_path / "pipeline.yaml", {"type": "local", "root": "lake"}, "out")
    yield {
        "root": tmp_path,
        "site": site,
        "lake": lake,
        "pipeline": pipeline,
        "out": tmp_path / "out",
        "state": tmp_path / "state",
        "jobs": tmp_path / "jobs",
        "control": control,
    }
    reset_plugin_manager()
    _stop_jobs(tmp_path / "jobs")


def _stop_jobs(jobs: Path) -> None:
    """Kill what a failed test may have left running: each local job's process group, by its pid."""
    from basalt.jobs.procs import alive, read_pid

    for pid_file in jobs.glob("*/supervisor.pid"):
        pid = read_pid(pid_file)
        if pid is not None and alive(pid, str(pid_file.parent)):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
