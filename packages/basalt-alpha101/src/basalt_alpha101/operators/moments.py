"""Second moments over a listing's last ``d`` rows: ``stddev``, ``covariance``, ``correlation``.

Three ways to compute them, chosen so that values equal in exact arithmetic come
out equal (or within :data:`~basalt_alpha101.operators.TIE_TOLERANCE`), which
the ranks and arg-maxes taken of them rely on:

* **Windows of up to 32 rows: centred two-pass** over the window's own values
  (the mean, then the sums of products of deviations, with the correction term of
  Chan, Golub & LeVeque, "Algorithms for computing the sample variance", *The
  American Statistician* 37(3), 1983). A value depends only on the window's
  values in their order — not on the rows before it, the listing before it or the
  date batching — so equal windows give bit-identical results, and there is no
  cancellation between large moments (``E[xy] − E[x]E[y]``).
* **Windows longer than 32 rows** (Alpha#32, #36, #48: 200–250 days) use Polars'
  numerically stable rolling variance, within each listing, on series normalised
  by their early spread (:func:`correlation_of_normalised`): accurate to ~1e-13
  but rounded along the listing's own history.
* **Statistics of ranks** (:func:`covariance_on_grid`, :func:`correlation_on_grid`,
  used by :func:`basalt_alpha101.compute` when both arguments are ``rank`` or
  ``Ts_Rank`` values): exact integer arithmetic on the rank grid, the final
  division or square root rounded once — so a covariance that is 0 in
  mathematics is exactly 0, and equal windows give equal values.

The windows are strict: ``d`` complete pairs, else null.
"""

from __future__ import annotations

import polars as pl

from basalt_alpha101.operators._common import EXPLICIT_WINDOW, LISTING, IntoExpr, expr, total, window
from basalt_alpha101.operators.timeseries import _full, _lag

_SPREAD_HEAD = 20
"""Values at the start of a listing whose spread normalises long-window correlation inputs."""


def _flat(x: pl.Expr, days: int) -> pl.Expr:
    # Exactly constant over the window (null if the window holds a null).
    return x.rolling_max(days) == x.rolling_min(days)


def window_mean(x: IntoExpr, d: float) -> pl.Expr:
    """Mean of the last ``d`` rows, their values added left to right (unmasked: raw shifts).

    The first pass of :func:`centred_correlation` / :func:`centred_covariance`;
    :func:`basalt_alpha101.compute` materialises it as a column so that the
    second pass refers to it instead of repeating it ``d`` times.

    Examples
    --------
    >>> import polars as pl
    >>> from basalt_alpha101.operators import window_mean
    >>> pl.DataFrame({"x": [1.0, 2.0, 6.0]}).select(window_mean(pl.col("x"), 2)).to_series().to_list()
    [None, 1.5, 4.0]
    """
    x = expr(x)
    days = window(d, op="window_mean")
    return total([x.shift(k) for k in range(days)]) / days


def _centred(
    x: pl.Expr, y: pl.Expr, mean_x: pl.Expr, mean_y: pl.Expr, days: int
) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """``(Sxy, Sxx, Syy)``: sums of products of deviations from the window means (second pass).

    Raw shifts: a window reaching into the previous listing is masked by the caller.
    """
    dx = [x.shift(k) - mean_x for k in range(days)]
    dy = [y.shift(k) - mean_y for k in range(days)]
    # The rounding residue of the means, sum(dx), corrects the second pass (Chan et al. 1983).
    ex, ey = total(dx), total(dy)
    sxy = total([a * b for a, b in zip(dx, dy, strict=True)]) - ex * ey / days
    sxx = total([a * a for a in dx]) - ex * ex / days
    syy = total([b * b for b in dy]) - ey * ey / days
    return sxy, sxx, syy


def centred_covariance(x: IntoExpr, y: IntoExpr, mean_x: IntoExpr, mean_y: IntoExpr, d: float) -> pl.Expr:
    """:func:`covariance` given the window means (:func:`window_mean`) of ``x`` and ``y``.

    Examples
    --------
    >>> import polars as pl
    >>> from basalt_alpha101.operators import centred_covariance, window_mean
    >>> df = pl.DataFrame({"ListingId": [1, 1, 1], "x": [1.0, 2.0, 3.0], "y": [2.0, 4.0, 9.0]})
    >>> means = df.with_columns(mx=window_mean(pl.col("x"), 2), my=window_mean(pl.col("y"), 2))
    >>> means.select(centred_covariance("x", "y", "mx", "my", 2)).to_series().to_list()
    [None, 0.5, 1.25]
    """
    x, y, mean_x, mean_y = (pl.col(v) if isinstance(v, str) else expr(v) for v in (x, y, mean_x, mean_y))
    days = window(d, op="covariance")
    sxy, _, _ = _centred(x, y, mean_x, mean_y, days)
    flat = _flat(x, days) | _flat(y, days)
    return _full(pl.when(sxy.is_not_null()).then(pl.when(flat).then(0.0).otherwise(sxy / days)), days)


def centred_correlation(x: IntoExpr, y: IntoExpr, mean_x: IntoExpr, mean_y: IntoExpr, d: float) -> pl.Expr:
    """:func:`correlation` (``d >= 3``) given the window means (:func:`window_mean`) of ``x`` and ``y``.

    Examples
    --------
    >>> import polars as pl
    >>> from basalt_alpha101.operators import centred_correlation, window_mean
    >>> df = pl.DataFrame({"ListingId": [1, 1, 1], "x": [1.0, 2.0, 3.0], "y": [1.0, 3.0, 2.0]})
    >>> means = df.with_columns(mx=window_mean(pl.col("x"), 3), my=window_mean(pl.col("y"), 3))
    >>> means.select(centred_correlation("x", "y", "mx", "my", 3)).to_series().to_list()
    [None, None, 0.5]
    """
    x, y, mean_x, mean_y = (pl.col(v) if isinstance(v, str) else expr(v) for v in (x, y, mean_x, mean_y))
    days = window(d, op="correlation", minimum=3)
    sxy, sxx, syy = _centred(x, y, mean_x, mean_y, days)
    varying = ~(_flat(x, days) | _flat(y, days)) & (sxx > 0) & (syy > 0)
    return _full(pl.when(varying).then((sxy / (sxx * syy).sqrt()).clip(-1.0, 1.0)), days)


def centred_stddev(x: IntoExpr, mean_x: IntoExpr, d: float) -> pl.Expr:
    """:func:`stddev` given the window mean (:func:`window_mean`) of ``x``.

    Examples
    --------
    >>> import polars as pl
    >>> from basalt_alpha101.operators import centred_stddev, window_mean
    >>> df = pl.DataFrame({"ListingId": [1, 1, 1], "x": [1.0, 3.0, 3.0]})
    >>> means = df.with_columns(m=window_mean(pl.col("x"), 2))
    >>> means.select(centred_stddev("x", "m", 2)).to_series().to_list()
    [None, 1.0, 0.0]
    """
    x, mean_x = (pl.col(v) if isinstance(v, str) else expr(v) for v in (x, mean_x))
    days = window(d, op="stddev")
    dx = [x.shift(k) - mean_x for k in range(days)]
    ex = total(dx)
    variance = (total([a * a for a in dx]) - ex * ex / days) / days
    value = pl.when(_flat(x, days)).then(0.0).otherwise(variance.clip(lower_bound=0.0).sqrt())
    return _full(pl.when(variance.is_not_null()).then(value), days)


def stddev(x: IntoExpr, d: float) -> pl.Expr:
    """``stddev(x, d)``: population standard deviation (ddof = 0) of the last ``d`` values.

    Strict window; a constant window gives exactly 0. Centred two-pass up to 32
    days, Polars' rolling standard deviation beyond.

    Examples
    --------
    >>> import polars as pl
    >>> from basalt_alpha101.operators import stddev
    >>> df = pl.DataFrame({"ListingId": [1, 1, 1], "x": [1.0, 3.0, 3.0]})
    >>> df.select(stddev(pl.col("x"), 2)).to_series().to_list()
    [None, 1.0, 0.0]
    """
    x = expr(x)
    days = window(d, op="stddev")
    if days > EXPLICIT_WINDOW:
        return _full(x.rolling_std(days, ddof=0).over(LISTING), days)
    return centred_stddev(x, window_mean(x, days), days)


def covariance(x: IntoExpr, y: IntoExpr, d: float) -> pl.Expr:
    """``covariance(x, y, d)``: population covariance (ddof = 0) over the last ``d`` rows.

    Needs ``d`` rows where both ``x`` and ``y`` are present, else null; a constant
    side gives exactly 0.

    Examples
    --------
    >>> import polars as pl
    >>> from basalt_alpha101.operators import covariance
    >>> df = pl.DataFrame({"ListingId": [1, 1, 1], "x": [1.0, 2.0, 3.0], "y": [2.0, 4.0, 9.0]})
    >>> df.select(covariance(pl.col("x"), pl.col("y"), 2)).to_series().to_list()
    [None, 0.5, 1.25]
    """
    x, y = expr(x), expr(y)
    days = window(d, op="covariance")
    if days > EXPLICIT_WINDOW:
        return _rolling_covariance(x, y, days)
    return centred_covariance(x, y, window_mean(x, days), window_mean(y, days), days)


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
    if days > EXPLICIT_WINDOW:
        return correlation_of_normalised(normalised(x), normalised(y), days)
    return centred_correlation(x, y, window_mean(x, days), window_mean(y, days), days)


# -- statistics of ranks: exact integer arithmetic on the grid ------------------------


def _grid_sums(kx: pl.Expr, ky: pl.Expr, days: int) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """``d·Σxy − ΣxΣy``, ``d·Σx² − (Σx)²``, ``d·Σy² − (Σy)²`` of integer-valued series: exact.

    Every sum and product is an integer below 2**53 (a rank numerator is at most
    ``2(n - 1)``), so Float64 holds it exactly, in any order of summation.
    """
    sx, sy = kx.rolling_sum(days), ky.rolling_sum(days)
    sxy = (kx * ky).rolling_sum(days)
    sxx, syy = (kx * kx).rolling_sum(days), (ky * ky).rolling_sum(days)
    return days * sxy - sx * sy, days * sxx - sx * sx, days * syy - sy * sy


def _steady(m: pl.Expr, days: int) -> pl.Expr:
    # The grid's denominator is the same on every row of the window (a literal always is).
    if not m.meta.root_names():
        return pl.lit(True)
    return m.rolling_min(days) == m.rolling_max(days)


def covariance_on_grid(kx: IntoExpr, mx: IntoExpr, ky: IntoExpr, my: IntoExpr, d: float) -> pl.Expr:
    """:func:`covariance` of ``x = kx / mx`` and ``y = ky / my`` with integer ``kx``, ``ky``.

    ``mx``, ``my`` (the grids' denominators, e.g. ``2(n - 1)`` of a rank) must be
    the same throughout the window, else the result is null (fall back to
    :func:`covariance` there). The numerator ``d·Σkx·ky − Σkx·Σky`` is exact, so
    the result is the exact covariance rounded once, exactly 0 when it is 0.

    Examples
    --------
    >>> import polars as pl
    >>> from basalt_alpha101.operators import covariance_on_grid
    >>> df = pl.DataFrame({"ListingId": [1] * 3, "k": [0.0, 2.0, 4.0], "j": [4.0, 0.0, 4.0]})
    >>> df.select(covariance_on_grid(pl.col("k"), 4.0, pl.col("j"), 4.0, 3)).to_series().to_list()
    [None, None, 0.0]
    """
    kx, mx, ky, my = expr(kx), expr(mx), expr(ky), expr(my)
    days = window(d, op="covariance")
    nxy, _, _ = _grid_sums(kx, ky, days)
    value = nxy / (mx * my * float(days * days))
    return _full(pl.when(_steady(mx, days) & _steady(my, days)).then(value), days)


def correlation_on_grid(kx: IntoExpr, mx: IntoExpr, ky: IntoExpr, my: IntoExpr, d: float) -> pl.Expr:
    """:func:`correlation` of ``x = kx / mx`` and ``y = ky / my`` with integer ``kx``, ``ky``.

    As :func:`covariance_on_grid`: null where a denominator changes within the
    window (fall back to :func:`correlation` there) and where either side is
    constant. Exact integer moments; one square root and one division round.

    Examples
    --------
    >>> import polars as pl
    >>> from basalt_alpha101.operators import correlation_on_grid
    >>> df = pl.DataFrame({"ListingId": [1] * 4, "k": [0.0, 1.0, 2.0, 3.0], "j": [2.0, 0.0, 1.0, 2.0]})
    >>> df.select(correlation_on_grid(pl.col("k"), 3.0, pl.col("j"), 3.0, 3)).to_series().to_list()
    [None, None, -0.5, 1.0]
    """
    kx, mx, ky, my = expr(kx), expr(mx), expr(ky), expr(my)
    days = window(d, op="correlation", minimum=3)
    nxy, nxx, nyy = _grid_sums(kx, ky, days)
    value = (nxy / (nxx * nyy).sqrt()).clip(-1.0, 1.0)
    ok = _steady(mx, days) & _steady(my, days) & (nxx > 0) & (nyy > 0)
    return _full(pl.when(ok).then(value), days)


# -- long windows ---------------------------------------------------------------------


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
    # Within each listing: its rounding never depends on another listing's rows.
    return x.rolling_var(days, ddof=0).over(LISTING)


def _cov(u: pl.Expr, v: pl.Expr, days: int) -> pl.Expr:
    # cov(u, v) = (var(u + v) - var(u - v)) / 4 on Polars' numerically stable rolling
    # variance: the naive E[uv] - E[u]E[v] loses ~1e-9 on smooth series such as adv.
    # u + v is null where either is, so the window needs d complete pairs.
    return (_var(u + v, days) - _var(u - v, days)) / 4


def _rolling_covariance(x: pl.Expr, y: pl.Expr, days: int) -> pl.Expr:
    sx, sy = _spread(x), _spread(y)
    u, v = x / sx, y / sy
    cov_uv = _cov(u, v, days)  # null unless the window has d complete pairs
    flat = _flat(x, days) | _flat(y, days)
    return _full(
        pl.when(cov_uv.is_not_null()).then(pl.when(flat).then(0.0).otherwise(cov_uv * sx * sy)), days
    )


def correlation_of_normalised(u: IntoExpr, v: IntoExpr, d: float) -> pl.Expr:
    """:func:`correlation` of two series already passed through :func:`normalised`, by rolling variances.

    Used for windows longer than :data:`EXPLICIT_WINDOW`; accurate to ~1e-13.

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


__all__ = [
    "centred_correlation",
    "centred_covariance",
    "centred_stddev",
    "correlation",
    "correlation_of_normalised",
    "correlation_on_grid",
    "covariance",
    "covariance_on_grid",
    "normalised",
    "stddev",
    "window_mean",
]
