"""Hand-built BMLL L3 event sequences for the iceberg tests (one listing and day, times in ns after 9:00)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

DAY = dt.date(2024, 3, 4)
START = dt.datetime(2024, 3, 4, 9, 0)
LISTING = 7
BID, ASK = 1, 2

SCHEMA: dict[str, Any] = {
    "ListingId": pl.Int64,
    "TradeDate": pl.Datetime("ms"),
    "TimestampNanoseconds": pl.Datetime("ns"),
    "EventNo": pl.Int64,
    "Side": pl.Int64,
    "LobAction": pl.Int64,
    "Price": pl.Float64,
    "Size": pl.Int64,
    "OrderId": pl.String,
    "OldPrice": pl.Float64,
    "OldSize": pl.Int64,
    "OldOrderId": pl.String,
    "OrderExecuted": pl.Boolean,
    "ExecutionSize": pl.Int64,
    "EndOfEvent": pl.Boolean,
    "MarketState": pl.String,
}


def ins(t: int, side: int, price: float, size: int, oid: str, eoe: bool = True) -> dict[str, Any]:
    """An insert (LobAction 2)."""
    return {"t": t, "Side": side, "LobAction": 2, "Price": price, "Size": size, "OrderId": oid,
            "OldPrice": None, "OldSize": 0, "OldOrderId": "", "OrderExecuted": False, "ExecutionSize": 0,
            "EndOfEvent": eoe}  # fmt: skip


def cancel(t: int, side: int, price: float, size: int, oid: str, eoe: bool = True) -> dict[str, Any]:
    """A removal without execution (LobAction 3)."""
    return {"t": t, "Side": side, "LobAction": 3, "Price": None, "Size": 0, "OrderId": "",
            "OldPrice": price, "OldSize": size, "OldOrderId": oid, "OrderExecuted": False, "ExecutionSize": 0,
            "EndOfEvent": eoe}  # fmt: skip


def fill(
    t: int, side: int, price: float, shown: int, executed: int, oid: str, eoe: bool = True
) -> dict[str, Any]:
    """An execution of a resting order showing ``shown``: full (LobAction 3) if ``executed >= shown``,
    else partial (LobAction 4 leaving ``shown - executed``), as BMLL writes them."""
    if executed >= shown:
        return {"t": t, "Side": side, "LobAction": 3, "Price": None, "Size": 0, "OrderId": "",
                "OldPrice": price, "OldSize": shown, "OldOrderId": oid, "OrderExecuted": True,
                "ExecutionSize": executed, "EndOfEvent": eoe}  # fmt: skip
    return {"t": t, "Side": side, "LobAction": 4, "Price": price, "Size": shown - executed, "OrderId": oid,
            "OldPrice": price, "OldSize": shown, "OldOrderId": oid, "OrderExecuted": True,
            "ExecutionSize": executed, "EndOfEvent": eoe}  # fmt: skip


def reprice(t: int, side: int, old: float, new: float, size: int, oid: str) -> dict[str, Any]:
    """A price change keeping the id (LobAction 4)."""
    return {"t": t, "Side": side, "LobAction": 4, "Price": new, "Size": size, "OrderId": oid,
            "OldPrice": old, "OldSize": size, "OldOrderId": oid, "OrderExecuted": False, "ExecutionSize": 0,
            "EndOfEvent": True}  # fmt: skip


def l3(*events: dict[str, Any], listing: int = LISTING, first_no: int = 1) -> pl.DataFrame:
    """A BMLL-typed L3 frame of ``events`` (EventNo in the given order)."""
    rows = []
    for k, e in enumerate(events):
        row = {key: value for key, value in e.items() if key != "t"}
        row |= {
            "ListingId": listing,
            "TradeDate": dt.datetime(DAY.year, DAY.month, DAY.day),
            "TimestampNanoseconds": START + dt.timedelta(microseconds=e["t"] // 1000),
            "EventNo": first_no + k,
            "MarketState": "CONTINUOUS_TRADING",
        }
        rows.append(row)
    frame = pl.DataFrame(rows, schema=SCHEMA)
    extra_ns = pl.Series([e["t"] % 1000 for e in events], dtype=pl.Int64)
    return frame.with_columns(
        (pl.col("TimestampNanoseconds").cast(pl.Int64) + extra_ns).cast(pl.Datetime("ns"))
    )
