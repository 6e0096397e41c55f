"""Real BMLL sample rows (XLON, 2026-01-02) through every flow module, checked against the references."""

from __future__ import annotations

import polars as pl
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
from bmll_sample import sample_frame

TRADES = sample_frame("trades")
L2 = sample_frame("l2")
L3 = sample_frame("l3")


def test_classification_on_sample_rows() -> None:
    result = run_module(ClassificationModule, {"trades": TRADES, "l2": L2})
    assert result.height > 0
    assert result["LeeReadyAccuracy"].drop_nulls().len() > 0
    assert_matches(result, reference_classification(TRADES.to_dicts(), L2.to_dicts()))


def test_vpin_on_sample_rows() -> None:
    config = {"buckets_per_day": 20, "window_buckets": 5}
    result = run_module(VPINModule, {"trades": TRADES}, config=config)
    assert result["VPIN"].drop_nulls().len() > 0
    assert_matches(result, reference_vpin(TRADES.to_dicts(), buckets_per_day=20, window=5))


def test_trade_characteristics_on_sample_rows() -> None:
    result = run_module(TradeCharacteristicsModule, {"trades": TRADES, "l2": L2})
    assert result["TradeAtTouchShare"].drop_nulls().len() > 0
    assert_matches(result, reference_trade_characteristics(TRADES.to_dicts(), L2.to_dicts()))


def test_l3_characteristics_on_sample_rows() -> None:
    result = run_module(L3CharacteristicsModule, {"l3": L3, "l2": L2})
    assert result["L3CancelDistanceTicksMedian"].drop_nulls().len() > 0
    rows = L3.with_columns(pl.col("TimestampNanoseconds").cast(pl.Int64)).to_dicts()
    quotes = L2.with_columns(pl.col("TimestampNanoseconds").cast(pl.Int64)).to_dicts()
    assert_matches(result, reference_l3(rows, quotes))
