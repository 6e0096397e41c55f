"""How per-venue L2 snapshots are read and put on one timeline (shared by ``cbbo`` and ``cbbo_venue``).

The rules, stated once:

* a snapshot belongs to its listing's trading day: ``TradeDate`` when L2 has it,
  else the UTC date of ``EventTimestamp``; nothing carries over from one day to
  the next;
* of several snapshots of one venue at the same ``EventTimestamp`` only the last
  (largest ``L2EventNo``) counts, as in the core's ``l2``/``l2tw``;
* a venue's book at an instant ``t`` is its last snapshot at or before ``t``
  (an as-of join, never an exact-timestamp match); before its first snapshot of
  the day it is empty.
"""

from __future__ import annotations

import polars as pl

DAY = "__day"
TIMESTAMP = "EventTimestamp"
EVENT_NO = "L2EventNo"
SIDES = ("Bid", "Ask")
VENUE_LEVELS = 10
"""Visible levels of a venue's L2 (all are read: a venue's level 7 can be the consolidated level 3)."""


def day_expr(schema: pl.Schema) -> pl.Expr:
    """The trading day of a snapshot: ``TradeDate`` (as a date) when present, else the UTC date."""
    if "TradeDate" in schema:
        return pl.col("TradeDate").cast(pl.Date)
    return pl.col(TIMESTAMP).cast(pl.Date)


def level_columns(side: str, kind: str, levels: int = VENUE_LEVELS) -> list[str]:
    """``BidPrice1``, ``BidPrice2``, … (``kind`` is Price, Quantity or NumOrders)."""
    return [f"{side}{kind}{level}" for level in range(1, levels + 1)]


def instrument_map(reference: pl.LazyFrame) -> pl.LazyFrame:
    """ListingId → InstrumentId (one row per listing; the reference of one day may repeat a listing)."""
    return reference.select("ListingId", "InstrumentId").unique("ListingId", keep="first")


def primary_listing(reference: pl.LazyFrame) -> pl.LazyFrame:
    """InstrumentId → the primary listing's ListingId, MIC, Ticker, CurrencyCode.

    The primary is the listing flagged ``IsPrimary``; an instrument without one
    (e.g. a reference restricted to its secondary venues) takes its smallest
    ListingId.
    """
    ordered = reference.unique("ListingId", keep="first").sort(
        "InstrumentId", pl.col("IsPrimary").fill_null(False), "ListingId", descending=[False, True, False]
    )
    return ordered.group_by("InstrumentId", maintain_order=True).agg(
        pl.col("ListingId", "MIC", "Ticker", "CurrencyCode").first()
    )


def last_per_timestamp(frame: pl.LazyFrame, by: list[str]) -> pl.LazyFrame:
    """The last snapshot (by ``L2EventNo``) of each ``by`` group per ``EventTimestamp``, sorted by time.

    A null ``L2EventNo`` orders first, as in the core's order key.
    """
    return frame.sort([*by, TIMESTAMP, EVENT_NO], nulls_last=False).unique(
        [*by, TIMESTAMP], keep="last", maintain_order=True
    )


def as_of(grid: pl.LazyFrame, states: pl.LazyFrame, by: list[str]) -> pl.LazyFrame:
    """Each ``grid`` row with the last ``states`` row of its ``by`` group at or before its ``EventTimestamp``.

    Both are sorted here by ``by`` then time, as ``join_asof`` requires.
    """
    return grid.sort([*by, TIMESTAMP]).join_asof(
        states.sort([*by, TIMESTAMP]), on=TIMESTAMP, by=by, strategy="backward", check_sortedness=False
    )
