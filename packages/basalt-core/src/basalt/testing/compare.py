"""Column-by-column comparison of a module's output with an independent reference.

:func:`assert_frames_match` aligns two frames on their keys and compares every
value column: numbers within a relative tolerance, everything else exactly,
and nulls identical (a null on one side and a value on the other is a
mismatch, as is NaN against a number). A failure lists, per column, how many
rows differ and the first few with their keys — readable in a pytest report.
:func:`assert_module_matches` runs a module and a plain-Python reference on the
same inputs and compares them that way.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import polars as pl

from basalt.modules.base import ModuleConfig
from basalt.timebuckets import TimeBuckets

if TYPE_CHECKING:  # pragma: no cover - typing only
    from basalt.testing import Module

Reference = Callable[[Mapping[str, pl.DataFrame]], pl.DataFrame | Sequence[Mapping[str, Any]]]
"""Inputs (collected frames) → expected rows: a DataFrame or a list of dicts."""


def _same(a: Any, b: Any, rel: float, abs_tol: float) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if (
        isinstance(a, float | int)
        and isinstance(b, float | int)
        and not (isinstance(a, bool) or isinstance(b, bool))
    ):
        a, b = float(a), float(b)
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return math.isclose(a, b, rel_tol=rel, abs_tol=abs_tol)
    return bool(a == b)


def frame_differences(
    actual: pl.DataFrame,
    expected: pl.DataFrame,
    *,
    keys: Sequence[str] = ("ListingId", "TimeBucket"),
    columns: Sequence[str] | None = None,
    rel: float = 1e-9,
    abs_tol: float = 0.0,
    show: int = 5,
) -> list[str]:
    """Every difference between two frames, as readable lines (empty when they match).

    Args:
        actual: What the code under test produced.
        expected: What the reference produced.
        keys: Columns identifying a row; rows are matched on them.
        columns: Value columns to compare (default: every non-key column of ``expected``).
        rel: Relative tolerance for numbers.
        abs_tol: Absolute tolerance for numbers (for values expected to be 0).
        show: Rows shown per differing column.
    """
    keys = list(keys)
    problems: list[str] = []
    for side, frame in (("actual", actual), ("expected", expected)):
        missing = [k for k in keys if k not in frame.columns]
        if missing:
            return [f"{side} output lacks key columns {missing}"]
        if frame.select(keys).is_duplicated().any():
            problems.append(f"{side} output has duplicate keys {keys}")
    wanted = list(columns) if columns is not None else [c for c in expected.columns if c not in keys]
    absent = [c for c in wanted if c not in actual.columns]
    if absent:
        problems.append(f"columns missing from actual output: {absent}")
    extra = [c for c in actual.columns if c not in keys and c not in expected.columns and columns is None]
    if extra:
        problems.append(f"columns in actual output but not in the reference: {extra}")
    expected = expected.with_columns(pl.col(k).cast(actual.schema[k]) for k in keys)
    # Match rows whatever integer width each side chose for its keys.
    a_keys = set(actual.select(keys).iter_rows())
    e_keys = set(expected.select(keys).iter_rows())
    for label, rows in (("only in actual", a_keys - e_keys), ("only in expected", e_keys - a_keys)):
        if rows:
            first = sorted(rows, key=repr)[:show]
            problems.append(f"{len(rows)} rows {label}, e.g. " + "; ".join(_key_text(keys, r) for r in first))
    shared = [c for c in wanted if c in actual.columns]
    joined = expected.select(*keys, *shared).join(
        actual.select(*keys, *(pl.col(c).alias(f"{c}\0actual") for c in shared)), on=keys, how="inner"
    )
    for column in shared:
        bad = [
            (row[: len(keys)], row[-2], row[-1])
            for row in joined.select(*keys, column, f"{column}\0actual").iter_rows()
            if not _same(row[-1], row[-2], rel, abs_tol)
        ]
        if bad:
            lines = [f"{column}: {len(bad)} of {joined.height} rows differ (rel {rel:g})"]
            for key, want, got in bad[:show]:
                lines.append(f"    {_key_text(keys, key)}: expected {want!r}, got {got!r}")
            problems.append("\n".join(lines))
    return problems


def _key_text(keys: Sequence[str], values: Sequence[Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in zip(keys, values, strict=True))


def assert_frames_match(actual: pl.DataFrame, expected: pl.DataFrame, **options: Any) -> None:
    """Fail with a per-column diff unless the frames match (see :func:`frame_differences`)."""
    problems = frame_differences(actual, expected, **options)
    assert not problems, "output differs from the reference:\n" + "\n".join(problems)


def assert_module_matches(
    module: Module | type[Module],
    inputs: Mapping[str, pl.DataFrame],
    reference: Reference,
    *,
    config: ModuleConfig | Mapping[str, Any] | None = None,
    buckets: TimeBuckets | None = None,
    rel: float = 1e-9,
    abs_tol: float = 0.0,
    columns: Sequence[str] | None = None,
) -> pl.DataFrame:
    """Run ``module`` on ``inputs`` and compare its output with ``reference(inputs)``, column by column.

    The reference should be independent of the module: plain Python over the
    rows, written from the formula. Its rows are matched to the module's on the
    module's ``KEYS``; every value column it returns is compared. Returns the
    module's output.

    Raises:
        AssertionError: With the readable diff of :func:`frame_differences`.
    """
    from basalt.testing import run_module

    instance = module(config) if isinstance(module, type) else module
    actual = run_module(instance, inputs, buckets=buckets)
    expected = reference(inputs)
    if not isinstance(expected, pl.DataFrame):
        expected = pl.DataFrame(list(expected), infer_schema_length=None)
    assert_frames_match(actual, expected, keys=instance.KEYS, rel=rel, abs_tol=abs_tol, columns=columns)
    return actual
