"""Time-series operators: each listing on its own, over its last ``d`` rows.

The panel must be sorted by (``ListingId``, ``TimeBucket``): "the past d days" are
the listing's previous ``d`` rows, so a missing date is simply not there. Each
operator works on the whole column at once and masks the rows whose window
would reach into the previous listing (``ListingId`` ``k`` rows up differs) —
cheaper than ``.over("ListingId")``, and it lets the argument hold cross-sectional
operators (``ts_rank(rank(low), 9)`` is one expression). A cross-sectional
operator, in turn, must not take a time-series one as argument (Polars would
evaluate it within each date): materialise it as a column first, as
:func:`basalt_alpha101.compute` does.

Windows are strict — all ``d`` values must be present, else null — except
``decay_linear`` (see there). Non-integer windows are floored, as the paper's
appendix says (``9.91 -> 9``).
"""

from __future__ import annotations

import functools
import operator

import polars as pl

from basalt_alpha101.operators._common import (
    EXPLICIT_WINDOW,
    LISTING,
    IntoExpr,
    divide,
    expr,
    tie_band,
    total,
    window,
)


def same_listing(k: int) -> pl.Expr:
    """True where the row ``k`` rows above belongs to the same listing (sorted panel)."""
    listing = pl.col(LISTING)
    return listing.shift(k) == listing


def _lag(x: pl.Expr, k: int) -> pl.Expr:
    # x, k rows back within the same listing; null at the listing's first k rows.
    return x if k == 0 else pl.when(same_listing(k)).then(x.shift(k))


def _full(value: pl.Expr, days: int) -> pl.Expr:
    # A whole-column rolling result, kept only where its window is one listing's.
    return value if days == 1 else pl.when(same_listing(days - 1)).then(value)


def window_sum(x: pl.Expr, days: int) -> pl.Expr:
    """Sum of the last ``days`` rows of ``x`` (unmasked: the caller masks listing boundaries).

    Up to :data:`~basalt_alpha101.operators._common.EXPLICIT_WINDOW` rows the
    window's values are added left to right (deterministic, history-free); longer
    windows use ``rolling_sum`` within each listing.
    """
    if days > EXPLICIT_WINDOW:
        return x.rolling_sum(days).over(LISTING)
    return total([x.shift(k) for k in range(days)])


def delay(x: IntoExpr, d: float) -> pl.Expr:
    """``delay(x, d)``: the value of ``x`` ``d`` rows (days) ago; null before that.

    Examples
    --------
    >>> import polars as pl
    >>> from basalt_alpha101.operators import delay
    >>> df = pl.DataFrame({"ListingId": [1, 1, 1, 2, 2], "x": [1.0, 2.0, 3.0, 9.0, 8.0]})
    >>> df.select(delay(pl.col("x"), 1)).to_series().to_list()
    [None, 1.0, 2.0, None, 9.0]
    """
    return _lag(expr(x), window(d, op="delay"))


def delta(x: IntoExpr, d: float) -> pl.Expr:
    """``delta(x, d) = x - delay(x, d)``.

    Examples
    --------
    >>> import polars as pl
    >>> from basalt_alpha101.operators import delta
    >>> df = pl.DataFrame({"ListingId": [1, 1, 1], "x": [1.0, 4.0, 9.0]})
    >>> df.select(delta(pl.col("x"), 1.9)).to_series().to_list()  # 1.9 floors to 1
    [None, 3.0, 5.0]
    """
    x = expr(x)
    return x - _lag(x, window(d, op="delta"))


def ts_sum(x: IntoExpr, d: float) -> pl.Expr:
    """The paper's ``sum(x, d)``: sum of the last ``d`` values (strict window).

    Examples
    --------
    >>> import polars as pl
    >>> from basalt_alpha101.operators import ts_sum
    >>> df = pl.DataFrame({"ListingId": [1, 1, 1, 1], "x": [1.0, 2.0, None, 4.0]})
    >>> df.select(ts_sum(pl.col("x"), 2)).to_series().to_list()
    [None, 3.0, None, None]
    """
    days = window(d, op="sum")
    return _full(window_sum(expr(x), days), days)


def ts_mean(x: IntoExpr, d: float) -> pl.Expr:
    """Mean of the last ``d`` values (strict window); ``adv{d}`` is ``ts_mean(amount, d)``.

    Examples
    --------
    >>> import polars as pl
    >>> from basalt_alpha101.operators import ts_mean
    >>> df = pl.DataFrame({"ListingId": [1, 1, 1], "amount": [10.0, 20.0, 60.0]})
    >>> df.select(ts_mean(pl.col("amount"), 2)).to_series().to_list()
    [None, 15.0, 40.0]
    """
    days = window(d, op="ts_mean")
    return _full(divide(window_sum(expr(x), days), days), days)


def product(x: IntoExpr, d: float) -> pl.Expr:
    """``product(x, d)``: product of the last ``d`` values (strict window).

    Examples
    --------
    >>> import polars as pl
    >>> from basalt_alpha101.operators import product
    >>> df = pl.DataFrame({"ListingId": [1, 1, 1], "x": [2.0, 3.0, -1.0]})
    >>> df.select(product(pl.col("x"), 2)).to_series().to_list()
    [None, 6.0, -3.0]
    """
    x = expr(x)
    days = window(d, op="product")
    return functools.reduce(operator.mul, [_lag(x, k) for k in range(days)])


def ts_min(x: IntoExpr, d: float) -> pl.Expr:
    """``ts_min(x, d)``: minimum of the last ``d`` values (strict window).

    Examples
    --------
    >>> import polars as pl
    >>> from basalt_alpha101.operators import ts_min
    >>> df = pl.DataFrame({"ListingId": [1, 1, 1], "x": [2.0, 1.0, 3.0]})
    >>> df.select(ts_min(pl.col("x"), 2)).to_series().to_list()
    [None, 1.0, 1.0]
    """
    days = window(d, op="ts_min")
    return _full(expr(x).rolling_min(days), days)


def ts_max(x: IntoExpr, d: float) -> pl.Expr:
    """``ts_max(x, d)``: maximum of the last ``d`` values (strict window).

    Examples
    --------
    >>> import polars as pl
    >>> from basalt_alpha101.operators import ts_max
    >>> df = pl.DataFrame({"ListingId": [1, 1, 1], "x": [2.0, 1.0, 3.0]})
    >>> df.select(ts_max(pl.col("x"), 2)).to_series().to_list()
    [None, 2.0, 3.0]
    """
    days = window(d, op="ts_max")
    return _full(expr(x).rolling_max(days), days)


def days_ago(x: IntoExpr, extreme: IntoExpr, d: float) -> pl.Expr:
    """How many rows ago, within the last ``d``, ``x`` tied ``extreme`` (the earliest such row).

    The building block of :func:`ts_argmax` / :func:`ts_argmin`, with ``extreme``
    their rolling max / min. A value ties ``extreme`` when it lies within
    ``extreme ± 1e-12|extreme|`` (:data:`~basalt_alpha101.operators.TIE_TOLERANCE`),
    so a maximum reached twice by different roundings still counts as reached twice.
    Null where ``extreme`` is null or never matched.

    Examples
    --------
    >>> import polars as pl
    >>> from basalt_alpha101.operators import days_ago
    >>> df = pl.DataFrame({"ListingId": [1, 1, 1], "x": [5.0, 1.0, 5.0 - 1e-15]})
    >>> df.select(days_ago(pl.col("x"), 5.0, 3)).to_series().to_list()
    [0.0, 1.0, 2.0]
    """
    x, extreme = expr(x), expr(extreme)
    days = window(d, op="days_ago")
    lo, hi = tie_band(extreme)
    # The largest lag holding the extreme: ties go to the earliest occurrence.
    lags = [pl.when(_lag(x, k).is_between(lo, hi)).then(pl.lit(float(k))) for k in range(days)]
    return pl.max_horizontal(lags)


def ts_argmax(x: IntoExpr, d: float) -> pl.Expr:
    """``ts_argmax(x, d)``: how many days ago the maximum of the last ``d`` values was.

    Today is 0, the oldest day of the window ``d - 1``. Ties — values within
    ``1e-12`` relative of the maximum (:data:`~basalt_alpha101.operators.TIE_TOLERANCE`) —
    go to the earliest occurrence (the largest days-ago). Strict window.

    Examples
    --------
    >>> import polars as pl
    >>> from basalt_alpha101.operators import ts_argmax
    >>> df = pl.DataFrame({"ListingId": [1, 1, 1, 1], "x": [5.0, 1.0, 5.0, 2.0]})
    >>> df.select(ts_argmax(pl.col("x"), 3)).to_series().to_list()
    [None, None, 2.0, 1.0]
    """
    x = expr(x)
    days = window(d, op="ts_argmax")
    return days_ago(x, _full(x.rolling_max(days), days), days)


def ts_argmin(x: IntoExpr, d: float) -> pl.Expr:
    """``ts_argmin(x, d)``: how many days ago the minimum of the last ``d`` values was.

    Today is 0; ties — values within ``1e-12`` relative of the minimum
    (:data:`~basalt_alpha101.operators.TIE_TOLERANCE`) — go to the earliest
    occurrence (the largest days-ago). Strict window.

    Examples
    --------
    >>> import polars as pl
    >>> from basalt_alpha101.operators import ts_argmin
    >>> df = pl.DataFrame({"ListingId": [1, 1, 1, 1], "x": [1.0, 3.0, 1.0, 0.0]})
    >>> df.select(ts_argmin(pl.col("x"), 3)).to_series().to_list()
    [None, None, 2.0, 0.0]
    """
    x = expr(x)
    days = window(d, op="ts_argmin")
    return days_ago(x, _full(x.rolling_min(days), days), days)


def ts_rank(x: IntoExpr, d: float) -> pl.Expr:
    """``ts_rank(x, d)``: rank of today's value among the last ``d``, scaled to [0, 1].

    The average rank ``r`` (ties share the mean of their ranks) becomes
    ``(r - 1) / (d - 1)``; any null in the window gives null. Needs ``d >= 2``.
    An older value ties today's ``x`` when it lies within ``x ± 1e-12|x|``
    (:data:`~basalt_alpha101.operators.TIE_TOLERANCE`). The result is an integer
    over ``2(d - 1)``, correctly rounded.

    Examples
    --------
    >>> import polars as pl
    >>> from basalt_alpha101.operators import ts_rank
    >>> df = pl.DataFrame({"ListingId": [1, 1, 1, 1], "x": [3.0, 1.0, 3.0, 0.5]})
    >>> df.select(ts_rank(pl.col("x"), 3)).to_series().to_list()
    [None, None, 0.75, 0.0]
    """
    x = expr(x)
    days = window(d, op="ts_rank", minimum=2)
    # r - 1 = #(older values below today's band) + #(older values in it) / 2
    # = (sum of s_k + d - 1) / 2, with s_k = +1 below, -1 above, 0 tied: exact
    # integer arithmetic, several times faster than rolling_rank, and null as soon
    # as one value of the window is null.
    lo, hi = tie_band(x)
    signs = [
        (older < lo).cast(pl.Float64) - (older > hi).cast(pl.Float64)
        for older in (_lag(x, k) for k in range(1, days))
    ]
    score = total(signs)
    return divide(score + (days - 1), 2 * (days - 1))


def decay_linear(x: IntoExpr, d: float) -> pl.Expr:
    """``decay_linear(x, d)``: linearly weighted mean of the last ``d`` values.

    Weights are ``d`` (today), ``d - 1``, …, ``1`` (oldest), divided by the full
    sum ``d (d + 1) / 2``. A missing value — a null, or a row before the listing's
    first — counts as 0; only a window with no value at all gives null.

    Examples
    --------
    >>> import polars as pl
    >>> from basalt_alpha101.operators import decay_linear
    >>> df = pl.DataFrame({"ListingId": [1, 1, 1, 1], "x": [3.0, None, 6.0, None]})
    >>> df.select(decay_linear(pl.col("x"), 2)).to_series().to_list()
    [2.0, 1.0, 4.0, 2.0]
    """
    x = expr(x)
    days = window(d, op="decay_linear")
    lags = [_lag(x, k) for k in range(days)]
    weighted = total([(days - k) * lag.fill_null(0.0) for k, lag in enumerate(lags)])
    present = pl.any_horizontal([lag.is_not_null() for lag in lags])
    return pl.when(present).then(divide(weighted, days * (days + 1) / 2))


__all__ = [
    "days_ago",
    "decay_linear",
    "delay",
    "delta",
    "product",
    "same_listing",
    "ts_argmax",
    "ts_argmin",
    "ts_max",
    "ts_mean",
    "ts_min",
    "ts_rank",
    "ts_sum",
]
