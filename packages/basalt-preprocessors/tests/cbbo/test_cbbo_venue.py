"""``cbbo_venue``: hand-worked books, and the plain-Python reference on random books."""

from __future__ import annotations

import datetime as dt
import math

import polars as pl
import pytest
from cbbo_frames import T0, l2_frame, random_l2, reference_frame, snapshot
from cbbo_reference import EPOCH, reference_cbbo, reference_cbbo_venue

from basalt import TimeBuckets
from basalt.testing import run_module
from basalt_preprocessors.cbbo import CBBOVenue, ConsolidatedBook

TEN_US = TimeBuckets(seconds=1e-5)


def _venue(l2: pl.DataFrame, cbbo: pl.DataFrame, buckets: TimeBuckets = TEN_US) -> pl.DataFrame:
    return run_module(CBBOVenue, {"l2": l2, "cbbo": cbbo, "reference": reference_frame()}, buckets=buckets)


@pytest.fixture
def hand() -> pl.DataFrame:
    return l2_frame(
        [
            snapshot(1, 0, [(100.0, 10, 1)], [(100.5, 10, 1)]),
            snapshot(2, 4, [(100.0, 30, 1)], [(100.4, 5, 1)]),
            snapshot(1, 12, [(100.1, 7, 1)], [(100.5, 10, 1)]),
        ]
    )


def _row(out: pl.DataFrame, listing: int, micros: int) -> dict[str, object]:
    (row,) = out.filter(
        (pl.col("ListingId") == listing) & (pl.col("TimeBucket") == T0 + dt.timedelta(microseconds=micros))
    ).iter_rows(named=True)
    return row


def _close(row: dict[str, object], expected: dict[str, float]) -> None:
    for name, value in expected.items():
        assert math.isclose(row[name], value, rel_tol=1e-12), (name, row[name], value)  # type: ignore[arg-type]


def test_hand_worked_two_venues(hand: pl.DataFrame) -> None:
    cbbo = run_module(ConsolidatedBook, {"l2": hand, "reference": reference_frame()})
    # consolidated: 0 µs CBB 100.0x10 CBO 100.5x10; 4 µs CBB 100.0x40 CBO 100.4x5; 12 µs CBB 100.1x7
    out = _venue(hand, cbbo)
    # XLON, bucket (0, 10]: [0,4) at both, alone at both; [4,10) at CBB (10 of 40), not at CBO 100.4
    _close(
        _row(out, 1, 10),
        {
            "AtCBBTimeShare": 1.0,
            "AtCBBQuantityTWA": 10.0,
            "CBBQuantityShareTWA": (4 * 1 + 6 * 0.25) / 10,
            "AloneAtCBBTimeShare": 0.4,
            "AtCBOTimeShare": 0.4,
            "AtCBOQuantityTWA": 4.0,
            "CBOQuantityShareTWA": 0.4,
            "AloneAtCBOTimeShare": 0.4,
        },
    )
    # XLON, bucket (10, 20]: [10,12) as before; [12,20) alone at CBB 100.1x7 (last state until 20)
    _close(
        _row(out, 1, 20),
        {
            "AtCBBTimeShare": 1.0,
            "AtCBBQuantityTWA": (2 * 10 + 8 * 7) / 10,
            "CBBQuantityShareTWA": (2 * 0.25 + 8 * 1) / 10,
            "AloneAtCBBTimeShare": 0.8,
            "AtCBOTimeShare": 0.0,
            "AloneAtCBOTimeShare": 0.0,
        },
    )
    # BATE, bucket (0, 10]: no L2 before 4 µs (left out); [4,10) at CBB with 30 of 40, alone at CBO
    _close(
        _row(out, 2, 10),
        {
            "AtCBBTimeShare": 1.0,
            "AtCBBQuantityTWA": 30.0,
            "CBBQuantityShareTWA": 0.75,
            "AloneAtCBBTimeShare": 0.0,
            "AtCBOTimeShare": 1.0,
            "AtCBOQuantityTWA": 5.0,
            "CBOQuantityShareTWA": 1.0,
            "AloneAtCBOTimeShare": 1.0,
        },
    )
    # BATE, bucket (10, 20]: at the CBB for [10,12) only, when XLON's 100.1 takes it over
    _close(
        _row(out, 2, 20),
        {
            "AtCBBTimeShare": 0.2,
            "AtCBBQuantityTWA": 6.0,
            "CBBQuantityShareTWA": 0.15,
            "AloneAtCBOTimeShare": 1.0,
        },
    )
    assert out.height == 4


def test_reads_bmll_style_cbbo_filed_under_the_primary_listing(hand: pl.DataFrame) -> None:
    cbbo = run_module(ConsolidatedBook, {"l2": hand, "reference": reference_frame()})
    assert _venue(hand, cbbo.drop("InstrumentId")).equals(_venue(hand, cbbo))


def test_no_consolidated_quote_gives_nulls() -> None:
    l2 = l2_frame([snapshot(1, 0, [], [(100.5, 10, 1)]), snapshot(2, 1, [], [(100.6, 1, 1)])])
    cbbo = run_module(ConsolidatedBook, {"l2": l2, "reference": reference_frame()})
    out = _venue(l2, cbbo)
    assert out["AtCBBTimeShare"].is_null().all()
    assert out.filter(pl.col("ListingId") == 2)["AtCBOTimeShare"].to_list() == [0.0]


@pytest.mark.parametrize(("seed", "seconds"), [(11, 1e-5), (12, 3e-5), (13, 1e-4)])
def test_equals_the_plain_python_reference(seed: int, seconds: float) -> None:
    l2 = random_l2(seed, snapshots=250)
    cbbo = run_module(ConsolidatedBook, {"l2": l2, "reference": reference_frame()})
    out = _venue(l2, cbbo, TimeBuckets(seconds=seconds))
    expected = reference_cbbo_venue(
        l2, reference_frame(), reference_cbbo(l2, reference_frame()), round(seconds * 1e9)
    )
    got = {
        (row["ListingId"], (row["TimeBucket"] - EPOCH) // dt.timedelta(microseconds=1) * 1000): row
        for row in out.iter_rows(named=True)
    }
    assert set(got) == set(expected)
    for key, values in expected.items():
        for name, value in values.items():
            mine = got[key][name]
            assert (mine is None) == (value is None), (key, name, mine, value)
            if value is not None:
                assert math.isclose(mine, value, rel_tol=1e-9, abs_tol=1e-12), (key, name, mine, value)
