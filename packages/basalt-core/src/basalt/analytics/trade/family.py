"""The shape every piece of the ``trade`` module is built from.

A :class:`Family` is what one group of output columns needs from the single
``group_by`` the module runs: helper columns added to each trade row before
grouping (``prep``, names starting with ``_``), aggregations (``aggs``),
expressions over the aggregated frame (``post``) and the documentation of the
columns it finally emits (``docs``, in output order).

Trade order (Open, Close, First, Last, Volatility) is ``TradeTimestamp``, ties
broken by input row order. It is read through one Int128 key per trade,
``timestamp_ns × 2**64 + row`` (``row``: position among the kept trades), with
``min_by``/``max_by``: no sort of the input is needed and ties are never
left to chance.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from basalt.modules.columns import ColumnDoc

TIMESTAMP = "TradeTimestamp"
SIZE = "Size"
AGGRESSOR = "AggressorSide"
ROW = "_row"
"""Row-index column the module adds (after filtering) when a family reads trade order."""


@dataclass
class Family:
    """Helper columns, aggregations, post-aggregation columns and docs of some output columns."""

    prep: dict[str, pl.Expr] = field(default_factory=dict)
    aggs: list[pl.Expr] = field(default_factory=list)
    post: list[pl.Expr] = field(default_factory=list)
    docs: list[ColumnDoc] = field(default_factory=list)
    ordered: bool = False
    """True when ``prep`` uses :func:`order_key` (the module must then add :data:`ROW`)."""

    def extend(self, other: Family) -> None:
        """Add another family's pieces (helper columns of the same name are shared)."""
        self.prep.update(other.prep)
        self.aggs.extend(other.aggs)
        self.post.extend(other.post)
        self.docs.extend(other.docs)
        self.ordered |= other.ordered


def size() -> pl.Expr:
    """Trade size in shares, as Float64."""
    return pl.col(SIZE).cast(pl.Float64)


def price(column: str) -> pl.Expr:
    """The configured trade price column, as Float64."""
    return pl.col(column).cast(pl.Float64)


def ratio(numerator: str, denominator: str) -> pl.Expr:
    """``numerator / denominator`` of two aggregated columns, null unless the denominator is > 0."""
    return pl.when(pl.col(denominator) > 0).then(pl.col(numerator) / pl.col(denominator))


def order_key() -> pl.Expr:
    """Unique Int128 trade-order key: ``TradeTimestamp`` in ns, then row position."""
    nanoseconds = pl.col(TIMESTAMP).dt.cast_time_unit("ns").cast(pl.Int64).cast(pl.Int128)
    return nanoseconds * (2**64) + pl.col(ROW).cast(pl.Int128)
