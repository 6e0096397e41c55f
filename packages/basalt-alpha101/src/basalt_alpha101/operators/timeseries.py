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

from basalt_alpha101.operators._common import LISTING, IntoExpr, divide, expr, window

_SPREAD_HEAD = 20
"""Values at the start of a listing whose spread normalises correlation inputs."""


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
    return _full(expr(x).rolling_sum(days), days)


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
    return _full(expr(x).rolling_mean(days), days)


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
    """How many rows ago, within the last ``d``, ``x`` equalled ``extreme`` (the earliest).

    The building block of :func:`ts_argmax` / :func:`ts_argmin`, with ``extreme``
    their rolling max / min. Null where ``extreme`` is null or never matched.

    Examples
    --------
    >>> import polars as pl
    >>> from basalt_alpha101.operators import days_ago
    >>> df = pl.DataFrame({"ListingId": [1, 1, 1], "x": [5.0, 1.0, 5.0]})
    >>> df.select(days_ago(pl.col("x"), 5.0, 3)).to_series().to_list()
    [0.0, 1.0, 2.0]
    """
    x, extreme = expr(x), expr(extreme)
    days = window(d, op="days_ago")
    # The largest lag holding the extreme: ties go to the earliest occurrence.
    lags = [pl.when(_lag(x, k) == extreme).then(pl.lit(float(k))) for k in range(days)]
    return pl.max_horizontal(lags)


def ts_argmax(x: IntoExpr, d: float) -> pl.Expr:
    """``ts_argmax(x, d)``: how many days ago the maximum of the last ``d`` values was.

    Today is 0, the oldest day of the window ``d - 1``. Ties go to the earliest
    occurrence (the largest days-ago). Strict window.

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

    Today is 0; ties go to the earliest occurrence (the largest days-ago). Strict window.

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
    # r - 1 = #(older values below today's) + #(older values equal) / 2 = (sum of
    # sign(x - older) + d - 1) / 2: exact integer arithmetic, several times faster
    # than rolling_rank, and null as soon as one value of the window is null.
    signs = [(x - _lag(x, k)).sign() for k in range(1, days)]
    score = pl.sum_horizontal(signs, ignore_nulls=False)
    return divide(score + (days - 1), 2 * (days - 1))


def stddev(x: IntoExpr, d: float) -> pl.Expr:
    """``stddev(x, d)``: population standard deviation (ddof = 0) of the last ``d`` values.

    Strict window; a constant window gives exactly 0.

    Examples
    --------
    >>> import polars as pl
    >>> from basalt_alpha101.operators import stddev
    >>> df = pl.DataFrame({"ListingId": [1, 1, 1], "x": [1.0, 3.0, 3.0]})
    >>> df.select(stddev(pl.col("x"), 2)).to_series().to_list()
    [None, 1.0, 0.0]
    """
    days = window(d, op="stddev")
    return _full(expr(x).rolling_std(days, ddof=0), days)


def _spread(x: pl.Expr) -> pl.Expr:
    # A per-listing scale from the listing's first values only (no look-ahead).
    # Correlation is scale-free and covariance multiplies the same scales back, so
    # results never depend on it; only rounding does.
    spread = x.drop_nulls().head(_SPREAD_HEAD).std(ddof=0)
    return pl.when(spread > 0).then(spread).otherwise(pl.lit(1.0)).over(LISTING)


def normalised(x: IntoExpr) -> pl.Expr:
    """``x`` divided by its spread over the listing's first 20 values (1 if that is 0).

    Correlation is scale-free, and bringing both series to comparable spreads
    keeps :func:`correlation_of_normalised` accurate when, say, prices meet
    dollar volumes. The scale uses no later data.

    Examples
    --------
    >>> import polars as pl
    >>> from basalt_alpha101.operators import normalised
    >>> df = pl.DataFrame({"ListingId": [1, 1, 2, 2], "x": [1.0, 3.0, 5.0, 5.0]})
    >>> df.select(normalised(pl.col("x"))).to_series().to_list()
    [1.0, 3.0, 5.0, 5.0]
    """
    x = expr(x)
    return x / _spread(x)


def _var(x: pl.Expr, days: int) -> pl.Expr:
    return x.rolling_var(days, ddof=0)


def _cov(u: pl.Expr, v: pl.Expr, days: int) -> pl.Expr:
    # cov(u, v) = (var(u + v) - var(u - v)) / 4 on Polars' numerically stable rolling
    # variance: the naive E[uv] - E[u]E[v] loses ~1e-9 on smooth series such as adv.
    # u + v is null where either is, so the window needs d complete pairs.
    return (_var(u + v, days) - _var(u - v, days)) / 4


def covariance(x: IntoExpr, y: IntoExpr, d: float) -> pl.Expr:
    """``covariance(x, y, d)``: population covariance (ddof = 0) over the last ``d`` rows.

    Needs ``d`` rows where both ``x`` and ``y`` are present, else null.

    Examples
    --------
    >>> import polars as pl
    >>> from basalt_alpha101.operators import covariance
    >>> df = pl.DataFrame({"ListingId": [1, 1, 1], "x": [1.0, 2.0, 3.0], "y": [2.0, 4.0, 9.0]})
    >>> df.select(covariance(pl.col("x"), pl.col("y"), 2).round(12)).to_series().to_list()
    [None, 0.5, 1.25]
    """
    x, y = expr(x), expr(y)
    days = window(d, op="covariance")
    sx, sy = _spread(x), _spread(y)
    u, v = x / sx, y / sy
    # A constant side makes the covariance exactly 0, not rounding noise (which
    # would decide the ranks of such ties at random).
    flat = (_var(u, days) == 0) | (_var(v, days) == 0)
    cov_uv = _cov(u, v, days)  # null unless the window has d complete pairs
    return _full(pl.when(flat & cov_uv.is_not_null()).then(0.0).otherwise(cov_uv * sx * sy), days)


def correlation_of_normalised(u: IntoExpr, v: IntoExpr, d: float) -> pl.Expr:
    """:func:`correlation` of two series already passed through :func:`normalised`.

    Examples
    --------
    >>> import polars as pl
    >>> from basalt_alpha101.operators import correlation_of_normalised
    >>> df = pl.DataFrame({"ListingId": [1, 1, 1], "u": [1.0, 2.0, 3.0], "v": [3.0, 2.0, 1.0]})
    >>> df.select(correlation_of_normalised(pl.col("u"), pl.col("v"), 3)).to_series().to_list()
    [None, None, -1.0]
    """
    u, v = expr(u), expr(v)
    days = window(d, op="correlation", minimum=3)
    var_u, var_v = _var(u, days), _var(v, days)
    corr = (_cov(u, v, days) / (var_u * var_v).sqrt()).clip(-1.0, 1.0)
    return _full(pl.when((var_u > 0) & (var_v > 0)).then(corr), days)


def correlation(x: IntoExpr, y: IntoExpr, d: float) -> pl.Expr:
    """``correlation(x, y, d)``: Pearson correlation over the last ``d`` rows.

    Needs ``d`` rows where both are present; a window where either series is
    constant (zero variance) gives null. Needs ``d >= 2``; with ``d = 2`` the
    result is exactly ``sign(delta(x, 1) * delta(y, 1))``.

    Examples
    --------
    >>> import polars as pl
    >>> from basalt_alpha101.operators import correlation
    >>> df = pl.DataFrame(
    ...     {"ListingId": [1, 1, 1, 1], "x": [1.0, 2.0, 3.0, 3.0], "y": [1.0, 3.0, 2.0, 5.0]}
    ... )
    >>> df.select(correlation(pl.col("x"), pl.col("y"), 3).round(12)).to_series().to_list()
    [None, None, 0.5, 0.188982236505]
    >>> df.select(correlation(pl.col("x"), pl.col("y"), 2)).to_series().to_list()
    [None, 1.0, -1.0, None]
    """
    x, y = expr(x), expr(y)
    days = window(d, op="correlation", minimum=2)
    if days == 2:
        # Two points are always perfectly (anti-)correlated: say so exactly, so that
        # ranks of such values tie as they should instead of by rounding noise.
        dx, dy = x - _lag(x, 1), y - _lag(y, 1)
        return pl.when((dx != 0) & (dy != 0)).then(dx.sign() * dy.sign()).cast(pl.Float64)
    return correlation_of_normalised(normalised(x), normalised(y), days)


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
    weighted = pl.sum_horizontal([(days - k) * lag.fill_null(0.0) for k, lag in enumerate(lags)])
    present = pl.any_horizontal([lag.is_not_null() for lag in lags])
    return pl.when(present).then(divide(weighted, days * (days + 1) / 2))


__all__ = [
    "correlation",
    "correlation_of_normalised",
    "covariance",
    "days_ago",
    "decay_linear",
    "delay",
    "delta",
    "normalised",
    "product",
    "same_listing",
    "stddev",
    "ts_argmax",
    "ts_argmin",
    "ts_max",
    "ts_mean",
    "ts_min",
    "ts_rank",
    "ts_sum",
]
