"""What every operator shares: the panel's key names, the window rule, input coercion."""

from __future__ import annotations

import math

import polars as pl

LISTING = "ListingId"
"""Column identifying a listing: time-series operators work within it."""

DATE = "TimeBucket"
"""Column identifying a date (bar): cross-sectional operators work within it."""

IntoExpr = pl.Expr | float | int
"""An expression, or a number taken as a literal."""


def expr(value: IntoExpr) -> pl.Expr:
    """``value`` as an expression; a Python number becomes a Float64 literal."""
    if isinstance(value, pl.Expr):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected a Polars expression or a number, got {type(value).__name__}")
    return pl.lit(float(value), dtype=pl.Float64)


def window(d: float, *, op: str, minimum: int = 1) -> int:
    """Whole days of a window: the paper floors non-integer lengths (``9.91 -> 9``).

    Raises:
        TypeError: ``d`` is not a number (a window cannot vary by row).
        ValueError: The floored window is shorter than ``minimum``.
    """
    if isinstance(d, bool) or not isinstance(d, int | float):
        raise TypeError(f"{op}: the window must be a number of days, got {type(d).__name__}")
    days = math.floor(d)
    if days < minimum:
        raise ValueError(f"{op}: window {d!r} floors to {days} day(s); it needs at least {minimum}")
    return days


def finite(value: pl.Expr) -> pl.Expr:
    """``value`` where it is finite, else null (NaN and ±inf never leave an operator)."""
    return pl.when(value.is_finite()).then(value)


def divide(x: pl.Expr, divisor: float) -> pl.Expr:
    """``x / divisor``, correctly rounded.

    Polars divides by a scalar through its reciprocal (``x * (1 / c)``), which can
    be one unit in the last place off: ``7 / 29`` would not equal the ``7 / 29``
    another implementation computes, and ties between such values would break at
    random. Dividing by a full-length column makes Polars divide element by element.
    """
    return x / (pl.int_range(pl.len()) * 0 + divisor).cast(pl.Float64)
