"""Passes: modules joined on keys, timelines, later passes reading earlier ones."""

from __future__ import annotations

import types
from datetime import date, datetime
from typing import Any

import polars as pl
import pytest

from basalt import AnalyticModule, ColumnDoc, hookimpl
from basalt.engine.loader import load_pipeline
from basalt.engine.passes import run_pass
from basalt.engine.resolve import resolve
from basalt.testing import make_plugin_manager

DAY = date(2024, 1, 2)


class _Count(AnalyticModule):
    """Trades per bucket."""

    NAME = "count"
    INPUTS = ("trades",)

    def columns(self) -> list[ColumnDoc]:
        return [ColumnDoc("N", unit="count", definition="Trades.", additive=True)]

    def compute(self, inputs, buckets):
        trades = inputs["trades"].with_columns(buckets.label(pl.col("TradeTimestamp")).alias("TimeBucket"))
        return trades.group_by("ListingId", "TimeBucket").agg(pl.len().cast(pl.Int64).alias("N"))


class _Last(AnalyticModule):
    """Last price per bucket."""

    NAME = "last"
    INPUTS = ("trades",)

    def columns(self) -> list[ColumnDoc]:
        return [ColumnDoc("Last", unit="price", definition="Last price.")]

    def compute(self, inputs, buckets):
        trades = inputs["trades"].with_columns(buckets.label(pl.col("TradeTimestamp")).alias("TimeBucket"))
        return trades.group_by("ListingId", "TimeBucket").agg(
            pl.col("Price").sort_by("TradeTimestamp").last().alias("Last")
        )


class _Total(AnalyticModule):
    """Sum of N of an earlier pass per listing."""

    NAME = "total"
    INPUTS = ("bars",)

    def columns(self) -> list[ColumnDoc]:
        return [ColumnDoc("TotalN", unit="count", definition="Sum of N.")]

    def compute(self, inputs, buckets):
        bars = inputs["bars"].with_columns(buckets.label(pl.col("TimeBucket")).alias("TimeBucket"))
        return bars.group_by("ListingId", "TimeBucket").agg(pl.col("N").sum().alias("TotalN"))


PLUGIN = types.ModuleType("pass_test_plugin")
PLUGIN.basalt_register_analytics = hookimpl(lambda: [_Count, _Last, _Total])

TRADES = pl.DataFrame(
    {
        "ListingId": [1, 1, 1, 2],
        "TradeTimestamp": [
            datetime(2024, 1, 2, 9, 0, 30),
            datetime(2024, 1, 2, 9, 1, 0),  # boundary: closes 09:01 (right-closed)
            datetime(2024, 1, 2, 9, 3, 10),
            datetime(2024, 1, 2, 9, 0, 5),
        ],
        "Price": [10.0, 11.0, 12.0, 50.0],
    }
)
MARKETSTATE = pl.DataFrame(
    {
        "ListingId": [1, 1, 1],
        "TimestampNanoseconds": [
            datetime(2024, 1, 2, 8, 50),
            datetime(2024, 1, 2, 9, 0),
            datetime(2024, 1, 2, 9, 4, 30),
        ],
        "MarketState": ["OPENING_AUCTION", "CONTINUOUS_TRADING", "CLOSING_AUCTION"],
    },
    schema_overrides={"TimestampNanoseconds": pl.Datetime("ns")},
)


def _resolved(passes: list[dict[str, Any]]) -> Any:
    data = {"START_DATE": DAY, "END_DATE": DAY, "DATASETNAME": "t", "PASSES": passes}
    return resolve(load_pipeline(data=data), make_plugin_manager(PLUGIN))


def _load(name: str, *, ordered: bool = True) -> pl.LazyFrame:
    return {"trades": TRADES, "marketstate": MARKETSTATE}[name].lazy()


def test_sparse_pass_joins_modules_on_keys_without_duplicate_keys() -> None:
    (bars,) = _resolved([{"name": "bars", "modules": ["count", "last"]}]).passes
    out = run_pass(bars, DAY, [1, 2], _load, {})
    assert out.columns == ["ListingId", "Date", "TimeBucket", "N", "Last"]
    assert out.rows() == [
        (1, DAY, datetime(2024, 1, 2, 9, 1), 2, 11.0),
        (1, DAY, datetime(2024, 1, 2, 9, 4), 1, 12.0),
        (2, DAY, datetime(2024, 1, 2, 9, 1), 1, 50.0),
    ]


def test_dense_pass_fills_the_continuous_session_with_zero_counts_and_null_prices() -> None:
    (bars,) = _resolved([{"name": "bars", "modules": ["count", "last"], "timeline_mode": "dense"}]).passes
    assert "marketstate" in bars.tables()
    out = run_pass(bars, DAY, [1], _load, {})
    # Continuous 09:00:00–09:04:30 → buckets labelled 09:00 … 09:05 (right-closed, end-labelled).
    assert out["TimeBucket"].dt.minute().to_list() == [0, 1, 2, 3, 4, 5]
    assert out["N"].to_list() == [0, 2, 0, 0, 1, 0]
    assert out["Last"].to_list() == [None, 11.0, None, None, 12.0, None]


def test_daily_pass_and_a_later_pass_reading_an_earlier_one() -> None:
    bars, daily = _resolved(
        [
            {"name": "bars", "modules": ["count"]},
            {
                "name": "daily",
                "modules": ["total"],
                "timeline_mode": "daily",
                "module_inputs": {"total": {"bars": "pass:bars"}},
            },
        ]
    ).passes
    context = {"bars": run_pass(bars, DAY, [1, 2], _load, {})}
    assert daily.tables() == set()

    def no_raw_tables(name: str, *, ordered: bool = True) -> pl.LazyFrame:
        raise AssertionError(f"the daily pass must not read raw table {name}")

    out = run_pass(daily, DAY, [1, 2], no_raw_tables, context)
    assert out.select("ListingId", "TimeBucket", "TotalN").rows() == [
        (1, datetime(2024, 1, 3), 3),
        (2, datetime(2024, 1, 3), 1),
    ]


@pytest.mark.parametrize("closed", ["right", "left"])
def test_boundary_trade_lands_where_closed_says(closed: str) -> None:
    (bars,) = _resolved([{"name": "bars", "modules": ["count"], "time_bucket_closed": closed}]).passes
    out = run_pass(bars, DAY, [1], _load, {}).filter(pl.col("ListingId") == 1)
    minutes = dict(zip(out["TimeBucket"].dt.minute(), out["N"], strict=True))
    assert minutes == ({1: 2, 4: 1} if closed == "right" else {1: 1, 2: 1, 4: 1})


def test_event_timeline_gives_one_row_per_event_timestamp() -> None:
    (bars,) = _resolved([{"name": "bars", "modules": ["count", "last"], "timeline_mode": "event"}]).passes
    out = run_pass(bars, DAY, [1, 2], _load, {})
    assert out.select("ListingId", "TimeBucket", "N", "Last").rows() == [
        (1, datetime(2024, 1, 2, 9, 0, 30), 1, 10.0),
        (1, datetime(2024, 1, 2, 9, 1, 0), 1, 11.0),
        (1, datetime(2024, 1, 2, 9, 3, 10), 1, 12.0),
        (2, datetime(2024, 1, 2, 9, 0, 5), 1, 50.0),
    ]
