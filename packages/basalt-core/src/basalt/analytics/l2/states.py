"""The market-state filter of ``l2`` and ``l2tw``: which snapshots count, and until when.

A venue's book outside continuous trading is not a tradable book: during an
auction call orders accumulate without matching, so the best bid may stand
above the best ask (a crossed book, a negative spread). Averaging such
snapshots with continuous ones gives numbers that describe neither. With
``market_states`` set, the modules read BMLL's ``marketstate`` table and:

* a snapshot's state is the listing's state *as of* the snapshot: the last
  ``marketstate`` event of the same ``ListingId`` at or before it (several events
  at one instant: the last by ``BMLLSequenceNo``). The snapshot's instant is its
  ``TimestampNanoseconds`` when the input has it (BMLL's nanosecond time, which
  orders a snapshot against the state change it belongs to), else its
  ``EventTimestamp``;
* snapshots whose state is not in the set, or that precede the listing's first
  state event, are dropped;
* (``l2tw``) a kept snapshot stops being in force at the listing's next state
  event whose state is not in the set, so time in excluded states weighs
  nothing, even before the next snapshot arrives.

Everything is Polars lazy: two as-of joins of narrow frames (row number,
listing, instant) against the state events, joined back on the row number.
Both sides of each as-of join are sorted by their time column first, so they
are sorted within every listing as ``join_asof(by=...)`` requires (Polars
cannot check that itself when ``by`` is given).
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from basalt.analytics.l2.snapshots import TIMESTAMP

STATE_TIME = "TimestampNanoseconds"
"""Time column of the ``marketstate`` table (and BMLL's nanosecond time of an L2 snapshot)."""
STATE_SEQUENCE = "BMLLSequenceNo"
"""Orders ``marketstate`` events sharing an instant."""

_T, _OK, _CUT, _AT = "__state_t", "__state_ok", "__state_cut", "__snap_at"


def snapshot_instant(schema: pl.Schema) -> pl.Expr:
    """A snapshot's Int64 ns instant for state lookups: TimestampNanoseconds, else EventTimestamp."""
    event = pl.col(TIMESTAMP).dt.cast_time_unit("ns").cast(pl.Int64)
    if STATE_TIME in schema:
        return pl.coalesce(pl.col(STATE_TIME).dt.cast_time_unit("ns").cast(pl.Int64), event)
    return event


def state_events(marketstate: pl.LazyFrame, allowed: Sequence[str]) -> pl.LazyFrame:
    """``(ListingId, __state_t, __state_ok)``: the last event per listing and instant, sorted by time."""
    schema = marketstate.collect_schema()
    order = [STATE_TIME, *([STATE_SEQUENCE] if STATE_SEQUENCE in schema else [])]
    return (
        marketstate.filter(pl.col("ListingId").is_not_null() & pl.col(STATE_TIME).is_not_null())
        .sort("ListingId", *order)
        .select(
            "ListingId",
            pl.col(STATE_TIME).dt.cast_time_unit("ns").cast(pl.Int64).alias(_T),
            pl.col("MarketState").is_in(list(allowed)).fill_null(False).alias(_OK),
        )
        .unique(["ListingId", _T], keep="last", maintain_order=True)
        .sort(_T)
    )


def kept_rows(
    snapshots: pl.LazyFrame, marketstate: pl.LazyFrame, allowed: Sequence[str], row: str, *, cut: bool
) -> pl.LazyFrame:
    """Row numbers (column ``row`` of ``snapshots``) of the snapshots taken in an allowed state.

    With ``cut``, also ``__state_cut``: Int64 ns of the listing's next event into
    an excluded state after the snapshot (null: none), where its time stops.
    """
    schema = snapshots.collect_schema()
    events = state_events(marketstate, allowed)
    narrow = snapshots.select(row, "ListingId", snapshot_instant(schema).alias(_AT)).sort(_AT)
    stated = narrow.join_asof(
        events, left_on=_AT, right_on=_T, by="ListingId", strategy="backward", check_sortedness=False
    )
    kept = stated.filter(pl.col(_OK).fill_null(False))
    if not cut:
        return kept.select(row)
    excluded = events.filter(~pl.col(_OK)).select("ListingId", pl.col(_T).alias(_CUT))
    return (
        kept.select(row, "ListingId", _AT)
        .sort(_AT)
        .join_asof(
            excluded, left_on=_AT, right_on=_CUT, by="ListingId", strategy="forward", check_sortedness=False
        )
        .select(row, _CUT)
    )


CUT = _CUT
"""Name of the column :func:`kept_rows` adds with ``cut=True``."""


def filter_doc(allowed: Sequence[str], *, time_weighted: bool) -> str:
    """The sentence column definitions append when ``market_states`` is set."""
    states = ", ".join(allowed)
    text = (
        f" Only snapshots taken while the listing's market state (marketstate table, as of the snapshot) "
        f"is one of {states} count"
    )
    if time_weighted:
        text += "; a snapshot's time also ends at the next change into another state"
    return text + "."
