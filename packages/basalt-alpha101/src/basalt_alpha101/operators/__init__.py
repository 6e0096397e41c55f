"""The operators of Kakushadze's "101 Formulaic Alphas" (2016), as Polars expressions.

Every function takes expressions (or numbers) and returns a ``pl.Expr`` over a
*panel*: a long frame with ``ListingId``, ``TimeBucket`` (one row per listing per
date) and value columns, sorted by (``ListingId``, ``TimeBucket``).

Conventions (WorldQuant BRAIN style, pinned by the tests):

* ``rank(x)``: per ``TimeBucket``, average ranks of ties, ``(r - 1) / (n - 1)`` over
  the ``n`` non-null values; ``n = 1`` gives null; null stays null.
* ``ts_rank(x, d)``: today's average rank among the last ``d`` values,
  ``(r - 1) / (d - 1)``; a null in the window gives null.
* ``ts_argmax`` / ``ts_argmin``: days ago (today = 0); ties go to the earliest day.
* Ties in ``rank``, ``ts_rank``, ``ts_argmax``, ``ts_argmin``: ``y`` ties ``x`` when
  ``x - τ|x| <= y <= x + τ|x|``, ``τ`` = :data:`TIE_TOLERANCE` = 1e-12.
* ``stddev``, ``covariance``: population (ddof = 0). ``correlation`` needs ``d`` full
  pairs; a constant window gives null. Windows up to 32 rows: centred two-pass over
  the window; statistics of two ranks: exact integer arithmetic
  (:func:`correlation_on_grid`); see :mod:`basalt_alpha101.operators.moments`.
* ``decay_linear(x, d)``: weights ``d … 1`` (newest heaviest) over ``d (d + 1) / 2``;
  a missing value counts as 0; a window with no value gives null.
* ``scale(x, a=1)``: per date ``sum |x| = a``; an all-zero date gives null.
* ``delay``, ``delta``, ``sum``, ``product``, ``ts_min``, ``ts_max``, ``stddev``: strict
  windows (all ``d`` values present, else null).
* Non-integer windows are floored (``correlation(x, y, 9.91)`` uses 9).
* ``signedpower(x, a) = sign(x) |x| ^ a``; ``x ^ a`` is :func:`power`; ``log`` of
  ``x <= 0``, ``x / 0`` and other non-finite results are null.
* ``min(a, b)`` / ``max(a, b)`` of two series skip a null side; the paper's
  ``min(x, d)`` with a number ``d`` is ``ts_min(x, d)`` (likewise ``max``).
* Comparisons (Polars' ``<``, ``==``…) with a null are null; the ternary
  (:func:`iif`) with a null condition is null; ``||`` / ``&&`` (:func:`or_`,
  :func:`and_`) with a null side are null; :func:`num` turns a boolean into 1.0 / 0.0.
* ``IndNeutralize(x, g)``: ``x`` minus its mean within (date, group).

Time-series operators work on the whole column and stop their windows at listing
boundaries (hence the sort); cross-sectional ones are ``.over("TimeBucket")``
windows. A time-series operator may take a cross-sectional expression as argument,
not the other way round: Polars evaluates inside ``over`` per date, where "the
previous row" is another listing. Materialise such an argument as a column first —
:func:`basalt_alpha101.compute` does it for every nested operator:

>>> import polars as pl
>>> from basalt_alpha101.operators import rank, ts_rank
>>> df = pl.DataFrame(
...     {
...         "ListingId": [1, 1, 1, 2, 2, 2],
...         "TimeBucket": [1, 2, 3, 1, 2, 3],
...         "low": [1.0, 2.0, 3.0, 2.0, 1.0, 4.0],
...     }
... )
>>> df.select(-1 * ts_rank(rank(pl.col("low")), 2)).to_series().to_list()  # Alpha#4, d = 2
[None, -1.0, -0.0, None, -0.0, -1.0]
>>> from basalt_alpha101.operators import delta
>>> step = df.with_columns(delta(pl.col("low"), 1).alias("d_low"))  # rank(delta(low, 1))
>>> step.select(rank(pl.col("d_low"))).to_series().to_list()
[None, 1.0, 0.0, None, 0.0, 1.0]
"""

from __future__ import annotations

import polars as pl

from basalt_alpha101.operators._common import DATE, EXPLICIT_WINDOW, LISTING, TIE_TOLERANCE, IntoExpr, window
from basalt_alpha101.operators.crosssection import indneutralize, rank, rank_numerator, scale
from basalt_alpha101.operators.elementwise import (
    abs,
    and_,
    div,
    iif,
    log,
    maximum,
    minimum,
    num,
    or_,
    power,
    sign,
    signedpower,
)
from basalt_alpha101.operators.moments import (
    centred_correlation,
    centred_covariance,
    centred_stddev,
    correlation,
    correlation_of_normalised,
    correlation_on_grid,
    covariance,
    covariance_on_grid,
    normalised,
    stddev,
    window_mean,
)
from basalt_alpha101.operators.timeseries import (
    days_ago,
    decay_linear,
    delay,
    delta,
    product,
    same_listing,
    ts_argmax,
    ts_argmin,
    ts_max,
    ts_mean,
    ts_min,
    ts_rank,
    ts_sum,
)

sum = ts_sum
"""The paper's ``sum(x, d)`` (an alias of :func:`ts_sum`)."""


def min(a: IntoExpr, b: IntoExpr | float) -> pl.Expr:
    """The paper's ``min``: :func:`minimum` of two series, or ``ts_min(a, b)`` for a number ``b``.

    The appendix defines ``min(x, d) = ts_min(x, d)`` and also writes ``min(A, B)``
    of two series (Alpha#77); the second argument tells them apart.

    Examples
    --------
    >>> import polars as pl
    >>> from basalt_alpha101 import operators as op
    >>> df = pl.DataFrame({"ListingId": [1, 1, 1], "a": [3.0, None, 1.0], "b": [2.0, 5.0, 4.0]})
    >>> df.select(op.min(pl.col("a"), pl.col("b"))).to_series().to_list()
    [2.0, 5.0, 1.0]
    >>> df.select(op.min(pl.col("b"), 2)).to_series().to_list()
    [None, 2.0, 4.0]
    """
    if isinstance(b, pl.Expr):
        return minimum(a, b)
    return ts_min(a, b)


def max(a: IntoExpr, b: IntoExpr | float) -> pl.Expr:
    """The paper's ``max``: :func:`maximum` of two series, or ``ts_max(a, b)`` for a number ``b``.

    Examples
    --------
    >>> import polars as pl
    >>> from basalt_alpha101 import operators as op
    >>> df = pl.DataFrame({"ListingId": [1, 1, 1], "a": [3.0, None, 1.0], "b": [2.0, 5.0, 4.0]})
    >>> df.select(op.max(pl.col("a"), pl.col("b"))).to_series().to_list()
    [3.0, 5.0, 4.0]
    >>> df.select(op.max(pl.col("b"), 2)).to_series().to_list()
    [None, 5.0, 5.0]
    """
    if isinstance(b, pl.Expr):
        return maximum(a, b)
    return ts_max(a, b)


__all__ = [
    "DATE",
    "EXPLICIT_WINDOW",
    "LISTING",
    "TIE_TOLERANCE",
    "abs",
    "and_",
    "centred_correlation",
    "centred_covariance",
    "centred_stddev",
    "correlation",
    "correlation_of_normalised",
    "correlation_on_grid",
    "covariance",
    "covariance_on_grid",
    "days_ago",
    "decay_linear",
    "delay",
    "delta",
    "div",
    "iif",
    "indneutralize",
    "log",
    "max",
    "maximum",
    "min",
    "minimum",
    "normalised",
    "num",
    "or_",
    "power",
    "product",
    "rank",
    "rank_numerator",
    "same_listing",
    "scale",
    "sign",
    "signedpower",
    "stddev",
    "sum",
    "ts_argmax",
    "ts_argmin",
    "ts_max",
    "ts_mean",
    "ts_min",
    "ts_rank",
    "ts_sum",
    "window",
    "window_mean",
]
