"""``basalt demo``: the packaged pipeline is the repository's, and the demo runs end to end."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from basalt.demo import demo_pipeline_text, run_demo
from basalt.writers.base import OutputPartition
from basalt.writers.sql import SqlWriter

ROOT = Path(__file__).resolve().parents[3]


def test_packaged_demo_pipeline_is_examples_demo_yaml() -> None:
    assert demo_pipeline_text() == (ROOT / "examples" / "demo.yaml").read_text()


def test_demo_runs_end_to_end_and_the_passes_agree(tmp_path: Path) -> None:
    result = run_demo(tmp_path, listings=2, workers=2)
    assert result.report.status == "succeeded"
    assert sorted(result.report.committed) == ["2026-01-05_2026-01-05", "2026-01-06_2026-01-06"]
    bars = pl.read_parquet(result.output / "demo/bars", hive_partitioning=False)
    assert {"TradeTotalVolume", "SpreadBps", "BidPrice1"} <= set(bars.columns)
    assert bars["ListingId"].n_unique() == 4  # two instruments on XLON and BATE
    sql = SqlWriter({"url": f"sqlite:///{result.output / 'demo.db'}"})
    bars15 = sql.read(OutputPartition("demo", "bars15", date(2026, 1, 5), ()))
    assert bars15["InstrumentId"].n_unique() == 2
    # The book comes from continuous trading only (market_states): auction books are crossed, and
    # with them this demo's mean SpreadBps went negative (min -8.7 bps in bars15, -64.6 in bars).
    assert bars["SpreadBps"].min() > 0
    assert bars15["SpreadBps"].min() > 0
    # Re-aggregating across venues and to 15 minutes keeps every traded share.
    assert bars15["TradeTotalVolume"].sum() == bars["TradeTotalVolume"].sum() > 0
    assert bars15["TimeBucket"].dt.minute().unique().sort().to_list() in (
        [0, 15, 30, 45],
        [0, 15, 30],
        [15, 30, 45],
    )
