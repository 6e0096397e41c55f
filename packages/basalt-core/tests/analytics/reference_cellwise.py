"""Compare a module's output frame with a plain-Python reference, column by column."""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping

import polars as pl

REL_TOL = 1e-9


def frame_to_cells(frame: pl.DataFrame, keys: list[str]) -> dict[tuple, dict]:
    """``{key tuple: {column: value}}`` with datetime keys as integer nanoseconds."""
    frame = frame.with_columns(pl.col(pl.Datetime).dt.cast_time_unit("ns").cast(pl.Int64))
    cells: dict[tuple, dict] = {}
    for row in frame.iter_rows(named=True):
        key = tuple(row[k] for k in keys)
        assert key not in cells, f"duplicate output key {key}"
        cells[key] = {c: v for c, v in row.items() if c not in keys}
    return cells


def assert_matches(
    frame: pl.DataFrame,
    keys: list[str],
    expected: Mapping[Hashable, Mapping[str, object]],
    *,
    rel_tol: float = REL_TOL,
) -> int:
    """Every reference cell and column equals the frame's (same keys, same nulls, rel_tol on numbers).

    Returns the number of values compared.
    """
    got = frame_to_cells(frame, keys)
    missing, extra = set(expected) - set(got), set(got) - set(expected)
    assert not missing, f"keys missing from the output: {sorted(missing)[:5]}"
    assert not extra, f"keys not in the reference: {sorted(extra)[:5]}"
    columns = set(frame.columns) - set(keys)
    problems = []
    compared = 0
    for key, values in expected.items():
        assert set(values) == columns, f"reference columns differ: {set(values) ^ columns}"
        for column, want in values.items():
            have = got[key][column]
            compared += 1
            if want is None or have is None:
                if (want is None) != (have is None):
                    problems.append((key, column, want, have))
            elif isinstance(want, float) or isinstance(have, float):
                if not math.isclose(want, have, rel_tol=rel_tol, abs_tol=0.0):
                    problems.append((key, column, want, have))
            elif want != have:
                problems.append((key, column, want, have))
    assert not problems, f"{len(problems)} values differ (key, column, reference, module): {problems[:10]}"
    return compared
