"""How L2 snapshots are ordered and grouped into trading days."""

from __future__ import annotations

import polars as pl

TIMESTAMP = "EventTimestamp"
EVENT_NO = "L2EventNo"
TRADE_DATE = "TradeDate"

_LOW_BITS = pl.lit(2**64, dtype=pl.Int128)
_EVENT_NO_OFFSET = pl.lit(2**63, dtype=pl.Int128)


def timestamp_ns() -> pl.Expr:
    """``EventTimestamp`` as Int64 nanoseconds since the epoch (naive UTC)."""
    return pl.col(TIMESTAMP).dt.cast_time_unit("ns").cast(pl.Int64)


def order_key() -> pl.Expr:
    """One Int128 whose order is snapshot order: ``(EventTimestamp, L2EventNo)``.

    ``timestamp_ns * 2**64 + (L2EventNo + 2**63)`` is exact for every Int64 pair.
    One key lets ``max_by``/``min_by`` pick the last/first snapshot of a group and
    ``over(..., order_by=...)`` order a window without sorting the wide rows
    (a two-column sort of the snapshots was measured 2-5x slower). A null
    ``L2EventNo`` orders first among snapshots of the same timestamp.
    """
    event_no = pl.col(EVENT_NO).cast(pl.Int128).fill_null(-(2**63))
    return timestamp_ns().cast(pl.Int128) * _LOW_BITS + (event_no + _EVENT_NO_OFFSET)


def day_expr(schema: pl.Schema) -> pl.Expr:
    """The trading day of a snapshot: ``TradeDate`` when the input has it, else the UTC date.

    BMLL's ``TradeDate`` is the venue's trading date, which keeps a session that
    spans midnight UTC (e.g. Sydney) in one day.
    """
    if TRADE_DATE in schema:
        return pl.col(TRADE_DATE)
    return pl.col(TIMESTAMP).dt.date()


def day_start_ns(schema: pl.Schema) -> pl.Expr:
    """Midnight (UTC) starting the trading day, as Int64 nanoseconds."""
    return day_expr(schema).cast(pl.Datetime("ns")).dt.truncate("1d").cast(pl.Int64)
