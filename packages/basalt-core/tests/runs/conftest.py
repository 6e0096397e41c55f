"""Fixtures of the ``basalt runs`` tests: a real plugin (installed for spawned workers), a small lake.

The plugin's module is steered by files in ``$BASALT_TEST_CONTROL``, so a test can hold a
batch mid-way and release it (synchronised by files and ledger events, never by wall-clock
assertions), make a day fail, or change an output column's dtype.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from plugin_site import install_test_plugin

from basalt.plugins.manager import reset_plugin_manager
from bmll_sample import write_sample_lake

DAYS = [date(2026, 1, 5), date(2026, 1, 6)]

PLUGIN_SOURCE = '''
import os, signal, time
from pathlib import Path
import polars as pl
from basalt import AnalyticModule, ColumnDoc, hookimpl


class Volume(AnalyticModule):
    """Volume per bucket, steered by files in $BASALT_TEST_CONTROL (tests of `basalt runs`).

    hold-DAY: touch holding-DAY, then wait until hold-DAY is removed; kill-DAY: SIGKILL itself
    once; raise-DAY: raise ValueError; float32: Volume as Float32; negative: Volume negated.
    """

    NAME = "runs_volume"
    INPUTS = ("trades",)

    def columns(self):
        return [ColumnDoc("Volume", unit="shares", definition="Sum of Size.", additive=True)]

    def compute(self, inputs, buckets):
        trades = inputs["trades"]
        control = Path(os.environ["BASALT_TEST_CONTROL"])
        day = trades.select(pl.col("TradeTimestamp").dt.date().first()).collect().item()
        hold = control / f"hold-{day}"
        if hold.exists():
            (control / f"holding-{day}").touch()
            waited = 0.0
            while hold.exists() and waited < 120:  # a safety bound, never reached when the test passes
                time.sleep(0.05)
                waited += 0.05
        crash = control / f"kill-{day}"
        if crash.exists():  # a crash on the first attempt only: the retry succeeds
            crash.unlink()
            os.kill(os.getpid(), signal.SIGKILL)
        if (control / f"raise-{day}").exists():
            raise ValueError(f"bad trades on {day}: Size column is corrupt")
        volume = pl.col("Size").sum()
        if (control / "float32").exists():
            volume = volume.cast(pl.Float32)
        if (control / "negative").exists():
            volume = -volume
        return (
            trades.with_columns(buckets.label(pl.col("TradeTimestamp")).alias("TimeBucket"))
            .group_by("ListingId", "TimeBucket")
            .agg(volume.alias("Volume"))
        )


class Double(AnalyticModule):
    """Panel-pass probe: twice each bar's Volume; null on the day named by a null-DAY file."""

    NAME = "runs_double"
    INPUTS = ("bars",)

    def columns(self):
        return [ColumnDoc("Double", unit="shares", definition="Twice the bar's Volume.")]

    def compute(self, inputs, buckets):
        control = Path(os.environ["BASALT_TEST_CONTROL"])
        nulls = [p.name.removeprefix("null-") for p in control.glob("null-*")]
        day = pl.col("TimeBucket").dt.date().cast(pl.String)
        double = pl.when(day.is_in(nulls)).then(None).otherwise(pl.col("Volume") * 2)
        return inputs["bars"].select("ListingId", "TimeBucket", double.alias("Double"))


@hookimpl
def basalt_register_analytics():
    return [Volume, Double]
'''


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Path]]:
    """A lake of two days, the plugin installed as a distribution, and a control folder."""
    control = install_test_plugin(tmp_path, monkeypatch, "runs_test", PLUGIN_SOURCE)
    lake = write_sample_lake(tmp_path / "lake", days=DAYS)
    yield {
        "lake": lake,
        "out": tmp_path / "out",
        "state": tmp_path / "state",
        "control": control,
        "root": tmp_path,
    }
    reset_plugin_manager()


def pipeline_data(env: dict[str, Path], **extra: Any) -> dict[str, Any]:
    """A daily-batched pipeline over the lake: one pass of ``runs_volume``."""
    return {
        "START_DATE": DAYS[0].isoformat(),
        "END_DATE": DAYS[-1].isoformat(),
        "DATASETNAME": "watched",
        "UNIVERSE": "mic=XLON",
        "BATCH_FREQ": "D",
        "NUM_WORKERS": 1,
        "MAX_RETRIES": 0,
        "SOURCE": {"type": "local", "root": str(env["lake"])},
        "OUTPUT_TARGET": {"type": "parquet", "root": str(env["out"])},
        "PASSES": [{"name": "bars", "modules": ["runs_volume"]}],
        **extra,
    }


@pytest.fixture
def make_pipeline(env: dict[str, Path]) -> Callable[..., Path]:
    """Write the pipeline (with keys replaced by ``extra``) as a YAML file; returns its path."""

    def make(name: str = "pipeline.yaml", **extra: Any) -> Path:
        path = env["root"] / name
        path.write_text(yaml.safe_dump(pipeline_data(env, **extra)))
        return path

    return make
