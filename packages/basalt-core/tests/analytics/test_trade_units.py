"""The ``trade`` module on tiny hand-computed frames: every family, every boundary."""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import get_args

import polars as pl
import pytest
from analytics.reference_trade import make_trades
from pydantic import ValidationError

from basalt.analytics.trade import TradeConfig, TradeModule
from basalt.analytics.trade.config import Measure
from basalt.tables.bmll import Trades
from basalt.testing import run_module
from basalt.timebuckets import TimeBuckets

ALL_MEASURES = list(get_args(Measure))


def run(frame: pl.DataFrame, buckets: TimeBuckets | None = None, **config: object) -> pl.DataFrame:
    return run_module(TradeModule, {"trades": frame}, config=config, buckets=buckets)


def row(out: pl.DataFrame, minute: int, listing: int = 1) -> dict:
    """The output row of the bucket ending ``minute`` minutes after 09:00."""
    label = datetime(2024, 3, 4, 9 + minute // 60, minute % 60)
    found = out.filter((pl.col("ListingId") == listing) & (pl.col("TimeBucket") == label))
    assert found.height == 1, out
    return found.row(0, named=True)


SIDES_FRAME = make_trades(
    {"t": 10, "AggressorSide": 1, "InstrumentCurrencyPrice": 10.0, "Size": 100.0},
    {"t": 20, "AggressorSide": 2, "InstrumentCurrencyPrice": 9.9, "Size": 200.0},
    {"t": 30, "AggressorSide": 1, "InstrumentCurrencyPrice": 10.1, "Size": 300.0},
    {"t": 40, "AggressorSide": 0, "InstrumentCurrencyPrice": 10.0, "Size": 50.0},
    {"t": 50, "AggressorSide": None, "InstrumentCurrencyPrice": 10.2, "Size": 50.0},
    {"t": 90, "AggressorSide": 1, "InstrumentCurrencyPrice": 10.3, "Size": 10.0},
)


def test_default_columns_are_quantities_vwap_and_ohlc_for_every_side() -> None:
    names = [doc.name for doc in TradeModule().columns()]
    measures = ["Volume", "Count", "Notional", "NotionalEUR", "NotionalUSD", "VWAP", "Open", "High", "Low"]
    expected = [f"Trade{s}{m}" for s in ("Bid", "Ask", "Total", "Unknown") for m in [*measures, "Close"]]
    assert names == expected
    assert run(SIDES_FRAME).columns == ["ListingId", "TimeBucket", *expected]


def test_sides_volumes_counts_notionals_and_prices() -> None:
    out = run(SIDES_FRAME)
    r = row(out, 1)
    assert (r["TradeAskVolume"], r["TradeAskCount"], r["TradeAskNotional"]) == (400.0, 2, 4030.0)
    assert r["TradeAskVWAP"] == pytest.approx(4030 / 400)
    assert (r["TradeAskOpen"], r["TradeAskHigh"], r["TradeAskLow"], r["TradeAskClose"]) == (
        10.0,
        10.1,
        10.0,
        10.1,
    )
    assert (r["TradeAskNotionalEUR"], r["TradeAskNotionalUSD"]) == (400.0, 800.0)
    assert (r["TradeBidVolume"], r["TradeBidCount"], r["TradeBidNotional"]) == (200.0, 1, 1980.0)
    assert r["TradeBidVWAP"] == r["TradeBidOpen"] == r["TradeBidClose"] == r["TradeBidHigh"] == 9.9
    # AggressorSide 0 and null are Unknown: never a sell.
    assert (r["TradeUnknownVolume"], r["TradeUnknownCount"], r["TradeUnknownNotional"]) == (100.0, 2, 1010.0)
    assert (r["TradeUnknownOpen"], r["TradeUnknownClose"], r["TradeUnknownVWAP"]) == (10.0, 10.2, 10.1)
    assert (r["TradeTotalVolume"], r["TradeTotalCount"], r["TradeTotalNotional"]) == (700.0, 5, 7020.0)
    assert r["TradeTotalVWAP"] == pytest.approx(7020 / 700)
    assert (r["TradeTotalOpen"], r["TradeTotalHigh"], r["TradeTotalLow"], r["TradeTotalClose"]) == (
        10.0,
        10.2,
        9.9,
        10.2,
    )


def test_a_side_that_did_not_trade_has_zero_quantities_and_null_prices() -> None:
    r = row(run(SIDES_FRAME), 2)  # one buy only
    assert (r["TradeAskCount"], r["TradeTotalCount"], r["TradeAskOpen"]) == (1, 1, 10.3)
    for side in ("Bid", "Unknown"):
        assert (r[f"Trade{side}Volume"], r[f"Trade{side}Count"], r[f"Trade{side}Notional"]) == (0.0, 0, 0.0)
        assert (r[f"Trade{side}NotionalEUR"], r[f"Trade{side}NotionalUSD"]) == (0.0, 0.0)
        for measure in ("VWAP", "Open", "High", "Low", "Close"):
            assert r[f"Trade{side}{measure}"] is None, measure


def test_one_trade_bucket() -> None:
    out = run(make_trades({"t": 5, "InstrumentCurrencyPrice": 7.5}), measures=ALL_MEASURES)
    r = row(out, 1)
    for measure in ("VWAP", "Open", "High", "Low", "Close", "AvgPrice", "MedianPrice"):
        assert r[f"TradeAsk{measure}"] == r[f"TradeTotal{measure}"] == 7.5
    assert r["TradeAskVolatility"] is None  # no return at all


@pytest.mark.parametrize(
    ("closed", "anchor", "expected"),
    [
        ("right", "end", (9, 1)),
        ("left", "end", (9, 2)),
        ("right", "start", (9, 0)),
        ("left", "start", (9, 1)),
    ],
)
def test_a_trade_exactly_on_a_bucket_edge(closed: str, anchor: str, expected: tuple[int, int]) -> None:
    out = run(make_trades({"t": 60}), TimeBuckets(closed=closed, anchor=anchor))  # exactly 09:01:00
    assert out["TimeBucket"].to_list() == [datetime(2024, 3, 4, *expected)]


def test_rows_are_sparse_and_sorted_by_listing_then_bucket() -> None:
    frame = make_trades(
        {"t": 200, "ListingId": 2},
        {"t": 10, "ListingId": 2},
        {"t": 130, "ListingId": 1},
        {"t": 10, "ListingId": 1, "Classification": "DARK_BELOW_LIS"},  # filtered out: no row for it
    )
    out = run(frame)
    assert out.select("ListingId", "TimeBucket").rows() == [
        (1, datetime(2024, 3, 4, 9, 3)),
        (2, datetime(2024, 3, 4, 9, 1)),
        (2, datetime(2024, 3, 4, 9, 4)),
    ]


def test_trade_order_is_time_then_input_row() -> None:
    frame = make_trades(
        {"t": 20, "InstrumentCurrencyPrice": 10.0},
        {"t": 20, "InstrumentCurrencyPrice": 11.0},
        {"t": 30, "InstrumentCurrencyPrice": 12.0},
        {"t": 30, "InstrumentCurrencyPrice": 13.0},
        {"t": 10, "InstrumentCurrencyPrice": 9.0, "AggressorSide": 2},
        {"t": 10, "InstrumentCurrencyPrice": 8.0, "AggressorSide": 2},
    )
    r = row(run(frame), 1)
    assert (r["TradeAskOpen"], r["TradeAskClose"]) == (10.0, 13.0)
    assert (r["TradeBidOpen"], r["TradeBidClose"]) == (9.0, 8.0)
    assert (r["TradeTotalOpen"], r["TradeTotalClose"]) == (9.0, 13.0)
    # Rows at distinct times give the same answer in any order.
    distinct = frame.filter(pl.col("InstrumentCurrencyPrice").is_in([11.0, 12.0, 9.0]))
    assert run(distinct).equals(run(distinct.reverse()))


def test_null_prices_are_left_out_of_price_measures_but_counted() -> None:
    frame = make_trades(
        {"t": 10, "InstrumentCurrencyPrice": None, "Price": 1.0, "Size": 10.0},
        {"t": 20, "InstrumentCurrencyPrice": 5.0, "Size": 30.0},
        {"t": 30, "InstrumentCurrencyPrice": None, "Price": 1.0, "Size": 10.0},
    )
    r = row(run(frame), 1)
    assert (r["TradeTotalCount"], r["TradeTotalVolume"], r["TradeTotalNotional"]) == (3, 50.0, 150.0)
    assert r["TradeTotalVWAP"] == r["TradeTotalOpen"] == r["TradeTotalClose"] == 5.0


def test_price_column_choice() -> None:
    # XLON: off-book prints come in GBP (Price 0.997), on-book in GBp; InstrumentCurrencyPrice is GBp.
    frame = make_trades(
        {"t": 10, "Price": 0.997, "InstrumentCurrencyPrice": 99.7, "Size": 100.0},
        {"t": 20, "Price": 99.72, "InstrumentCurrencyPrice": 99.72, "Size": 100.0},
    )
    assert row(run(frame), 1)["TradeTotalVWAP"] == pytest.approx(99.71)
    assert row(run(frame, price_column="Price"), 1)["TradeTotalVWAP"] == pytest.approx((0.997 + 99.72) / 2)


def test_avg_median_and_volatility() -> None:
    frame = make_trades(
        {"t": 30, "InstrumentCurrencyPrice": 100.0},
        {"t": 10, "InstrumentCurrencyPrice": 100.0},
        {"t": 20, "InstrumentCurrencyPrice": 101.0},
        {"t": 40, "InstrumentCurrencyPrice": 103.0, "AggressorSide": 2},
    )
    r = row(run(frame, measures=["AvgPrice", "MedianPrice", "Volatility"], sides=["Ask", "Total"]), 1)
    assert r["TradeAskAvgPrice"] == pytest.approx(301 / 3)
    assert (r["TradeAskMedianPrice"], r["TradeTotalMedianPrice"]) == (100.0, 100.5)
    step = math.log(1.01)  # returns +step, -step in time order: std (ddof 1) = step·√2
    assert r["TradeAskVolatility"] == pytest.approx(step * math.sqrt(2))
    returns = [step, -step, math.log(1.03)]
    mean = sum(returns) / 3
    expected = math.sqrt(sum((x - mean) ** 2 for x in returns) / 2)
    assert r["TradeTotalVolatility"] == pytest.approx(expected)
    scaled = row(
        run(
            frame,
            measures=["Volatility"],
            sides=["Ask"],
            volatility_annualisation_factor=4.0,
            volatility_ddof=0,
        ),
        1,
    )
    assert scaled["TradeAskVolatility"] == pytest.approx(2 * step)  # ddof 0: std of ±step is step


def test_classification_filters_and_presets() -> None:
    frame = make_trades(
        {"t": 10, "Classification": "LIT_CONTINUOUS", "Size": 1.0},
        {"t": 20, "Classification": "LIT_CLOSING_AUCTION", "Size": 2.0, "MarketState": "CLOSING_AUCTION"},
        {"t": 30, "Classification": "DARK_BELOW_LIS", "Size": 4.0},
        {"t": 40, "Classification": "OFF_BOOK_ON_EXCHANGE", "Size": 8.0, "MarketState": "NOT_APPLICABLE"},
        {"t": 50, "Classification": None, "Size": 16.0},
    )

    def volume(**config: object) -> float:
        return row(run(frame, **config), 1)["TradeTotalVolume"]

    assert volume() == 1.0
    assert volume(classifications=["auction"]) == 2.0
    assert volume(classifications=["lit_continuous", "auction"]) == 3.0
    assert volume(classifications=["DARK_BELOW_LIS", "off_book"]) == 12.0
    assert volume(classifications=["all"]) == 31.0
    assert volume(classifications=["all"], market_states=["CONTINUOUS_TRADING", "CLOSING_AUCTION"]) == 23.0
    assert run(frame, classifications=["dark"], market_states=["CLOSING_AUCTION"]).height == 0


def test_discrepancy_in_bps_of_the_reference() -> None:
    frame = make_trades(
        {"t": 10, "InstrumentCurrencyPrice": 100.02, "PreTradeMid1ms": 100.0, "BestBidPrice": 99.98},
        {"t": 20, "InstrumentCurrencyPrice": 99.99, "PreTradeMid1ms": 100.0, "AggressorSide": 2},
        {"t": 30, "InstrumentCurrencyPrice": 100.0, "PreTradeMid1ms": None, "AggressorSide": 0},
        {"t": 40, "InstrumentCurrencyPrice": 100.0, "PreTradeMid1ms": 0.0},
    )
    out = run(frame, sides=[], discrepancy_references=["PreTradeMid", "BestBid", "Mid"])
    r = row(out, 1)
    expected = {"First": 2, "Last": -1, "Min": -1, "Max": 2, "Mean": 0.5, "Sum": 1, "Median": 0.5}
    expected["Std"] = math.sqrt(4.5)
    for aggregation, value in expected.items():
        assert r[f"TradeDiscrepancyPreTradeMid{aggregation}"] == pytest.approx(value), aggregation
    # One valid trade: its value everywhere, Std null (ddof 1). No valid trade: all null.
    assert r["TradeDiscrepancyBestBidFirst"] == pytest.approx((100.02 - 99.98) / 99.98 * 1e4)
    assert r["TradeDiscrepancyBestBidSum"] == r["TradeDiscrepancyBestBidMax"]
    assert r["TradeDiscrepancyBestBidStd"] is None
    assert all(r[f"TradeDiscrepancyMid{a}"] is None for a in expected)


TCA_FRAME = make_trades(
    {"t": 10, "AggressorSide": 1, "InstrumentCurrencyPrice": 100.02, "Size": 100.0, "PreTradeMid1ms": 100.0}
    | {"PostTradeMid1000ms": 100.03},
    {"t": 20, "AggressorSide": 2, "InstrumentCurrencyPrice": 99.99, "Size": 300.0, "PreTradeMid1ms": 100.0}
    | {"PostTradeMid1000ms": 99.98},
    {"t": 30, "AggressorSide": 0, "InstrumentCurrencyPrice": 101.0, "Size": 1000.0, "PreTradeMid1ms": 100.0}
    | {"PostTradeMid1000ms": 100.0},
    {"t": 40, "AggressorSide": 1, "InstrumentCurrencyPrice": 105.0, "Size": 1000.0, "PreTradeMid1ms": None}
    | {"PostTradeMid1000ms": 100.0},
    {"t": 50, "AggressorSide": 1, "InstrumentCurrencyPrice": 100.01, "Size": 100.0, "PreTradeMid1ms": 100.0},
)


def test_tca_volume_weighted() -> None:
    out = run(TCA_FRAME, sides=[], tca=True, tca_horizons=["1000ms"])
    assert out.columns[2:] == [
        "TradeEffectiveSpread",
        "TradeEffectiveSpreadBps",
        "TradeRealizedSpread1000ms",
        "TradeRealizedSpread1000msBps",
        "TradePriceImpact1000ms",
        "TradePriceImpact1000msBps",
    ]
    r = row(out, 1)
    # ES per trade: 0.04 (buy), 0.02 (sell), 0.02 (buy, no post mid); unknown and null-mid trades left out.
    assert r["TradeEffectiveSpread"] == pytest.approx((0.04 * 100 + 0.02 * 300 + 0.02 * 100) / 500)
    assert r["TradeEffectiveSpreadBps"] == pytest.approx(2.4)
    assert r["TradeRealizedSpread1000ms"] == pytest.approx(-0.02)
    assert r["TradeRealizedSpread1000msBps"] == pytest.approx(-2.0)
    assert r["TradePriceImpact1000ms"] == pytest.approx((0.06 * 100 + 0.04 * 300) / 400)
    assert r["TradePriceImpact1000msBps"] == pytest.approx(4.5)


def test_tca_equal_weights_and_primary_mids() -> None:
    r = row(run(TCA_FRAME, sides=[], tca=True, tca_horizons=["1000ms"], tca_weighting="equal"), 1)
    assert r["TradeEffectiveSpread"] == pytest.approx(0.08 / 3)
    assert r["TradePriceImpact1000ms"] == pytest.approx(0.05)
    primary = run(TCA_FRAME, sides=[], tca=True, tca_at_primary=True)  # primary mids all null here
    assert primary.columns[-1] == "TradePriceImpact5000msBps"
    assert primary.row(0)[2:] == (None,) * 10


def test_flags_counts_and_volumes() -> None:
    frame = make_trades(
        {"t": 10, "BMLLParticipantType": "RETAIL", "LotType": "ODD", "Size": 5.0},
        {"t": 20, "ParticipantType": "RETAIL", "IsBlock": "TRUE", "Size": 50_000.0},
        {"t": 30, "AlgorithmicTrade": "H", "LotType": "MIXED", "Size": 150.0, "AggressorSide": 0},
        {"t": 40, "BMLLParticipantType": None, "AlgorithmicTrade": "H", "Size": 7.0},
    )
    flags = ["Retail", "Block", "OddLot", "MixedLot", "Algorithmic"]
    r = row(run(frame, sides=[], flags=flags), 1)
    assert (r["TradeRetailCount"], r["TradeRetailVolume"]) == (1, 5.0)
    assert (r["TradeBlockCount"], r["TradeBlockVolume"]) == (1, 50_000.0)
    assert (r["TradeOddLotCount"], r["TradeMixedLotCount"], r["TradeMixedLotVolume"]) == (1, 1, 150.0)
    assert (r["TradeAlgorithmicCount"], r["TradeAlgorithmicVolume"]) == (2, 157.0)
    assert row(run(frame, sides=[], flags=["Retail"], retail_column="ParticipantType"), 1)[
        "TradeRetailVolume"
    ] == (50_000.0)


def test_no_trade_gives_an_empty_frame_with_the_documented_schema() -> None:
    config = {"measures": ALL_MEASURES, "tca": True, "flags": ["Retail"], "discrepancy_references": ["Mid"]}
    out = run(Trades.empty(), **config)  # run_module checks names and dtypes
    assert out.height == 0
    assert out.columns == ["ListingId", "TimeBucket", *(d.name for d in TradeModule(config).columns())]


def test_every_column_is_documented_with_unit_pattern_sources_and_dtype() -> None:
    config = {
        "measures": ALL_MEASURES,
        "discrepancy_references": ["PreTradeMid", "MidAtVenue", "BestAskAtPrimary"],
        "tca": True,
        "flags": ["Retail", "Block", "OddLot", "MixedLot", "Algorithmic"],
    }
    docs = TradeModule(config).columns()
    assert len({d.name for d in docs}) == len(docs)
    for doc in docs:
        assert doc.unit, doc
        assert doc.definition, doc
        assert doc.dtype in ("Float64", "Int64"), doc
        assert re.fullmatch(re.sub(r"\\\{\w+\\\}", r"\\w+", re.escape(doc.pattern)), doc.name), doc
        assert doc.sources, doc
        assert all(s.removeprefix("trades.") in Trades.SCHEMA for s in doc.sources), doc
        assert doc.additive == (doc.name.endswith(("Volume", "Count")) or "Notional" in doc.name), doc


def test_every_config_field_is_described() -> None:
    assert all(field.description for field in TradeConfig.model_fields.values())


@pytest.mark.parametrize(
    "config",
    [
        {"tca_horizons": ["2000ms"]},
        {"pre_trade_mid_horizon": "3ms"},
        {"classifications": ["lit_continous"]},
        {"classifications": []},
        {"sides": ["Bid", "Bid"]},
        {"measures": ["Vwap"]},
        {"discrepancy_references": ["PreTradeMidAtVenue"]},
        {"sides": [], "flags": []},
        {"market_states": []},
        {"volatility_annualisation_factor": 0},
        {"colour": "red"},
    ],
)
def test_invalid_configs_are_rejected(config: dict) -> None:
    with pytest.raises(ValidationError):
        TradeConfig.model_validate(config)


def test_unknown_raw_classification_values_pass_through() -> None:
    config = TradeConfig(classifications=["lit", "NEW_BMLL_VALUE"])
    assert config.classification_values()[-1] == "NEW_BMLL_VALUE"
    assert "LIT_CLOSING_AUCTION" in config.classification_values()
    assert TradeConfig(classifications=["lit", "all"]).classification_values() is None
