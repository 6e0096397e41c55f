"""OHLC bars of touch prices within a bucket, for ``l2``.

A bar is built from the snapshots of one listing in one bucket, in snapshot
order (``EventTimestamp``, then ``L2EventNo``), over the snapshots where the
series has a value (``Mid`` is null on a one-sided book, for instance):

* ``event`` open mode — Open/Close: first/last value in the bucket;
  High/Low: max/min of the values in the bucket.
* ``prev_close`` open mode — Open: the last value *before* the bucket, of the
  same listing and day (buckets without snapshots, or without a value, carry
  it forward); High/Low also include that Open; Close: last value in the
  bucket, else that Open (a bucket whose snapshots all lack a value stays flat
  at the previous close). The first bucket of a day has no previous close: it
  opens on its first value, as in ``event`` mode.
"""

from __future__ import annotations

import polars as pl

from basalt.analytics.l2.measures import PRICE_UNIT, clean_price, mid, weighted_mid
from basalt.modules.columns import ColumnDoc

_SERIES_DEFINITION = {
    "Mid": "Mid = (BidPrice1 + AskPrice1) / 2",
    "Bid": "BidPrice1",
    "Ask": "AskPrice1",
    "WeightedMid": "WeightedMid = (BidPrice1 × AskQuantity1 + AskPrice1 × BidQuantity1) / "
    "(BidQuantity1 + AskQuantity1)",
}

_SERIES_SOURCES = {
    "Mid": ("l2.BidPrice1", "l2.AskPrice1"),
    "Bid": ("l2.BidPrice1",),
    "Ask": ("l2.AskPrice1",),
    "WeightedMid": ("l2.BidPrice1", "l2.AskPrice1", "l2.BidQuantity1", "l2.AskQuantity1"),
}

BARS = ("Open", "High", "Low", "Close")


def series_column(series: str) -> str:
    """Name of the temporary per-snapshot column holding ``series``."""
    return f"__ohlc_{series}"


def input_columns(series: tuple[str, ...]) -> list[str]:
    """The ``l2`` columns the series read."""
    names = {source.removeprefix("l2.") for name in series for source in _SERIES_SOURCES[name]}
    return sorted(names)


def series_exprs(series: tuple[str, ...]) -> list[pl.Expr]:
    """Per-snapshot value of each series (null where undefined)."""
    bid, ask = clean_price("BidPrice1"), clean_price("AskPrice1")
    exprs = {
        "Mid": lambda: mid(bid, ask),
        "Bid": lambda: bid,
        "Ask": lambda: ask,
        "WeightedMid": lambda: weighted_mid(
            bid, ask, pl.col("BidQuantity1").cast(pl.Int64), pl.col("AskQuantity1").cast(pl.Int64)
        ),
    }
    return [exprs[name]().alias(series_column(name)) for name in series]


def bar_aggs(series: tuple[str, ...], key: str) -> list[pl.Expr]:
    """Group aggregations of the bars; ``key`` orders snapshots (unique per snapshot).

    Open/Close are the values at the smallest/largest key among the snapshots
    where the series is not null (``min_by``/``max_by`` on a key masked where the
    value is null): no sort of the snapshots is needed.
    """
    aggs: list[pl.Expr] = []
    for name in series:
        value = pl.col(series_column(name))
        order = pl.when(value.is_not_null()).then(pl.col(key))
        aggs += [
            value.min_by(order).alias(f"{name}Open"),
            value.max().alias(f"{name}High"),
            value.min().alias(f"{name}Low"),
            value.max_by(order).alias(f"{name}Close"),
        ]
    return aggs


def open_from_previous_close(series: tuple[str, ...], partition: list[str]) -> list[list[pl.Expr]]:
    """Stages turning event bars into ``prev_close`` bars.

    Runs on bars of one (listing, day, bucket) each, sorted by bucket within
    ``partition`` (listing, day).
    """
    previous = [
        pl.col(f"{name}Close").forward_fill().shift(1).over(partition).alias(f"__prev_{name}")
        for name in series
    ]
    adjusted: list[pl.Expr] = []
    for name in series:
        prev = pl.col(f"__prev_{name}")
        adjusted += [
            pl.coalesce(prev, pl.col(f"{name}Open")).alias(f"{name}Open"),
            pl.max_horizontal(prev, pl.col(f"{name}High")).alias(f"{name}High"),
            pl.min_horizontal(prev, pl.col(f"{name}Low")).alias(f"{name}Low"),
            pl.coalesce(pl.col(f"{name}Close"), prev).alias(f"{name}Close"),
        ]
    return [previous, adjusted]


def merge_aggs(series: tuple[str, ...], key: str) -> list[pl.Expr]:
    """Aggregations merging bars into one, in the order of ``key`` (one per bar)."""
    aggs: list[pl.Expr] = []
    for name in series:
        opening, closing = pl.col(f"{name}Open"), pl.col(f"{name}Close")
        aggs += [
            opening.min_by(pl.when(opening.is_not_null()).then(pl.col(key))),
            pl.col(f"{name}High").max(),
            pl.col(f"{name}Low").min(),
            closing.max_by(pl.when(closing.is_not_null()).then(pl.col(key))),
        ]
    return aggs


def docs(series: tuple[str, ...], open_mode: str) -> list[ColumnDoc]:
    """Documentation of the bar columns."""
    out: list[ColumnDoc] = []
    order = "snapshots of the bucket in (EventTimestamp, L2EventNo) order, skipping those where it is null"
    if open_mode == "prev_close":
        empty = "Null when neither the bucket nor an earlier bucket of the day has a value."
    else:
        empty = "Null when no snapshot of the bucket has a value."
    for name in series:
        what = _SERIES_DEFINITION[name]
        if open_mode == "prev_close":
            open_doc = (
                f"Last non-null {what} before the bucket, of the same listing and day (buckets without a "
                "value carry it forward); in the day's first bucket, the first non-null value in it."
            )
            high_doc = f"Maximum of {what} over the {order}, and of the Open."
            low_doc = f"Minimum of {what} over the {order}, and of the Open."
            close_doc = f"Last non-null {what} in the bucket; the Open when the bucket has none."
        else:
            open_doc = f"First non-null {what} over the {order}."
            high_doc = f"Maximum of {what} over the {order}."
            low_doc = f"Minimum of {what} over the {order}."
            close_doc = f"Last non-null {what} over the {order}."
        for bar, definition in zip(BARS, (open_doc, high_doc, low_doc, close_doc), strict=True):
            out.append(
                ColumnDoc(
                    f"{name}{bar}",
                    unit=PRICE_UNIT,
                    definition=f"{definition} {empty}",
                    pattern="{Series}" + bar,
                    sources=(*_SERIES_SOURCES[name], "l2.EventTimestamp", "l2.L2EventNo"),
                    dtype="Float64",
                )
            )
    return out
