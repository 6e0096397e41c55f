"""Compare a contender's output with Basalt's: same rows, same columns, same values.

Both frames are sorted by the keys; the contender's columns are renamed by its
rename map first. Floats agree when ``|a - b| <= abs_tol + rel_tol·|b|``
(defaults 1e-12 and 1e-9), integers and keys exactly, nulls must be in the same
places (NaN counts as null). Columns only Basalt writes (``Date``) are ignored.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import polars as pl

IGNORED = ("Date",)
"""Basalt's partition column: not part of what the cases compute."""


@dataclasses.dataclass(frozen=True)
class Mismatch:
    """The first difference found."""

    column: str
    row: int | None
    message: str

    def __str__(self) -> str:
        where = f", first differing row {self.row}" if self.row is not None else ""
        return f"column {self.column!r}{where}: {self.message}"


def _numeric(series: pl.Series) -> pl.Series:
    if series.dtype.is_temporal():
        return (
            series.dt.cast_time_unit("ns").cast(pl.Int64)
            if series.dtype != pl.Date
            else series.cast(pl.Int64)
        )
    if series.dtype == pl.Boolean:
        return series.cast(pl.Int64)
    return series


def _describe(frame: pl.DataFrame, keys: Sequence[str], row: int) -> str:
    return ", ".join(f"{k}={frame[k][row]}" for k in keys)


def compare(
    expected: pl.DataFrame,
    actual: pl.DataFrame,
    keys: Sequence[str],
    *,
    rename: Mapping[str, str] | None = None,
    rel_tol: float = 1e-9,
    abs_tol: float = 1e-12,
) -> Mismatch | None:
    """The first difference between ``actual`` and ``expected`` (Basalt's), or None if they agree."""
    actual = actual.rename(dict(rename or {}), strict=False)
    expected = expected.drop([c for c in IGNORED if c not in keys], strict=False)
    actual = actual.drop([c for c in IGNORED if c not in keys], strict=False)
    missing = [c for c in expected.columns if c not in actual.columns]
    if missing:
        return Mismatch(
            missing[0], None, f"missing from the contender's output (and {len(missing) - 1} more)"
        )
    extra = [c for c in actual.columns if c not in expected.columns]
    if extra:
        return Mismatch(extra[0], None, "not in Basalt's output")
    expected = expected.sort(keys)
    actual = actual.select(expected.columns).sort(keys)
    key_frame = expected.select(keys).with_columns(pl.lit(True).alias("_e"))
    joined = key_frame.join(
        actual.select(keys).with_columns(pl.lit(True).alias("_a")),
        on=list(keys),
        how="full",
        coalesce=True,
        nulls_equal=True,  # a null key (e.g. an instrument-less listing) matches a null key
    )
    only = joined.filter(pl.col("_e").is_null() | pl.col("_a").is_null())
    if only.height:
        first = only.row(0, named=True)
        side = "missing from the contender's output" if first["_e"] else "extra in the contender's output"
        where = ", ".join(f"{k}={first[k]}" for k in keys)
        return Mismatch(keys[0], None, f"row {where} {side} ({only.height} such rows)")
    if actual.height != expected.height:
        return Mismatch(keys[0], None, f"{actual.height} rows, Basalt has {expected.height} (duplicate keys)")
    for column in expected.columns:
        a, e = _numeric(actual[column]), _numeric(expected[column])
        if a.dtype.is_float() or e.dtype.is_float():
            a, e = a.cast(pl.Float64).fill_nan(None), e.cast(pl.Float64).fill_nan(None)
        elif a.dtype.is_numeric() and e.dtype.is_numeric():
            a, e = a.cast(pl.Int64), e.cast(pl.Int64)
        elif a.dtype != e.dtype:
            a, e = a.cast(pl.String), e.cast(pl.String)
        nulls = a.is_null() != e.is_null()
        if e.dtype.is_float():
            close = (a - e).abs() <= abs_tol + rel_tol * e.abs()
            bad = nulls | (~close).fill_null(False)
        else:
            bad = nulls | (a != e).fill_null(False)
        if bad.any():
            row = int(bad.arg_true()[0])
            return Mismatch(
                column,
                row,
                f"at {_describe(expected, keys, row)}: contender {a[row]!r}, Basalt {e[row]!r} "
                f"({int(bad.sum())} rows differ)",
            )
    return None
