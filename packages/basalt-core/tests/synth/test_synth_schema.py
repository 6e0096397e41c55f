"""Every synthetic table has BMLL's exact schema and BMLL's value conventions."""

from __future__ import annotations

import re

import numpy as np
import polars as pl
import pytest

from basalt.synth import TABLES

FIGI = re.compile(r"^BBG[0-9BCDFGHJKLMNPQRSTVWXYZ]{8}[0-9]$")
ISIN = re.compile(r"^[A-Z]{2}[0-9A-Z]{9}[0-9]$")


def _luhn_ok(isin: str) -> bool:
    digits = "".join(str(int(c, 36)) for c in isin)
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 == 1 else 1)
        total += value // 10 + value % 10
    return total % 10 == 0


@pytest.mark.parametrize("name", sorted(TABLES))
def test_table_has_exactly_the_bmll_schema(small: dict[str, pl.DataFrame], name: str) -> None:
    frame = small[name]
    table = TABLES[name]
    table.check_schema(frame.schema, source=f"synthetic {name}")
    assert list(frame.columns) == list(table.SCHEMA)
    assert dict(frame.schema) == dict(table.SCHEMA)
    assert frame.height > 0


def test_reference_identifiers_are_valid_and_consistent(small: dict[str, pl.DataFrame]) -> None:
    ref = small["reference"]
    assert all(ISIN.match(i) and _luhn_ok(i) for i in ref["ISIN"])
    assert all(FIGI.match(f) for f in ref["FIGI"])
    per_instrument = ref.group_by("InstrumentId", "Date").agg(
        pl.col("ISIN").n_unique().alias("isins"),
        pl.col("IsPrimary").sum().alias("primaries"),
        pl.col("MIC").sort().alias("mics"),
    )
    assert per_instrument["isins"].to_list() == [1] * per_instrument.height
    assert per_instrument["primaries"].to_list() == [1] * per_instrument.height
    assert all(m == ["BATE", "CHIX", "XLON"] for m in per_instrument["mics"].to_list())
    assert ref.filter("IsPrimary")["MIC"].unique().to_list() == ["XLON"]
    assert ref.group_by("Date").agg(pl.col("ListingId").n_unique() == pl.len())["ListingId"].all()


def test_l3_value_conventions(small: dict[str, pl.DataFrame]) -> None:
    l3 = small["l3"]
    assert set(l3["LobAction"].unique()) == {2, 3, 4}
    assert set(l3["Side"].unique()) == {1, 2}
    inserts = l3.filter(pl.col("LobAction") == 2)
    assert inserts["OldPrice"].null_count() == inserts.height
    assert (inserts["OldOrderId"] == "").all()
    assert (inserts["OriginalExchangeMessage"] == "F").all()
    assert not inserts["OrderExecuted"].any()
    removes = l3.filter(pl.col("LobAction") == 3)
    assert removes["Price"].null_count() == removes.height
    assert (removes["OrderId"] == "").all()
    assert (removes["Size"] == 0).all()
    assert (removes["OriginalExchangeMessage"] == "D").all()
    executions = l3.filter("OrderExecuted")
    assert (executions["TradeId"] != "").all()
    assert executions["ExecutionPrice"].null_count() == 0
    assert (executions["ExecutionSize"] > 0).all()
    assert executions["Printable"].all()
    others = l3.filter(~pl.col("OrderExecuted"))
    assert (others["TradeId"] == "").all()
    assert (others["ExecutionSize"] == 0).all()
    assert (l3["OriginalOrderId"] != "").all()
    # Ids are unique per listing-day: an order id is inserted once.
    assert inserts.select("ListingId", "OriginalOrderId").is_unique().all()


def test_trades_value_conventions(small: dict[str, pl.DataFrame]) -> None:
    trades = small["trades"]
    lit = trades.filter(pl.col("BMLLTradeType") == "LIT")
    continuous = lit.filter(pl.col("Classification") == "LIT_CONTINUOUS")
    assert set(continuous["AggressorSide"].unique()) == {1, 2}
    assert (continuous["MarketState"] == "CONTINUOUS_TRADING").all()
    assert (continuous["AlgorithmicTrade"] == "H").all()
    off = trades.filter(pl.col("BMLLTradeType") == "OTC")
    assert set(off["Classification"].unique()) == {"OFF_BOOK_ON_EXCHANGE", "SI_ADDRESSABLE_BELOW_LIS"}
    assert (off["MarketState"] == "NOT_APPLICABLE").all()
    assert (off["AggressorSide"] == 0).all()
    assert (off["CurrencyCode"] == "GBP").all()
    assert (lit["CurrencyCode"] == "GBp").all()
    # Off-book prints are quoted in pounds: the instrument-currency price is in pence.
    assert ((off["Price"] * 100 - off["InstrumentCurrencyPrice"]).abs() < 1e-6).all()
    assert set(trades["LotType"].unique()) <= {"ODD", "ROUND", "MIXED"}
    assert set(trades["IsBlock"].unique()) <= {"TRUE", "FALSE"}
    fx = trades.select(
        pl.col("TradeNotionalEUR") / (pl.col("InstrumentCurrencyPrice") * 0.01 * pl.col("Size"))
    )
    assert fx.to_series().round(6).unique().to_list() == [1.17]


def test_dates_and_time_zone(small: dict[str, pl.DataFrame]) -> None:
    l2 = small["l2"]
    assert (l2["TradeDate"] == l2["TimestampNanoseconds"].dt.truncate("1d").cast(pl.Datetime("ms"))).all()
    assert (l2["TZOffset"] == 0).all()  # March 4-5 2024: London is on UTC
    assert (l2["LocalTimestamp"] == l2["EventTimestamp"]).all()
    date = small["reference"]["Date"]
    assert (date == date.dt.truncate("1d")).all()


def test_prices_sit_on_the_tick_grid(small: dict[str, pl.DataFrame]) -> None:
    for _, group in small["l3"].filter(pl.col("Price").is_not_null()).group_by("ListingId"):
        prices = np.unique(group["Price"].to_numpy())
        tick = np.min(np.diff(prices))
        steps = (prices - prices[0]) / tick
        assert np.allclose(steps, np.round(steps), atol=1e-6)
        assert 2000 <= prices[0] / tick <= 5000 * 2  # 2-5 bp ticks (the price can drift from the open)
