"""The flow modules against independent plain-Python references on generated data (rel 1e-9, same nulls)."""

from __future__ import annotations

import polars as pl
import pytest
from flow_data import generate_l2, generate_l3, generate_trades
from flow_reference import (
    assert_matches,
    reference_classification,
    reference_l3,
    reference_trade_characteristics,
    reference_vpin,
)

from basalt.testing import run_module
from basalt_characteristics.classification import ClassificationModule
from basalt_characteristics.l3_lifecycle import L3CharacteristicsModule
from basalt_characteristics.trades import TradeCharacteristicsModule
from basalt_characteristics.vpin import VPINModule

TRADES = generate_trades()
L2 = generate_l2()
L3 = generate_l3()


def l3_rows(frame: pl.DataFrame) -> list[dict]:
    """L3 rows with TimestampNanoseconds as integer ns (Python datetimes stop at microseconds)."""
    return frame.with_columns(pl.col("TimestampNanoseconds").cast(pl.Int64)).to_dicts()


def test_generated_data_covers_the_edge_cases() -> None:
    assert TRADES["AggressorSide"].null_count() > 0
    assert (TRADES["AggressorSide"] == 0).any()
    assert TRADES["InstrumentCurrencyPrice"].null_count() > 0
    assert (TRADES["Size"] == 0).any()
    assert TRADES.select("ListingId", "TradeTimestamp").is_duplicated().any()
    assert L2["BidPrice1"].null_count() > 0
    assert L2.select("ListingId", "EventTimestamp").is_duplicated().any()
    same_time = TRADES.join(
        L2, left_on=["ListingId", "TradeTimestamp"], right_on=["ListingId", "EventTimestamp"]
    )
    assert same_time.height > 5  # a quote at the trade's own time must not be its prevailing quote


def test_classification_matches_reference() -> None:
    result = run_module(ClassificationModule, {"trades": TRADES, "l2": L2})
    assert_matches(result, reference_classification(TRADES.to_dicts(), L2.to_dicts()))


@pytest.mark.parametrize(
    ("config", "kwargs"),
    [
        ({}, {}),
        ({"buckets_per_day": 37, "window_buckets": 5}, {"buckets_per_day": 37, "window": 5}),
        (
            {"buckets_per_day": None, "volume_per_bucket": 9000.0, "window_buckets": 20},
            {"buckets_per_day": None, "volume": 9000.0, "window": 20},
        ),
        (
            {"buckets_per_day": None, "volume_per_bucket": 1234.5, "window_buckets": 1},
            {"buckets_per_day": None, "volume": 1234.5, "window": 1},
        ),
    ],
)
def test_vpin_matches_reference(config: dict, kwargs: dict) -> None:
    result = run_module(VPINModule, {"trades": TRADES}, config=config)
    expected = reference_vpin(TRADES.to_dicts(), **kwargs)
    assert any(row["VPIN"] is not None for row in expected.values())
    assert any(row["VPIN"] is None for row in expected.values())
    assert_matches(result, expected)


def test_trade_characteristics_match_reference() -> None:
    result = run_module(TradeCharacteristicsModule, {"trades": TRADES, "l2": L2})
    assert_matches(result, reference_trade_characteristics(TRADES.to_dicts(), L2.to_dicts()))


@pytest.mark.parametrize("tick_size", [None, 0.005])
def test_l3_characteristics_match_reference(tick_size: float | None) -> None:
    result = run_module(L3CharacteristicsModule, {"l3": L3, "l2": L2}, config={"tick_size": tick_size})
    expected = reference_l3(l3_rows(L3), L2.to_dicts(), tick_size=tick_size)
    assert any(row["L3OrdersCensored"] for row in expected.values())
    assert_matches(result, expected)
