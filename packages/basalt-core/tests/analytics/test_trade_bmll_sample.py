"""The ``trade`` module on the real BMLL sample rows (VOD, XLON, 2026-01-02 12:00–12:07)."""

from __future__ import annotations

from datetime import datetime

import polars as pl
import pytest

from basalt.analytics.trade import TradeModule
from basalt.testing import run_module
from bmll_sample import sample_frame

EVERYTHING = {
    "classifications": ["all"],
    "measures": [
        "Volume",
        "Count",
        "Notional",
        "NotionalEUR",
        "VWAP",
        "Open",
        "Close",
        "MedianPrice",
        "Volatility",
    ],
    "discrepancy_references": ["PreTradeMid", "Mid", "MidAtVenue", "BestBidAtPrimary"],
    "tca": True,
    "flags": ["Retail", "Block", "OddLot", "MixedLot", "Algorithmic"],
}


def bucket(out: pl.DataFrame, minute: int) -> dict:
    return out.filter(pl.col("TimeBucket") == datetime(2026, 1, 2, 12, minute)).row(0, named=True)


def test_default_config_on_the_sample() -> None:
    out = run_module(TradeModule, {"trades": sample_frame("trades")})
    # 35 LIT_CONTINUOUS trades in 5 one-minute buckets (12:03-12:04 held off-book prints only).
    assert out["TimeBucket"].dt.minute().to_list() == [1, 2, 3, 5, 6]
    assert out["TradeTotalCount"].sum() == 35
    first = bucket(out, 1)  # 12:00:05.346695 buy 400 @ 99.70 and 12:00:05.347987 buy 9847 @ 99.72
    assert first["TradeTotalVolume"] == first["TradeAskVolume"] == 10247.0
    assert (first["TradeBidVolume"], first["TradeBidCount"], first["TradeBidVWAP"]) == (0.0, 0, None)
    assert first["TradeAskVWAP"] == pytest.approx((400 * 99.7 + 9847 * 99.72) / 10247)
    assert (first["TradeTotalOpen"], first["TradeTotalClose"]) == (99.7, 99.72)
    assert first["TradeTotalNotional"] == pytest.approx(400 * 99.7 + 9847 * 99.72)  # GBp
    assert first["TradeTotalNotionalEUR"] == pytest.approx(457.391903 + 11262.103911)
    second = bucket(out, 2)  # buys 3474 + 9847 and sells 339 + 1482, all @ 99.74
    assert (second["TradeAskVolume"], second["TradeBidVolume"], second["TradeTotalCount"]) == (
        13321.0,
        1821.0,
        4,
    )


def test_every_family_on_the_sample() -> None:
    out = run_module(TradeModule, {"trades": sample_frame("trades")}, config=EVERYTHING)
    assert out.height == 7
    first = bucket(out, 1)
    # The off-book print of 1484 @ GBP 0.997171 has no aggressor: Unknown, priced in GBp like the rest.
    assert (first["TradeUnknownVolume"], first["TradeTotalVolume"]) == (1484.0, 11731.0)
    assert first["TradeUnknownVWAP"] == pytest.approx(99.7171)
    # The two lit trades carry AlgorithmicTrade 'H'; the off-book one is BMLLParticipantType 'RETAIL'.
    assert (first["TradeAlgorithmicCount"], first["TradeAlgorithmicVolume"]) == (2, 10247.0)
    assert (first["TradeRetailCount"], first["TradeRetailVolume"]) == (1, 1484.0)
    assert (first["TradeBlockCount"], first["TradeOddLotCount"], first["TradeMixedLotCount"]) == (0, 0, 0)
    # Two buys at the ask with pre-trade mids 99.69 and 99.70: effective spreads 0.02 and 0.04.
    assert first["TradeEffectiveSpread"] == pytest.approx((0.02 * 400 + 0.04 * 9847) / 10247)
    assert out["TradeTotalCount"].sum() == 50
    assert out.select(pl.col("TradeEffectiveSpreadBps").is_between(-100, 100).all()).item()
