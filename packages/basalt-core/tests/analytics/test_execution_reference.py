"""The ``execution`` module equals a slow row-by-row reference on generated L3 and trades data."""

from __future__ import annotations

import polars as pl
import pytest
from analytics.reference_trade import assert_same, generate_l3, generate_trades, reference_execution

from basalt.analytics.execution import ExecutionModule
from basalt.testing import run_module
from basalt.timebuckets import TimeBuckets

DARK = {"DARK_BELOW_LIS", "DARK_ABOVE_LIS", "DARK_CONDITIONAL_BELOW_LIS", "DARK_CONDITIONAL_ABOVE_LIS"}
AUCTIONS = {"LIT_OPENING_AUCTION", "LIT_INTRADAY_AUCTION", "LIT_UNSCHEDULED_AUCTION", "LIT_CLOSING_AUCTION"}
CASES = {
    "defaults": ({}, {"LIT_CONTINUOUS"}, DARK, TimeBuckets()),
    "lit with auctions, venue quotes, continuous L3, left-closed": (
        {
            "lit_classifications": ["lit_continuous", "lit_auction"],
            "dark_classifications": ["DARK_BELOW_LIS"],
            "placement_quotes": "venue",
            "l3_market_states": ["CONTINUOUS_TRADING"],
            "price_column": "Price",
        },
        {"LIT_CONTINUOUS", *AUCTIONS},
        {"DARK_BELOW_LIS"},
        TimeBuckets(closed="left", seconds=30),
    ),
    "primary quotes, 10 min": (
        {"placement_quotes": "primary"},
        {"LIT_CONTINUOUS"},
        DARK,
        TimeBuckets(seconds=600),
    ),
}


@pytest.fixture(scope="module")
def data() -> tuple[pl.DataFrame, pl.DataFrame]:
    return generate_l3(seed=5), generate_trades(seed=6)


@pytest.mark.parametrize("case", list(CASES))
def test_module_equals_reference(case: str, data: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    config, lit, dark, buckets = CASES[case]
    l3, trades = data
    got = run_module(ExecutionModule, {"l3": l3, "trades": trades}, config=config, buckets=buckets)
    want = reference_execution(l3, trades, config, lit, dark, buckets.seconds, buckets.closed)
    assert got.height > 0
    assert_same(got, want)


def test_generated_l3_has_trade_free_and_l3_free_buckets(data: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    l3, trades = data
    out = run_module(ExecutionModule, {"l3": l3, "trades": trades}, buckets=TimeBuckets(seconds=1))
    assert out.filter(pl.col("ExecutionL3TotalCount") == 0).height > 0
    assert (
        out.filter(
            (pl.col("ExecutionLitTotalVolume") == 0) & (pl.col("ExecutionDarkTotalVolume") == 0)
        ).height
        > 0
    )
