"""Engine test fixtures: a real plugin distribution that spawned workers can load."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from plugin_site import install_test_plugin

from basalt.plugins.manager import reset_plugin_manager
from basalt.synth import SynthConfig, write_lake
from bmll_sample import write_sample_lake

DAYS = [date(2026, 1, 5), date(2026, 1, 6), date(2026, 1, 7)]

# A module whose behaviour on 2026-01-06 is steered by files in $BASALT_TEST_CONTROL:
# "raise" → exception, "kill" → SIGKILL itself, "sleep" → hang;
# "once" makes it happen on the first attempt only.
PLUGIN_SOURCE = '''
import os, signal, time
from pathlib import Path
import polars as pl
from basalt import AnalyticModule, ColumnDoc, hookimpl


class Volume(AnalyticModule):
    """Volume per bucket, with failure switches for tests."""

    NAME = "runner_volume"
    INPUTS = ("trades",)

    def columns(self):
        return [ColumnDoc("Volume", unit="shares", definition="Sum of Size.", additive=True)]

    def compute(self, inputs, buckets):
        trades = inputs["trades"]
        control = Path(os.environ["BASALT_TEST_CONTROL"])
        day = trades.select(pl.col("TradeTimestamp").dt.date().first()).collect().item()
        if str(day) == "2026-01-06":
            for action in ("raise", "kill", "sleep"):
                switch = control / action
                if switch.exists():
                    if (control / "once").exists():
                        switch.unlink()
                    if action == "raise":
                        raise RuntimeError("boom on purpose")
                    if action == "kill":
                        os.kill(os.getpid(), signal.SIGKILL)
                    time.sleep(60)
        return (
            trades.with_columns(buckets.label(pl.col("TradeTimestamp")).alias("TimeBucket"))
            .group_by("ListingId", "TimeBucket")
            .agg(pl.col("Size").sum().alias("Volume"))
        )



class History(AnalyticModule):
    """Panel-pass probe: how much history and how many listings a panel pass sees."""

    NAME = "runner_panel"
    INPUTS = ("bars",)

    def lookback_days(self):
        return 1

    def columns(self):
        return [
            ColumnDoc("BarsSeen", unit="count", definition="Bars of the listing in the input so far."),
            ColumnDoc("ListingsInBucket", unit="count", definition="Listings with a bar in this TimeBucket."),
            ColumnDoc("VolumeSum2", unit="shares", definition="Volume of this bar plus the bar before."),
        ]

    def compute(self, inputs, buckets):
        bars = inputs["bars"].sort("ListingId", "TimeBucket")
        return bars.select(
            "ListingId",
            "TimeBucket",
            pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over("ListingId").alias("BarsSeen"),
            pl.len().over("TimeBucket").cast(pl.Int64).alias("ListingsInBucket"),
            pl.col("Volume").rolling_sum(2).over("ListingId").alias("VolumeSum2"),
        )


@hookimpl
def basalt_register_analytics():
    return [Volume, History]
'''


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Path]]:
    control = install_test_plugin(tmp_path, monkeypatch, "runner_test", PLUGIN_SOURCE)
    lake = write_sample_lake(tmp_path / "lake", days=DAYS)
    yield {"lake": lake, "out": tmp_path / "out", "state": tmp_path / "state", "control": control}
    reset_plugin_manager()


@pytest.fixture(scope="session")
def two_mic_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic lake of one day (2026-01-05): three instruments, each listed on XLON and BATE."""
    config = SynthConfig(
        start_date=DAYS[0],
        end_date=DAYS[0],
        listings=3,
        mics=("XLON", "BATE"),
        seed=5,
        session_scale=0.02,
        messages_per_day=400,
    )
    root = tmp_path_factory.mktemp("two-mic-lake")
    write_lake(config, root, workers=1)
    return root
