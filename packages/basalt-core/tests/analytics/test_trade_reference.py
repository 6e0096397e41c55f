"""The ``trade`` module equals a slow row-by-row reference on generated data, column for column.

Data: 3 listings × 2 days, random times including exact 5 s and 60 s
boundaries and tied timestamps, every aggressor side, classification and flag,
null/zero/crossed quotes, null prices and sizes, rows shuffled. Tolerance:
relative 1e-9 (absolute 1e-12 for values summing to ~0); null patterns identical.
"""

from __future__ import annotations

from typing import get_args

import polars as pl
import pytest
from analytics.reference_trade import assert_same, generate_trades, reference_trade

from basalt.analytics.trade import TradeModule
from basalt.analytics.trade.config import Measure
from basalt.testing import run_module
from basalt.timebuckets import TimeBuckets

EVERYTHING = {
    "measures": list(get_args(Measure)),
    "discrepancy_references": [
        "PreTradeMid",
        "PreTradeMidAtPrimary",
        "Mid",
        "BestBid",
        "BestAsk",
        "MidAtVenue",
        "BestBidAtVenue",
        "BestAskAtVenue",
        "MidAtPrimary",
        "BestBidAtPrimary",
        "BestAskAtPrimary",
    ],
    "tca": True,
    "flags": ["Retail", "Block", "OddLot", "MixedLot", "Algorithmic"],
}

CASES = {
    "defaults": ({}, TimeBuckets()),
    "everything, left-closed": (
        {**EVERYTHING, "classifications": ["LIT_CONTINUOUS", "DARK_BELOW_LIS", "LIT_CLOSING_AUCTION"]},
        TimeBuckets(closed="left"),
    ),
    "everything, 5 s start-labelled, other options": (
        {
            **EVERYTHING,
            "classifications": ["all"],
            "market_states": ["CONTINUOUS_TRADING"],
            "price_column": "Price",
            "tca_weighting": "equal",
            "tca_at_primary": True,
            "volatility_ddof": 0,
            "volatility_annualisation_factor": 252.0,
            "retail_column": "ParticipantType",
        },
        TimeBuckets(seconds=5, anchor="start"),
    ),
    "everything, 30 min buckets": (
        {
            **EVERYTHING,
            "classifications": ["all"],
            "volatility_ddof": 2,
            "pre_trade_mid_horizon": "5ms",
            "tca_horizons": ["5000ms"],
            "discrepancy_aggregations": ["Last", "Std", "First"],
            "sides": ["Unknown", "Bid"],
        },
        TimeBuckets(seconds=1800),
    ),
}


@pytest.fixture(scope="module")
def trades() -> pl.DataFrame:
    return generate_trades(seed=11, listings=3, per_day=400)


@pytest.mark.parametrize("case", list(CASES))
def test_module_equals_reference(case: str, trades: pl.DataFrame) -> None:
    config, buckets = CASES[case]
    got = run_module(TradeModule, {"trades": trades}, config=config, buckets=buckets)
    want = reference_trade(trades, config, buckets.seconds, buckets.closed, buckets.anchor)
    assert got.height > 0
    assert_same(got, want)


def test_the_generated_data_covers_the_edge_cases(trades: pl.DataFrame) -> None:
    ts = pl.col("TradeTimestamp")
    assert trades.filter(ts.dt.second() == 0, ts.dt.microsecond() == 0).height > 20
    assert trades.filter(ts.is_duplicated()).height > 20
    assert set(trades["AggressorSide"].unique().to_list()) == {0, 1, 2, None}
    assert trades["ListingId"].n_unique() == 3
    assert trades["TradeTimestamp"].dt.date().n_unique() == 2
    assert not trades["TradeTimestamp"].is_sorted()


def test_the_comparison_catches_value_and_null_differences(trades: pl.DataFrame) -> None:
    out = run_module(TradeModule, {"trades": trades})
    changed = out.with_columns(pl.col("TradeBidVWAP") * (1 + 1e-8))
    first_priced = out["TradeAskOpen"].is_not_null().arg_true()[0]
    nulled = out.with_columns(
        pl.when(pl.int_range(pl.len()) == first_priced)
        .then(None)
        .otherwise(pl.col("TradeAskOpen"))
        .alias("TradeAskOpen")
    )
    assert_same(out, out)
    for other in (changed, nulled):
        with pytest.raises(AssertionError):
            assert_same(other, out)
