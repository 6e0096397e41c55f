"""``basalt.testing``'s data fixtures and the column-by-column reference comparison."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from basalt.testing import assert_frames_match, frame_differences, sample_frame
from bmll_sample import sample_frame as core_sample_frame

T = datetime(2026, 1, 5, 9, 1)


def _frame(**values: list[Any]) -> pl.DataFrame:
    return pl.DataFrame({"ListingId": [1, 2], "TimeBucket": [T, T], **values})


def test_equal_frames_within_tolerance_match_in_any_row_order() -> None:
    expected = _frame(Volume=[1.0, 2.0], Name=["a", None])
    actual = _frame(Volume=[1.0 + 1e-12, 2.0], Name=["a", None]).reverse()
    assert frame_differences(actual, expected) == []
    assert_frames_match(actual, expected)


def test_a_value_a_null_and_a_nan_each_differ_with_a_readable_diff() -> None:
    expected = _frame(Volume=[1.0, None], Ratio=[0.5, float("nan")])
    actual = _frame(Volume=[1.5, 0.0], Ratio=[0.5, 0.25])
    problems = frame_differences(actual, expected)
    assert problems == [
        "Volume: 2 of 2 rows differ (rel 1e-09)\n"
        "    ListingId=1, TimeBucket=2026-01-05 09:01:00: expected 1.0, got 1.5\n"
        "    ListingId=2, TimeBucket=2026-01-05 09:01:00: expected None, got 0.0",
        "Ratio: 1 of 2 rows differ (rel 1e-09)\n"
        "    ListingId=2, TimeBucket=2026-01-05 09:01:00: expected nan, got 0.25",
    ]
    with pytest.raises(AssertionError, match="Volume: 2 of 2 rows differ"):
        assert_frames_match(actual, expected)


def test_missing_rows_and_columns_are_reported() -> None:
    expected = _frame(Volume=[1.0, 2.0], Count=[1, 2])
    actual = _frame(Volume=[1.0, 2.0], Extra=[0, 0]).head(1)
    problems = "\n".join(frame_differences(actual, expected))
    assert "columns missing from actual output: ['Count']" in problems
    assert "columns in actual output but not in the reference: ['Extra']" in problems
    assert "1 rows only in expected, e.g. ListingId=2" in problems


def test_integer_key_widths_do_not_matter() -> None:
    expected = _frame(Volume=[1.0, 2.0]).with_columns(pl.col("ListingId").cast(pl.Int32))
    assert frame_differences(_frame(Volume=[1.0, 2.0]), expected) == []


def test_sample_rows_are_bmlls_own(basalt_sample: dict[str, pl.DataFrame]) -> None:
    assert set(basalt_sample) == {"trades", "l2", "l3", "marketstate", "reference", "cbbo", "imbalance"}
    for table, frame in basalt_sample.items():
        assert frame.equals(core_sample_frame(table)), table
    with pytest.raises(KeyError, match="no BMLL sample"):
        sample_frame("quotes")


def test_sample_lake_is_readable_by_the_local_source(basalt_sample_lake: Path) -> None:
    root = basalt_sample_lake
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.parquet"))
    assert "Trades-Plus/XLON/2026/01/02/trades-plus-XLON-20260102.parquet" in files
    assert len(files) == 7


def test_synth_lake_and_tables_hold_the_same_day(
    basalt_synth_lake: Path, basalt_synth_tables: dict[str, pl.DataFrame]
) -> None:
    (trades_file,) = basalt_synth_lake.glob("Trades-Plus/XLON/2026/01/05/*.parquet")
    on_disk = pl.read_parquet(trades_file)
    assert on_disk.height > 0
    assert on_disk.equals(basalt_synth_tables["trades"])
    assert basalt_synth_tables["trades"]["ListingId"].n_unique() == 2
