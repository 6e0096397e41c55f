"""What every operator shares: the panel's key names, the window rule, input coercion."""

from __future__ import annotations

import functools
import math
import operator

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


EXPLICIT_WINDOW = 32
"""Longest window whose sums and moments are computed from the window's own values.

Up to this many rows, ``sum``, ``adv{d}``, ``stddev``, ``covariance`` and
``correlation`` add the window's values left to right (a centred two-pass for
the moments): a value depends on nothing but the window, so equal windows give
bit-identical results wherever they occur. Longer windows use Polars' rolling
kernels within each listing (``.over("ListingId")``), which round along the
listing's own history — never another listing's.
"""

TIE_TOLERANCE = 1e-12
"""Relative tolerance under which ``rank``, ``ts_rank``, ``ts_argmax`` and ``ts_argmin`` see a tie.

A value ``y`` ties ``x`` when ``x - τ|x| <= y <= x + τ|x|`` (``τ`` = 1e-12, both
bounds computed in Float64). Statistics that are equal in exact arithmetic but
were reached by different roundings (a correlation of one window rolled in at two
different dates, a weighted sum of grid values in another order) differ by a few
units in the last place, ~1e-15 relative: far inside the band, so they tie as
mathematics says. Genuinely different values closer than 1e-12 relative are
practically absent from market data. An exact zero ties only exact zeros, which
is why statistics of ranks are computed in exact integer arithmetic.
"""


def tie_band(x: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """``(x - τ|x|, x + τ|x|)``: the values that tie ``x`` (see :data:`TIE_TOLERANCE`)."""
    margin = x.abs() * TIE_TOLERANCE
    return x - margin, x + margin


def total(terms: list[pl.Expr]) -> pl.Expr:
    """``terms[0] + terms[1] + …``, added left to right; null if any term is null.

    Not ``pl.sum_horizontal``: Polars 2 adds its inputs in a parallel reduction
    whose grouping varies from run to run, so the same window could round
    differently twice — and equal values would no longer tie.
    """
    return functools.reduce(operator.add, terms)
