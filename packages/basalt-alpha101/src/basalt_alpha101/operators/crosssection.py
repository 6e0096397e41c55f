"""Cross-sectional operators: each date (``TimeBucket``) on its own, across listings.

They are window expressions ``.over("TimeBucket")``. Polars evaluates whatever is
inside ``over`` per date, so their argument must not itself hold a time-series
operator (within one date, "the previous row" is another listing): materialise
it as a column first. :func:`basalt_alpha101.compute` does that for you.
"""

from __future__ import annotations

import polars as pl

from basalt_alpha101.operators._common import DATE, IntoExpr, expr


def rank(x: IntoExpr) -> pl.Expr:
    """Cross-sectional rank, scaled to [0, 1]: ``(r - 1) / (n - 1)``.

    ``r`` is the average rank (ties share the mean of their ranks) of ``x`` among
    the ``n`` non-null values of the same ``TimeBucket``. Null stays null; a date
    with a single value (``n = 1``) gives null, as 0/0 has no meaning.

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
    """
    x = expr(x)
    # The count as a full-length column (not a per-date scalar) keeps the division
    # correctly rounded: Polars divides by scalars through their reciprocal.
    count = x.count().over(DATE).cast(pl.Float64)
    return pl.when(count > 1).then((x.rank("average").over(DATE) - 1) / (count - 1))


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
    total = x.abs().sum().over(DATE)  # full length: see rank
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
    return pl.when(label.is_not_null()).then(x - x.mean().over(DATE, label))


__all__ = ["indneutralize", "rank", "scale"]
