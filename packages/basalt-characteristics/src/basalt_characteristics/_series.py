"""Ordered event series the book estimators share: L2 snapshots and trades, per listing-day.

Every estimator of this package that looks at consecutive events (OFI, returns,
price changes) reads them through these helpers, so the conventions are stated
once:

* **L2 snapshots** of a listing are ordered by (``EventTimestamp``,
  ``L2EventNo``) — the core's :func:`basalt.analytics.l2.snapshots.order_key` —
  and grouped into trading days by ``TradeDate`` (else the UTC date).
* **Trades** of a listing are ordered by ``TradeTimestamp``, ties broken by
  input row order (as the core's ``trade`` module does).
* Rows without a timestamp are dropped. Prices are read as Float64 with NaN as
  null (pandas-written files use NaN for absent levels).

The frames come back sorted by (``ListingId``, order) with helper columns
``__t`` (Int64 ns), ``__day`` and ``TimeBucket``; :func:`same_as_previous` then
says whether a row continues the previous row's group, which lets ``shift``
replace a windowed ``over`` (one sort of a narrow frame, then plain column
arithmetic).
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from basalt.analytics.l2.measures import clean_price
from basalt.analytics.l2.snapshots import day_expr, order_key, timestamp_ns
from basalt.timebuckets import TIME_BUCKET, TimeBuckets

T, DAY = "__t", "__day"
CONTINUOUS = "CONTINUOUS_TRADING"
"""BMLL ``MarketState`` of continuous trading."""
LIT_CONTINUOUS = "LIT_CONTINUOUS"
"""BMLL trades-plus ``Classification`` of lit continuous trades."""


def same_as_previous(*columns: str, lag: int = 1) -> pl.Expr:
    """True where the row ``lag`` rows up has the same values in ``columns`` (never null)."""
    same = pl.lit(True)
    for name in columns:
        same = same & (pl.col(name) == pl.col(name).shift(lag))
    return same.fill_null(False)


def position_in_run(new_run: pl.Expr) -> pl.Expr:
    """0, 1, 2… within runs of rows that start where ``new_run`` is True (rows already sorted)."""
    row = pl.int_range(pl.len(), dtype=pl.Int64)
    return row - pl.when(new_run).then(row).forward_fill()


def l2_series(
    l2: pl.LazyFrame, buckets: TimeBuckets, columns: Sequence[pl.Expr], *, continuous_flag: bool = False
) -> pl.LazyFrame:
    """L2 snapshots sorted per listing in snapshot order, with ``__t``, ``__day``, ``TimeBucket``.

    Args:
        l2: BMLL's ``l2`` table.
        buckets: The pass's bucket rules (labels from ``EventTimestamp``).
        columns: Extra expressions to carry (prices, quantities…).
        continuous_flag: Also add ``__cont``: True when ``MarketState`` is
            ``CONTINUOUS_TRADING`` (null state: False).
    """
    schema = l2.collect_schema()
    extra = (
        [(pl.col("MarketState") == CONTINUOUS).fill_null(False).alias("__cont")] if continuous_flag else []
    )
    return (
        l2.filter(pl.col("EventTimestamp").is_not_null())
        .select(
            "ListingId",
            timestamp_ns().alias(T),
            order_key().alias("__okey"),
            day_expr(schema).alias(DAY),
            *extra,
            *columns,
        )
        .sort("ListingId", "__okey", maintain_order=True)
        .with_columns(buckets.label(pl.col(T).cast(pl.Datetime("ns"))).alias(TIME_BUCKET))
    )


def trade_series(
    trades: pl.LazyFrame,
    buckets: TimeBuckets,
    columns: Sequence[pl.Expr],
    classifications: Sequence[str] | None,
) -> pl.LazyFrame:
    """Trades sorted per listing by ``TradeTimestamp`` (ties: input order), with helper columns.

    Args:
        trades: BMLL's trades-plus table.
        buckets: The pass's bucket rules (labels from ``TradeTimestamp``).
        columns: Extra expressions to carry.
        classifications: Keep only trades whose ``Classification`` is one of
            these (None: every trade).
    """
    schema = trades.collect_schema()
    kept = trades.filter(pl.col("TradeTimestamp").is_not_null())
    if classifications is not None:
        kept = kept.filter(pl.col("Classification").is_in(list(classifications)))
    day = pl.col("TradeDate") if "TradeDate" in schema else pl.col("TradeTimestamp").dt.date()
    return (
        kept.select(
            "ListingId",
            pl.col("TradeTimestamp").dt.cast_time_unit("ns").cast(pl.Int64).alias(T),
            day.alias(DAY),
            *columns,
        )
        .sort("ListingId", T, maintain_order=True)
        .with_columns(buckets.label(pl.col(T).cast(pl.Datetime("ns"))).alias(TIME_BUCKET))
    )


def positive_price(name: str) -> pl.Expr:
    """A price column as Float64, null unless finite and > 0 (so its logarithm exists)."""
    price = clean_price(name)
    return pl.when(price.is_finite() & (price > 0)).then(price)


__all__ = [
    "CONTINUOUS",
    "DAY",
    "LIT_CONTINUOUS",
    "T",
    "clean_price",
    "l2_series",
    "position_in_run",
    "positive_price",
    "same_as_previous",
    "trade_series",
]
