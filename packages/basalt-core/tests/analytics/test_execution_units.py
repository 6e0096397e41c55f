"""The ``execution`` module on tiny hand-computed frames and on the real BMLL sample rows."""

from __future__ import annotations

from datetime import datetime

import polars as pl
import pytest
from analytics.reference_trade import make_l3, make_trades
from pydantic import ValidationError

from basalt.analytics.execution import ExecutionConfig, ExecutionModule
from basalt.tables.bmll import L3, Trades
from basalt.testing import run_module
from basalt.timebuckets import TimeBuckets
from bmll_sample import sample_frame

QUOTES = {"BestBidPrice": 10.0, "BestAskPrice": 10.02}
L3_FRAME = make_l3(
    {"t": 10, "Side": 1, "ExecutionSize": 100, "ExecutionPrice": 10.0},
    {"t": 20, "Side": 2, "ExecutionSize": 300, "ExecutionPrice": 10.2},
    {"t": 30, "Side": 2, "OrderExecuted": False, "ExecutionSize": 999, "ExecutionPrice": 11.0},
    {"t": 40, "Side": 2, "ExecutionSize": 100, "ExecutionPrice": 10.0, "MarketState": "CLOSING_AUCTION"},
    {"t": 70, "Side": 1, "ExecutionSize": 5, "ExecutionPrice": 10.0},  # 09:02: no trade there
)
TRADES_FRAME = make_trades(
    {"t": 15, "AggressorSide": 1, "InstrumentCurrencyPrice": 10.02, "Size": 100.0, **QUOTES},
    {"t": 25, "AggressorSide": 2, "InstrumentCurrencyPrice": 10.0, "Size": 300.0, **QUOTES},
    {"t": 27, "AggressorSide": 1, "InstrumentCurrencyPrice": 10.01, "Size": 100.0, **QUOTES},
    {"t": 30, "AggressorSide": 0, "InstrumentCurrencyPrice": 10.01, "Size": 1000.0, **QUOTES}
    | {"Classification": "DARK_BELOW_LIS"},
    {"t": 35, "AggressorSide": 1, "InstrumentCurrencyPrice": 10.0, "Size": 200.0}
    | {
        "Classification": "DARK_ABOVE_LIS",
        "BestBidPrice": 10.0,
        "BestAskPrice": 10.0,
    },  # locked: no placement
    {"t": 36, "AggressorSide": 2, "Size": 5000.0, "Classification": "OFF_BOOK_ON_EXCHANGE"},  # neither
    {"t": 150, "AggressorSide": 2, "InstrumentCurrencyPrice": 10.0, "Size": 10.0, **QUOTES},  # 09:03: no L3
)


def run(l3: pl.DataFrame = L3_FRAME, trades: pl.DataFrame = TRADES_FRAME, **config: object) -> pl.DataFrame:
    return run_module(ExecutionModule, {"l3": l3, "trades": trades}, config=config)


def bucket(out: pl.DataFrame, minute: int) -> dict:
    return out.filter(pl.col("TimeBucket") == datetime(2024, 3, 4, 9, minute)).row(0, named=True)


def test_l3_executions_per_resting_side() -> None:
    r = bucket(run(), 1)
    assert (r["ExecutionL3BidVolume"], r["ExecutionL3BidCount"], r["ExecutionL3BidVWAP"]) == (100.0, 1, 10.0)
    assert (r["ExecutionL3AskVolume"], r["ExecutionL3AskCount"]) == (400.0, 2)
    assert r["ExecutionL3AskVWAP"] == pytest.approx((300 * 10.2 + 100 * 10.0) / 400)
    assert (r["ExecutionL3TotalVolume"], r["ExecutionL3TotalCount"]) == (500.0, 3)
    assert r["ExecutionL3TotalVWAP"] == pytest.approx(10.12)
    continuous = bucket(run(l3_market_states=["CONTINUOUS_TRADING"]), 1)
    assert (continuous["ExecutionL3AskVolume"], continuous["ExecutionL3AskVWAP"]) == (300.0, 10.2)


def test_lit_and_dark_trades_by_aggressor_side() -> None:
    r = bucket(run(), 1)
    assert (r["ExecutionLitAskVolume"], r["ExecutionLitBidVolume"], r["ExecutionLitTotalVolume"]) == (
        200.0,
        300.0,
        500.0,
    )
    assert r["ExecutionLitAskVWAP"] == pytest.approx(10.015)
    assert r["ExecutionLitAskPricePlacement"] == pytest.approx(0.75)  # 1.0 and 0.5, 100 shares each
    assert r["ExecutionLitBidPricePlacement"] == pytest.approx(0.0)
    assert r["ExecutionLitTotalPricePlacement"] == pytest.approx(150 / 500)
    assert (r["ExecutionLitUnknownVolume"], r["ExecutionLitUnknownVWAP"]) == (0.0, None)
    assert (r["ExecutionDarkUnknownVolume"], r["ExecutionDarkAskVolume"], r["ExecutionDarkTotalVolume"]) == (
        1000.0,
        200.0,
        1200.0,
    )
    assert r["ExecutionDarkUnknownPricePlacement"] == pytest.approx(0.5)
    assert r["ExecutionDarkAskPricePlacement"] is None  # spread 0
    assert r["ExecutionDarkTotalPricePlacement"] == pytest.approx(0.5)
    assert r["ExecutionLitTradeImbalance"] == pytest.approx(-0.2)
    assert r["ExecutionDarkTradeImbalance"] == pytest.approx(1.0)
    assert r["ExecutionTradeImbalance"] == pytest.approx((400 - 300) / 700)


def test_buckets_with_one_input_only_are_kept_with_zeros_and_nulls() -> None:
    out = run()
    assert out["TimeBucket"].dt.minute().to_list() == [1, 2, 3]
    l3_only, trades_only = bucket(out, 2), bucket(out, 3)
    assert (l3_only["ExecutionL3BidVolume"], l3_only["ExecutionLitTotalVolume"]) == (5.0, 0.0)
    assert (l3_only["ExecutionLitTotalVWAP"], l3_only["ExecutionTradeImbalance"]) == (None, None)
    assert (trades_only["ExecutionL3TotalVolume"], trades_only["ExecutionL3TotalCount"]) == (0.0, 0)
    assert (trades_only["ExecutionL3TotalVWAP"], trades_only["ExecutionLitTradeImbalance"]) == (None, -1.0)
    assert out.columns == ["ListingId", "TimeBucket", *(d.name for d in ExecutionModule().columns())]


def test_edge_of_a_bucket_and_empty_inputs() -> None:
    l3 = make_l3({"t": 60})
    trades = make_trades({"t": 60, **QUOTES})
    right = run_module(ExecutionModule, {"l3": l3, "trades": trades})
    left = run_module(ExecutionModule, {"l3": l3, "trades": trades}, buckets=TimeBuckets(closed="left"))
    assert right["TimeBucket"].to_list() == [datetime(2024, 3, 4, 9, 1)]
    assert left["TimeBucket"].to_list() == [datetime(2024, 3, 4, 9, 2)]
    assert run(l3=L3.empty(), trades=Trades.empty()).height == 0
    assert run(l3=L3.empty())["ExecutionL3TotalCount"].to_list() == [0, 0]


def test_options() -> None:
    out = run(
        sides=["Ask"],
        measures=["PricePlacement"],
        placement_quotes="venue",
        trade_imbalance=False,
        l3_sides=["Total"],
        l3_measures=["Count"],
        lit_classifications=["LIT_CONTINUOUS", "dark"],
        dark_classifications=["OFF_BOOK_ON_EXCHANGE"],
    )
    assert out.columns[2:] == [
        "ExecutionL3TotalCount",
        "ExecutionLitAskPricePlacement",
        "ExecutionDarkAskPricePlacement",
    ]
    assert bucket(out, 1)["ExecutionLitAskPricePlacement"] is None  # no venue quotes in this frame


@pytest.mark.parametrize(
    "config",
    [
        {"lit_classifications": ["lit"], "dark_classifications": ["LIT_CLOSING_AUCTION"]},
        {"dark_classifications": ["all"]},
        {"sides": ["Bid", "Bid"]},
        {"placement_quotes": "best"},
        {"l3_sides": ["Unknown"]},
    ],
)
def test_invalid_configs_are_rejected(config: dict) -> None:
    with pytest.raises(ValidationError):
        ExecutionConfig.model_validate(config)


def test_documentation() -> None:
    assert all(field.description for field in ExecutionConfig.model_fields.values())
    docs = ExecutionModule().columns()
    assert len({d.name for d in docs}) == len(docs) == 36
    for doc in docs:
        assert doc.sources, doc
        assert doc.additive == doc.name.endswith(("Volume", "Count")), doc


def test_real_bmll_sample() -> None:
    trades, l3 = sample_frame("trades"), sample_frame("l3")
    out = run_module(ExecutionModule, {"l3": l3, "trades": trades})
    first = bucket_2026(out, 1)
    # The one L3 execution: a resting ask (Side 2) of 400 @ 99.70 taken at 12:00:05.346695454.
    assert (first["ExecutionL3AskVolume"], first["ExecutionL3AskVWAP"], first["ExecutionL3BidCount"]) == (
        400.0,
        99.7,
        0,
    )
    assert (first["ExecutionLitAskVolume"], first["ExecutionLitTradeImbalance"]) == (10247.0, 1.0)
    # Both buys printed at the consolidated ask: placement 1.
    assert first["ExecutionLitAskPricePlacement"] == pytest.approx(1.0)
    # Placement per trade is BMLL's own PricePoint: compare the Size-weighted means.
    lit = trades.filter(pl.col("Classification") == "LIT_CONTINUOUS").with_columns(
        pl.col("TradeTimestamp").dt.truncate("1m").dt.offset_by("1m").alias("TimeBucket")
    )
    expected = lit.group_by("TimeBucket").agg(
        ((pl.col("PricePoint") * pl.col("Size")).sum() / pl.col("Size").sum()).alias("PricePoint")
    )
    joined = out.join(expected.with_columns(pl.col("TimeBucket").cast(pl.Datetime("ns"))), on="TimeBucket")
    assert joined.height == 5
    diff = (joined["ExecutionLitTotalPricePlacement"] - joined["PricePoint"]).abs().max()
    assert diff < 1e-9


def bucket_2026(out: pl.DataFrame, minute: int) -> dict:
    return out.filter(pl.col("TimeBucket") == datetime(2026, 1, 2, 12, minute)).row(0, named=True)
