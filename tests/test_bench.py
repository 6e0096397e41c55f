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
from basalt_bench.cases import CASES, FLOORS, L2_FAMILIES, LEVELS  # noqa: E402
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
        expected = {c: (None if c in FLOORS else True) for c in case.contenders}
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


def _l2_lake(root: Path, *, seed: int) -> Path:
    """A small hand-made L2 lake that exercises every exact-path safeguard of the one-pass contender.

    Two listings on one MIC over two days; snapshots at random times, some on bucket
    boundaries, some sharing a timestamp, gaps of several buckets; nulls and NaN prices;
    rows shuffled (out of order); the first day's file split in two so one listing-day
    spans two files; the second day starting inside the first day's last bucket of
    listing 1 (two listing-days sharing a bucket).
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    bucket = 60_000_000  # µs
    rows: list[dict] = []
    last_t: dict[int, int] = {}
    for day, start in ((0, 1_767_600_000_000_000 // 1000), (1, None)):
        for lid in (7, 9):
            base = start if start is not None else last_t[lid] - rng.integers(0, bucket // 2)
            t = base + np.sort(rng.integers(0, 30 * bucket, 300))
            t[::17] = (t[::17] // bucket) * bucket  # on a boundary
            t[5::23] = t[4::23][: len(t[5::23])]  # shared timestamps
            for i, ts in enumerate(t):
                row = {
                    "ListingId": lid,
                    "TradeDate": 1_767_571_200_000 + day * 86_400_000,
                    "EventTimestamp": int(ts),
                    "L2EventNo": None if i % 41 == 0 else i,
                }
                for lv in range(1, LEVELS + 1):
                    for side, sign in (("Bid", -1), ("Ask", 1)):
                        price = 100.0 + sign * 0.01 * lv + 0.01 * rng.integers(-3, 4)
                        row[f"{side}Price{lv}"] = float("nan") if rng.random() < 0.03 else price
                        quantity, orders = int(rng.integers(0, 500)), int(rng.integers(0, 9))
                        row[f"{side}Quantity{lv}"] = None if rng.random() < 0.03 else quantity
                        row[f"{side}NumOrders{lv}"] = None if rng.random() < 0.03 else orders
                rows.append(row)
        last_t = {lid: max(r["EventTimestamp"] for r in rows if r["ListingId"] == lid) for lid in (7, 9)}
    frame = pl.DataFrame(rows).with_columns(
        pl.col("TradeDate").cast(pl.Datetime("ms")),
        pl.col("EventTimestamp").cast(pl.Datetime("us")),
        pl.col("^.*NumOrders.*$").cast(pl.Int32),
    )
    frame = frame.sample(fraction=1.0, shuffle=True, seed=seed)
    lake = root / "lake"
    for i, part in enumerate(frame.partition_by("TradeDate")):
        folder = lake / "l2" / "MIC=XTST" / f"Date={i}"
        folder.mkdir(parents=True)
        half = part.height // 2
        part.slice(0, half).write_parquet(folder / "part-0.parquet")
        part.slice(half).write_parquet(folder / "part-1.parquet")
    return lake


@pytest.mark.parametrize("seed", [1, 2])
def test_l2_onepass_equals_the_lazy_query_on_out_of_order_split_input(tmp_path: Path, seed: int) -> None:
    """The one-pass contender's sort, spanning-file and shared-bucket paths give the lazy query's output."""
    from basalt_bench.contenders import l2_onepass, polars_hand, polars_l2

    lake = _l2_lake(tmp_path, seed=seed)
    onepass = l2_onepass.l2_bars(lake)
    lazy = polars_hand.queries("l2-1min", lake)["bars"].collect()
    assert onepass.height == lazy.height > 60
    assert compare(lazy, onepass, KEYS) is None
    assert set(polars_l2.measures(LEVELS, tuple(L2_FAMILIES))) <= set(onepass.columns)
    assert onepass["BidPrice1TWA"].null_count() < onepass.height
    # A changed value is caught: the comparison is not vacuous.
    bumped = onepass.with_columns(pl.col("SpreadAbsTWA") * 1.001)
    assert compare(lazy, bumped, KEYS) is not None
