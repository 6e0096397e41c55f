"""Bucket labels for every (anchor, closed) combination, checked by hand."""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl
import pytest

from basalt import TimeBuckets

T = [
    datetime(2024, 3, 1, 9, 0, 0),  # exactly on a boundary
    datetime(2024, 3, 1, 9, 0, 0, 1),  # 1 µs after it
    datetime(2024, 3, 1, 9, 0, 59, 999999),
    datetime(2024, 3, 1, 9, 1, 0),
]


def _labels(buckets: TimeBuckets, unit: str = "us") -> list[datetime]:
    frame = pl.DataFrame({"t": T}, schema={"t": pl.Datetime(unit)})
    return frame.select(buckets.label(pl.col("t"))).to_series().to_list()


@pytest.mark.parametrize(
    ("anchor", "closed", "expected_minutes"),
    [
        ("end", "right", [0, 1, 1, 1]),  # (8:59, 9:00] holds 9:00; label = end
        ("start", "right", [-1, 0, 0, 0]),
        ("end", "left", [1, 1, 1, 2]),  # [9:00, 9:01) holds 9:00
        ("start", "left", [0, 0, 0, 1]),
    ],
)
def test_boundary_events_land_where_closed_says(
    anchor: str, closed: str, expected_minutes: list[int]
) -> None:
    buckets = TimeBuckets(seconds=60, anchor=anchor, closed=closed)
    base = datetime(2024, 3, 1, 9, 0)
    expected = [base + timedelta(minutes=m) for m in expected_minutes]
    assert _labels(buckets) == expected


def test_labels_do_not_depend_on_the_input_time_unit() -> None:
    buckets = TimeBuckets(seconds=60)
    assert _labels(buckets, "us") == _labels(buckets, "ns")


def test_sub_second_buckets() -> None:
    frame = pl.DataFrame(
        {"t": [datetime(2024, 3, 1, 9, 0, 0, 250_000), datetime(2024, 3, 1, 9, 0, 0, 250_001)]}
    )
    labels = frame.select(TimeBuckets(seconds=0.25).label(pl.col("t"))).to_series().to_list()
    assert labels == [datetime(2024, 3, 1, 9, 0, 0, 250_000), datetime(2024, 3, 1, 9, 0, 0, 500_000)]


def test_non_positive_bucket_lengths_are_rejected() -> None:
    with pytest.raises(ValueError, match="greater than 0"):
        TimeBuckets(seconds=0)
