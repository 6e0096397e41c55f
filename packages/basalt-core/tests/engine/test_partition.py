"""run_partition end to end on the real BMLL sample rows: naive = shredding, re-runs idempotent."""

from __future__ import annotations

import types
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from basalt import AnalyticModule, ColumnDoc, hookimpl
from basalt.engine.loader import load_pipeline
from basalt.engine.partition import run_partition
from basalt.engine.resolve import resolve
from basalt.testing import make_plugin_manager
from bmll_sample import SAMPLE_DAY, sample_frame, write_sample_lake


class _Vwap(AnalyticModule):
    """Volume and VWAP per bucket."""

    NAME = "vwap"
    INPUTS = ("trades",)

    def columns(self) -> list[ColumnDoc]:
        return [
            ColumnDoc("Volume", unit="shares", definition="Sum of Size.", additive=True),
            ColumnDoc("VWAP", unit="price", definition="Sum(Price*Size)/Sum(Size)."),
        ]

    def compute(self, inputs, buckets):
        trades = inputs["trades"].with_columns(buckets.label(pl.col("TradeTimestamp")).alias("TimeBucket"))
        return trades.group_by("ListingId", "TimeBucket").agg(
            pl.col("Size").sum().alias("Volume"),
            ((pl.col("Price") * pl.col("Size")).sum() / pl.col("Size").sum()).alias("VWAP"),
        )


PLUGIN = types.ModuleType("partition_test_plugin")
PLUGIN.basalt_register_analytics = hookimpl(lambda: [_Vwap])


@pytest.fixture
def lake(tmp_path: Path) -> Path:
    return write_sample_lake(tmp_path / "lake")


def _pipeline(lake: Path, out: Path, **extra: Any) -> dict[str, Any]:
    """The sample day's pipeline: one pass ``bars`` of ``vwap`` by minute, unless ``extra`` says otherwise."""
    return {
        "START_DATE": SAMPLE_DAY,
        "END_DATE": SAMPLE_DAY,
        "DATASETNAME": "sample",
        "UNIVERSE": "mic=XLON",
        "SOURCE": {"type": "local", "root": str(lake)},
        "OUTPUT_TARGET": {"type": "parquet", "root": str(out)},
        "PASSES": [{"name": "bars", "modules": ["vwap"], "time_bucket_seconds": 60}],
        **extra,
    }


def _run(lake: Path, out: Path, **extra: Any) -> pl.DataFrame:
    data = _pipeline(lake, out, **extra)
    resolved = resolve(load_pipeline(data=data), make_plugin_manager(PLUGIN))
    events: list[str] = []
    result = run_partition(resolved, None, SAMPLE_DAY, SAMPLE_DAY, on_event=lambda e, f: events.append(e))
    assert result.days == [SAMPLE_DAY]
    assert events == ["pass_started", "pass_finished"]
    frame = pl.read_parquet(out / "sample/bars", hive_partitioning=False)
    assert result.rows == {"bars": frame.height}
    return frame.sort("ListingId", "TimeBucket")


def test_sample_day_matches_a_hand_written_query(lake: Path, tmp_path: Path) -> None:
    out = _run(lake, tmp_path / "out")
    trades = sample_frame("trades")
    expected = (
        trades.with_columns(pl.col("TradeTimestamp").dt.truncate("1m").dt.offset_by("1m").alias("TimeBucket"))
        .group_by("ListingId", "TimeBucket")
        .agg(pl.col("Size").sum().alias("Volume"))
        .sort("ListingId", "TimeBucket")
    )
    # No sample trade sits exactly on a minute boundary, so truncate+1m equals right-closed end labels.
    assert out["Volume"].to_list() == expected["Volume"].to_list()
    assert out["Date"].unique().to_list() == [SAMPLE_DAY]


def test_naive_and_shredding_give_identical_outputs(lake: Path, tmp_path: Path) -> None:
    naive = _run(lake, tmp_path / "naive", PREPARE_DATA_MODE="naive")
    shredded = _run(lake, tmp_path / "shred", PREPARE_DATA_MODE="shredding", TEMP_DIR=str(tmp_path))
    assert_frame_equal(naive, shredded)


def test_running_twice_gives_the_same_rows_and_no_duplicates(lake: Path, tmp_path: Path) -> None:
    first = _run(lake, tmp_path / "out")
    second = _run(lake, tmp_path / "out")
    assert_frame_equal(first, second)
    assert second.select("ListingId", "TimeBucket").is_duplicated().sum() == 0


def test_a_missing_day_names_the_table_and_place(lake: Path, tmp_path: Path) -> None:
    (lake / "Trades-Plus/XLON/2026/01/02/trades-plus-XLON-20260102.parquet").unlink()
    with pytest.raises(Exception, match=r"no 'trades' data for MIC XLON on 2026-01-02"):
        _run(lake, tmp_path / "out")


def test_limit_rows_caps_each_table(lake: Path, tmp_path: Path) -> None:
    data = {
        "START_DATE": date(2026, 1, 2),
        "END_DATE": date(2026, 1, 2),
        "DATASETNAME": "limited",
        "UNIVERSE": "mic=XLON",
        "SOURCE": {"type": "local", "root": str(lake)},
        "OUTPUT_TARGET": {"type": "parquet", "root": str(tmp_path / "o")},
        "PASSES": [{"name": "bars", "modules": ["vwap"]}],
    }
    resolved = resolve(load_pipeline(data=data), make_plugin_manager(PLUGIN))
    run_partition(resolved, None, SAMPLE_DAY, SAMPLE_DAY, limit_rows=5)
    out = pl.read_parquet(tmp_path / "o/limited/bars", hive_partitioning=False)
    assert out["Volume"].sum() == sample_frame("trades").sort("TradeTimestamp").head(5)["Size"].sum()


@pytest.mark.parametrize(
    ("module", "table", "column", "configs"),
    [
        ("trade", "trades", "TradeTotalClose", {}),
        ("l2", "l2", "MidClose", {"l2": {"levels": 3}}),  # bars: the lazy group_by either way
        ("l2", "l2", "BidPrice1", {"l2": {"levels": 3, "families": ["levels", "spread"]}}),
        ("l2tw", "l2", "BidPrice1TWA", {"l2tw": {"levels": 3}}),
    ],
)
def test_modules_needing_no_time_order_read_unsorted_days_with_the_same_result(
    tmp_path: Path, module: str, table: str, column: str, configs: dict[str, Any]
) -> None:
    # These modules declare TIME_ORDERED_INPUTS = False: the engine skips its time-order check
    # and sort (trade is order-free; l2/l2tw check the order themselves and fall back to their
    # lazy formulation). A day whose rows are reversed (every listing out of time order) must
    # give the same output as the day in time order (rel 1e-9, identical nulls).
    from basalt.sources.layout import write_partition
    from basalt.tables.bmll import BMLL_TABLES
    from basalt.testing import assert_frames_match
    from bmll_sample import SAMPLE_MIC

    def bars(lake: Path, out: Path) -> pl.DataFrame:
        passes = [{"name": "bars", "modules": [module], "time_bucket_seconds": 60, "module_configs": configs}]
        data = _pipeline(lake, out, PASSES=passes)
        run_partition(resolve(load_pipeline(data=data), make_plugin_manager()), None, SAMPLE_DAY, SAMPLE_DAY)
        return pl.read_parquet(out / "sample/bars", hive_partitioning=False)

    table_cls = next(t for t in BMLL_TABLES if t.NAME == table)
    in_order = write_sample_lake(tmp_path / "sorted")
    reversed_lake = write_sample_lake(tmp_path / "reversed")
    rows = sample_frame(table)
    assert not rows.reverse()[table_cls.sort_columns()[1]].is_sorted()
    write_partition(rows.reverse(), reversed_lake, table_cls, SAMPLE_MIC, SAMPLE_DAY, "bmll")
    expected = bars(in_order, tmp_path / "out-sorted")
    actual = bars(reversed_lake, tmp_path / "out-reversed")
    assert expected.height > 0
    assert expected[column].null_count() < expected.height
    assert_frames_match(actual, expected, keys=["ListingId", "TimeBucket"])
