"""Tests of ``tools/bench``: the whole harness on the tiny XS workload, and the output comparison."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "tools" / "bench"
sys.path.insert(0, str(REPO / "tools"))

# duckdb, pandas and matplotlib are test dependencies (hatch.toml): missing ones fail, never skip.
import duckdb  # noqa: E402, F401
import matplotlib  # noqa: E402, F401
import pandas  # noqa: E402, F401
from basalt_bench.cases import CASES  # noqa: E402
from basalt_bench.compare import compare  # noqa: E402


def test_xs_end_to_end(tmp_path: Path) -> None:
    """Every case × contender runs once on XS, with positive times, and agrees with Basalt."""
    out = tmp_path / "xs.json"
    command = [sys.executable, str(SCRIPT), "--workload", "XS", "--repeat", "1", "--json", str(out)]
    done = subprocess.run([*command, "--cache", str(tmp_path / "cache")], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "| trade-1min | basalt |" in done.stdout
    result = json.loads(out.read_text())
    assert result["workload"]["rows"]["trades"] > 0
    for name, case in CASES.items():
        contenders = result["cases"][name]
        assert set(contenders) == {"basalt", *case.contenders}
        for entry in contenders.values():
            assert entry["median_wall"] > 0
            assert entry["median_cpu"] > 0
            assert entry["median_peak_rss_mb"] > 0
        expected = {c: (None if c == "scan" else True) for c in case.contenders}
        assert result["agreed"][name] == expected


@pytest.fixture
def bars() -> pl.DataFrame:
    """A small Basalt-like output."""
    return pl.DataFrame(
        {
            "ListingId": [1, 1, 2],
            "Date": [datetime(2026, 1, 5).date()] * 3,
            "TimeBucket": [datetime(2026, 1, 5, 9, m) for m in (1, 2, 1)],
            "TradeTotalVolume": [10.0, 20.0, 5.0],
            "TradeTotalCount": [1, 2, 1],
            "TradeTotalVWAP": [100.25, None, 99.5],
        }
    )


KEYS = ("ListingId", "TimeBucket")


def test_compare_accepts_equal_output_in_any_order(bars: pl.DataFrame) -> None:
    shuffled = bars.drop("Date").reverse().with_columns(pl.col("TradeTotalVolume") * (1 + 1e-12))
    assert compare(bars, shuffled, KEYS) is None


def test_compare_detects_a_changed_value(bars: pl.DataFrame) -> None:
    changed = bars.with_columns(
        pl.when(pl.col("ListingId") == 2)
        .then(5.01)
        .otherwise(pl.col("TradeTotalVolume"))
        .alias("TradeTotalVolume")
    )
    found = compare(bars, changed, KEYS)
    assert found is not None
    assert found.column == "TradeTotalVolume"
    assert found.row == 2
    assert "5.01" in str(found)


def test_compare_detects_a_changed_null(bars: pl.DataFrame) -> None:
    changed = bars.with_columns(pl.col("TradeTotalVWAP").fill_null(0.0))
    found = compare(bars, changed, KEYS)
    assert found is not None
    assert (found.column, found.row) == ("TradeTotalVWAP", 1)


def test_compare_detects_a_missing_row(bars: pl.DataFrame) -> None:
    found = compare(bars, bars.slice(0, 2), KEYS)
    assert found is not None
    assert "missing from the contender's output" in str(found)


def test_compare_detects_a_changed_integer_and_a_missing_column(bars: pl.DataFrame) -> None:
    found = compare(bars, bars.with_columns(pl.col("TradeTotalCount") + 1), KEYS)
    assert found is not None
    assert found.column == "TradeTotalCount"
    found = compare(bars, bars.drop("TradeTotalVWAP"), KEYS)
    assert found is not None
    assert found.column == "TradeTotalVWAP"


def test_compare_applies_the_rename_map(bars: pl.DataFrame) -> None:
    renamed = bars.rename({"TradeTotalVolume": "volume"})
    assert compare(bars, renamed, KEYS, rename={"volume": "TradeTotalVolume"}) is None


def _outputs_to_check(tmp_path: Path, basalt: pl.DataFrame, polars_out: pl.DataFrame) -> Path:
    """Lay out outputs as the harness finds them: Basalt's day folders, the contender's one file."""
    folder = tmp_path / "basalt" / "bench" / "bars" / "Date=2026-01-05"
    folder.mkdir(parents=True)
    basalt.write_parquet(folder / "part-0.parquet")
    (tmp_path / "polars").mkdir()
    polars_out.write_parquet(tmp_path / "polars" / "bars.parquet")
    return tmp_path


@pytest.fixture
def many_bars() -> pl.DataFrame:
    """40 listings × 5 buckets, one listing id null: several comparison slices at CHUNK_ROWS 30."""
    listings = [*range(100, 139), None]
    return pl.DataFrame(
        {
            "ListingId": [lid for lid in listings for _ in range(5)],
            "TimeBucket": [datetime(2026, 1, 5, 9, m) for _ in listings for m in range(5)],
            "TradeTotalVolume": [float(i) for i in range(len(listings) * 5)],
        },
        schema_overrides={"ListingId": pl.Int64},
    )


def test_check_compares_slice_by_slice_and_still_catches_every_kind_of_difference(
    tmp_path: Path, many_bars: pl.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    from basalt_bench import harness

    monkeypatch.setattr(harness, "CHUNK_ROWS", 30)  # 6 listings per slice, plus the null slice
    case = CASES["trade-1min"]
    shuffled = many_bars.sample(fraction=1.0, shuffle=True, seed=3)
    harness.check(case, "polars", _outputs_to_check(tmp_path / "same", many_bars, shuffled))
    late = many_bars.with_columns(
        pl.when(pl.col("ListingId") == 137).then(pl.col("TradeTotalVolume") + 1).otherwise("TradeTotalVolume")
    )
    cases = {
        "late-value": (late, "column 'TradeTotalVolume'"),
        "null-listing-row": (
            many_bars.filter(pl.col("ListingId").is_not_null()),
            "missing from the contender",
        ),
        "extra-listing": (
            pl.concat(
                [many_bars, many_bars.head(1).with_columns(pl.lit(999, dtype=pl.Int64).alias("ListingId"))]
            ),
            "ListingId=999 extra",
        ),
        "missing-row": (many_bars.filter(pl.col("TradeTotalVolume") != 120.0), "missing from the contender"),
    }
    for label, (contender_output, message) in cases.items():
        with pytest.raises(harness.OutputMismatchError, match=message):
            harness.check(case, "polars", _outputs_to_check(tmp_path / label, many_bars, contender_output))
