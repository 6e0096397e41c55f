"""Cross-sectional operators: each date (``TimeBucket``) on its own, across listings.

They are window expressions ``.over("TimeBucket")``. Polars evaluates whatever is
inside ``over`` per date, so their argument must not itself hold a time-series
operator (within one date, "the previous row" is another listing): materialise
it as a column first. :func:`basalt_alpha101.compute` does that for you.
"""

from __future__ import annotations

import polars as pl

from basalt_alpha101.operators._common import DATE, IntoExpr, expr, tie_band


def rank(x: IntoExpr) -> pl.Expr:
    """Cross-sectional rank, scaled to [0, 1]: ``(r - 1) / (n - 1)``.

    ``r`` is the average rank (ties share the mean of their ranks) of ``x`` among
    the ``n`` non-null values of the same ``TimeBucket``. Null stays null; a date
    with a single value (``n = 1``) gives null, as 0/0 has no meaning.

    Ties are values within a relative tolerance of ``x``:
    :data:`~basalt_alpha101.operators.TIE_TOLERANCE` (1e-12), i.e. ``y`` ties
    ``x`` when ``x - 1e-12|x| <= y <= x + 1e-12|x|``. So ``r - 1 = below +
    (tied - 1) / 2``, with ``below`` the values under that band and ``tied`` those
    in it (``x`` included), and ``2(r - 1)`` is an integer: the rank is that integer
    over ``2(n - 1)``, correctly rounded.

    Examples
    --------
    >>> import polars as pl
    >>> from basalt_alpha101.operators import rank
    >>> df = pl.DataFrame(
    ...     {
    ...         "ListingId": [1, 2, 3, 4, 1],
    ...         "TimeBucket": [1, 1, 1, 1, 2],
    ...         "x": [3.0, 1.0, 3.0, None, 7.0],
    ...     }
    ... )
    >>> df.select(rank(pl.col("x"))).to_series().to_list()
    [0.75, 0.0, 0.75, None, None]
    >>> near = df.with_columns(x=pl.Series([3.0, 1.0, 3.0 + 4e-15, None, 7.0]))  # a tie, up to rounding
    >>> near.select(rank(pl.col("x"))).to_series().to_list()
    [0.75, 0.0, 0.75, None, None]
    """
    x = expr(x)
    # The count as a full-length column (not a per-date scalar) keeps the division
    # correctly rounded: Polars divides by scalars through their reciprocal.
    count = x.count().over(DATE).cast(pl.Float64)
    return pl.when(count > 1).then(rank_numerator(x) / (2 * count - 2))


def rank_numerator(x: IntoExpr) -> pl.Expr:
    """``2(r - 1)`` of :func:`rank` — an integer (as Float64) — or null where ``x`` is.

    ``below`` + ``at or below the band's top`` - 1, by binary search of each value's
    tie band in the date's sorted values.

    Examples
    --------
    >>> import polars as pl
    >>> from basalt_alpha101.operators.crosssection import rank_numerator
    >>> df = pl.DataFrame({"ListingId": [1, 2, 3, 4], "TimeBucket": [1] * 4, "x": [3.0, 1.0, 3.0, None]})
    >>> df.select(rank_numerator(pl.col("x"))).to_series().to_list()
    [3.0, 0.0, 3.0, None]
    """
    x = expr(x)
    lo, hi = tie_band(x)
    ordered = x.drop_nulls().sort()
    below = ordered.search_sorted(lo, side="left").cast(pl.Float64)
    through = ordered.search_sorted(hi, side="right").cast(pl.Float64)
    return pl.when(x.is_not_null()).then((below + through - 1).over(DATE))


def _ordered_sum(x: pl.Expr) -> pl.Expr:
    # Sum of the non-null values added left to right in ascending order: the same
    # rounding whatever the order of the rows. Null when there is none.
    return x.drop_nulls().sort().cum_sum().last()


def scale(x: IntoExpr, a: float = 1.0) -> pl.Expr:
    """``x`` rescaled per date so that the sum of ``|x|`` over listings is ``a``.

    Nulls are left out of the sum and stay null; a date whose values are all zero
    (or all null) gives null.

    Examples
    --------
    >>> import polars as pl
    >>> from basalt_alpha101.operators import scale
    >>> df = pl.DataFrame(
    ...     {"ListingId": [1, 2, 3, 1, 2], "TimeBucket": [1, 1, 1, 2, 2], "x": [1.0, -3.0, None, 0.0, 0.0]}
    ... )
    >>> df.select(scale(pl.col("x"), 2)).to_series().to_list()
    [0.5, -1.5, None, None, None]
    """
    x = expr(x)
    # Summed one by one in sorted order, so that the listings' order never changes
    # the rounding (Polars' sum kernel groups its additions by memory layout);
    # full length: see rank.
    total = _ordered_sum(x.abs()).over(DATE)
    return pl.when(total != 0).then(x * float(a) / total)


def indneutralize(x: IntoExpr, group: str | pl.Expr) -> pl.Expr:
    """``IndNeutralize(x, g)``: ``x`` minus its mean within (date, group ``g``).

    ``group`` is the label column (``sector``, ``industry``, ``subindustry``…).
    The mean skips null values; a row with a null ``x`` or a null label is null.

    Examples
    --------
    >>> import polars as pl
    >>> from basalt_alpha101.operators import indneutralize
    >>> df = pl.DataFrame(
    ...     {
    ...         "ListingId": [1, 2, 3, 4],
    ...         "TimeBucket": [1, 1, 1, 1],
    ...         "sector": ["A", "A", "B", None],
    ...         "x": [1.0, 3.0, 5.0, 2.0],
    ...     }
    ... )
    >>> df.select(indneutralize(pl.col("x"), "sector")).to_series().to_list()
    [-1.0, 1.0, 0.0, None]
    """
    x = expr(x)
    label = pl.col(group) if isinstance(group, str) else group
    # The mean of the sorted values: the listings' order never changes the rounding.
    mean = _ordered_sum(x) / x.count().cast(pl.Float64)
    return pl.when(label.is_not_null()).then(x - mean.over(DATE, label))


__all__ = ["indneutralize", "rank", "rank_numerator", "scale"]
