"""Row-by-row operators of the paper: arithmetic, logic and the ternary.

None of them looks at other rows, so they nest freely inside any window operator.
Nulls propagate (a null operand gives a null result) except in ``minimum`` and
``maximum``, which skip a null operand. No operator returns NaN or ±inf: where
the mathematics is undefined (``log(0)``, ``x / 0``, ``0 ^ -1``) the result is null.
"""

from __future__ import annotations

import polars as pl

from basalt_alpha101.operators._common import IntoExpr, expr, finite


def abs(x: IntoExpr) -> pl.Expr:
    """Absolute value, ``abs(x)``.

    Examples
    --------
    >>> import polars as pl
    >>> from basalt_alpha101.operators import abs
    >>> pl.DataFrame({"x": [-2.0, None, 3.0]}).select(abs(pl.col("x"))).to_series().to_list()
    [2.0, None, 3.0]
    """
    return expr(x).abs()


def sign(x: IntoExpr) -> pl.Expr:
    """Sign, ``sign(x)``: -1, 0 or 1 (as Float64); null stays null.

    Examples
    --------
    >>> import polars as pl
    >>> from basalt_alpha101.operators import sign
    >>> pl.DataFrame({"x": [-2.0, 0.0, 5.0, None]}).select(sign(pl.col("x"))).to_series().to_list()
    [-1.0, 0.0, 1.0, None]
    """
    return expr(x).sign().cast(pl.Float64)


def log(x: IntoExpr) -> pl.Expr:
    """Natural logarithm, ``log(x)``; null where ``x <= 0`` (undefined there).

    Examples
    --------
    >>> import polars as pl
    >>> from basalt_alpha101.operators import log
    >>> df = pl.DataFrame({"x": [1.0, 0.0, -1.0]})
    >>> df.select(log(pl.col("x"))).to_series().to_list()
    [0.0, None, None]
    """
    x = expr(x)
    return pl.when(x > 0).then(x.log())


def signedpower(x: IntoExpr, a: IntoExpr) -> pl.Expr:
    """``SignedPower(x, a) = sign(x) * |x| ^ a``; ``a`` may be an expression.

    Null where the result is not finite (``0 ^ a`` with ``a < 0``).

    Examples
    --------
    >>> import polars as pl
    >>> from basalt_alpha101.operators import signedpower
    >>> df = pl.DataFrame({"x": [-3.0, 2.0, 0.0]})
    >>> df.select(signedpower(pl.col("x"), 2)).to_series().to_list()
    [-9.0, 4.0, 0.0]
    >>> df.select(signedpower(pl.col("x"), -1)).to_series().to_list()
    [-0.3333333333333333, 0.5, None]
    """
    x = expr(x)
    return finite(x.sign().cast(pl.Float64) * x.abs().pow(expr(a)))


def power(x: IntoExpr, a: IntoExpr) -> pl.Expr:
    """The paper's ``x ^ a`` (a power, not XOR); null where not a finite real.

    A negative base with a fractional exponent, or ``0`` to a negative power, is null.

    Examples
    --------
    >>> import polars as pl
    >>> from basalt_alpha101.operators import power
    >>> df = pl.DataFrame({"x": [4.0, -4.0, 0.0], "a": [0.5, 0.5, -1.0]})
    >>> df.select(power(pl.col("x"), pl.col("a"))).to_series().to_list()
    [2.0, None, None]
    """
    return finite(expr(x).pow(expr(a)))


def div(a: IntoExpr, b: IntoExpr) -> pl.Expr:
    """``a / b``, null where ``b == 0`` (instead of ±inf or NaN).

    Examples
    --------
    >>> import polars as pl
    >>> from basalt_alpha101.operators import div
    >>> df = pl.DataFrame({"a": [1.0, 1.0, 0.0], "b": [4.0, 0.0, 0.0]})
    >>> df.select(div(pl.col("a"), pl.col("b"))).to_series().to_list()
    [0.25, None, None]
    """
    a, b = expr(a), expr(b)
    return finite(pl.when(b != 0).then(a / b))


def iif(condition: pl.Expr, then: IntoExpr, otherwise: IntoExpr) -> pl.Expr:
    """The paper's ternary ``condition ? then : otherwise``; a null condition gives null.

    Examples
    --------
    >>> import polars as pl
    >>> from basalt_alpha101.operators import iif
    >>> df = pl.DataFrame({"x": [1.0, -1.0, None]})
    >>> df.select(iif(pl.col("x") > 0, 10, pl.col("x"))).to_series().to_list()
    [10.0, -1.0, None]
    """
    return pl.when(condition).then(expr(then)).when(condition.not_()).then(expr(otherwise))


def num(condition: pl.Expr) -> pl.Expr:
    """A boolean used as a number: true = 1.0, false = 0.0, null stays null.

    Examples
    --------
    >>> import polars as pl
    >>> from basalt_alpha101.operators import num
    >>> df = pl.DataFrame({"x": [1.0, 3.0, None]})
    >>> df.select(num(pl.col("x") < 2) * -1).to_series().to_list()
    [-1.0, -0.0, None]
    """
    return condition.cast(pl.Float64)


def or_(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    """The paper's ``a || b``; null if either side is null (comparisons with null are null).

    Examples
    --------
    >>> import polars as pl
    >>> from basalt_alpha101.operators import or_
    >>> df = pl.DataFrame({"a": [True, False, True], "b": [False, False, None]})
    >>> df.select(or_(pl.col("a"), pl.col("b"))).to_series().to_list()
    [True, False, None]
    """
    return pl.when(a.is_not_null() & b.is_not_null()).then(a | b)


def and_(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    """The paper's ``a && b``; null if either side is null.

    Examples
    --------
    >>> import polars as pl
    >>> from basalt_alpha101.operators import and_
    >>> df = pl.DataFrame({"a": [True, True, False], "b": [True, False, None]})
    >>> df.select(and_(pl.col("a"), pl.col("b"))).to_series().to_list()
    [True, False, None]
    """
    return pl.when(a.is_not_null() & b.is_not_null()).then(a & b)


def minimum(a: IntoExpr, b: IntoExpr) -> pl.Expr:
    """Row-wise ``min(a, b)`` of two series, skipping a null side (``min(null, 3) = 3``).

    Examples
    --------
    >>> import polars as pl
    >>> from basalt_alpha101.operators import minimum
    >>> df = pl.DataFrame({"a": [1.0, None, None], "b": [2.0, 3.0, None]})
    >>> df.select(minimum(pl.col("a"), pl.col("b"))).to_series().to_list()
    [1.0, 3.0, None]
    """
    return pl.min_horizontal(expr(a), expr(b))


def maximum(a: IntoExpr, b: IntoExpr) -> pl.Expr:
    """Row-wise ``max(a, b)`` of two series, skipping a null side (``max(null, 3) = 3``).

    Examples
    --------
    >>> import polars as pl
    >>> from basalt_alpha101.operators import maximum
    >>> df = pl.DataFrame({"a": [1.0, None], "b": [2.0, 3.0]})
    >>> df.select(maximum(pl.col("a"), pl.col("b"))).to_series().to_list()
    [2.0, 3.0]
    """
    return pl.max_horizontal(expr(a), expr(b))


__all__ = [
    "abs",
    "and_",
    "div",
    "iif",
    "log",
    "maximum",
    "minimum",
    "num",
    "or_",
    "power",
    "sign",
    "signedpower",
]
