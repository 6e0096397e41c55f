"""Compare a module's output frame with a reference dict: same keys, identical nulls, rel 1e-9."""

from __future__ import annotations

import math

import polars as pl


def assert_matches(
    out: pl.DataFrame, expected: dict, columns: list[str], rel: float = 1e-9, abs_: float = 0.0
) -> None:
    """Every (ListingId, TimeBucket) of ``expected`` is a row of ``out`` and nothing else; values agree."""
    got = {(row["ListingId"], row["TimeBucket"]): row for row in out.iter_rows(named=True)}
    assert set(got) == set(expected), (sorted(set(got) ^ set(expected))[:5], len(got), len(expected))
    checked = 0
    for key, values in expected.items():
        for column in columns:
            want, have = values[column], got[key][column]
            if want is None:
                assert have is None, (key, column, have)
                continue
            assert have is not None, (key, column, want)
            assert math.isclose(have, want, rel_tol=rel, abs_tol=abs_), (key, column, have, want)
            checked += 1
    assert checked > 0
