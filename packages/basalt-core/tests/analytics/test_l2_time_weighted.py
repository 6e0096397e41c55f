"""``l2tw`` (time-weighted within each bucket) on tiny books, every value computed by hand."""

from __future__ import annotations

from datetime import date, datetime, time

import polars as pl
import pytest
from analytics import l2_books as books
from analytics import reference_l2 as ref
from pydantic import ValidationError

from basalt.analytics.l2 import L2TimeWeighted, L2TWConfig
from basalt.testing import run_module
from basalt.timebuckets import TimeBuckets

DAY = date(2026, 3, 2)


def at(hour: int, minute: int, second: int = 0, micro: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, micro)


def quote(ts: datetime, mid: float, **extra) -> dict:
    """A one-level book with the given mid (bid/ask at mid ∓ 0.5, sizes 10)."""
    return {"ts": ts, "bids": [(mid - 0.5, 10, 1)], "asks": [(mid + 0.5, 10, 1)], **extra}


def run(snapshots, config=None, buckets=None) -> pl.DataFrame:
    return run_module(L2TimeWeighted, {"l2": books.book_frame(snapshots)}, config=config, buckets=buckets)


def series(out: pl.DataFrame, name: str) -> list[tuple[datetime, float | None]]:
    return out.select("TimeBucket", name).rows()


def test_carry_in_empty_buckets_and_end_of_day() -> None:
    out = run([quote(at(9, 0, 30), 10.0), quote(at(9, 2, 15), 11.0)], config={"families": ["mid"]})
    assert series(out, "MidTWA") == [
        (at(9, 1), 10.0),  # 30 s of the first snapshot; nothing before it counts
        (at(9, 2), 10.0),  # no new snapshot: the first one covers the whole bucket
        (at(9, 3), pytest.approx((10.0 * 15 + 11.0 * 45) / 60)),  # carried in 15 s, then the last of the day
    ]


def test_intervals_spanning_many_buckets() -> None:
    out = run([quote(at(9, 0, 30), 10.0), quote(at(9, 5, 10), 11.0)], config={"families": ["mid"]})
    assert out["TimeBucket"].to_list() == [at(9, m) for m in range(1, 7)]
    assert out["MidTWA"].to_list()[:5] == [10.0] * 5
    assert out["MidTWA"][5] == pytest.approx((10.0 * 10 + 11.0 * 50) / 60)


@pytest.mark.parametrize("mid", [100.0, 99.68, 0.07])
def test_constant_input_gives_exactly_the_constant(mid: float) -> None:
    times = [
        at(9, 0, 1, 17),
        at(9, 0, 7, 3),
        at(9, 0, 33, 333_333),
        at(9, 1, 59, 1),
        at(9, 2, 0),
        at(9, 4, 41, 7),
    ]
    bid, ask = round(mid - 0.01, 2), round(mid + 0.01, 2)
    book = {"bids": [(bid, 12_345, 3), (bid - 0.01, 777, 1)], "asks": [(ask, 12_345, 3)]}
    out = run([{"ts": t, **book} for t in times])
    assert out.height == 5
    assert set(out["MidTWA"]) == {(bid + ask) / 2}
    assert set(out["BidPrice1TWA"]) == {bid}
    assert set(out["SpreadAbsTWA"]) == {ask - bid}
    assert set(out["BidQuantity1TWA"]) == {12_345.0}
    assert set(out["BidCumQuantity2TWA"]) == {13_122.0}
    assert set(out["ImbalanceQuantity1TWA"]) == {0.0}


def test_weights_within_one_bucket() -> None:
    snapshots = [quote(at(9, 0, 10), 10.0), quote(at(9, 0, 40), 20.0), quote(at(9, 0, 50), 40.0)]
    out = run(snapshots, config={"families": ["mid", "spread"]})
    # 30 s at 10, 10 s at 20, 10 s at 40 (the last is in force until the bucket ends).
    assert series(out, "MidTWA") == [(at(9, 1), pytest.approx((300 + 200 + 400) / 50))]
    assert out["SpreadAbsTWA"][0] == pytest.approx(1.0)


@pytest.mark.parametrize(("closed", "rows"), [("right", 1), ("left", 2)])
def test_last_snapshot_on_a_boundary(closed: str, rows: int) -> None:
    snapshots = [quote(at(9, 0, 30), 10.0), quote(at(9, 1), 20.0)]
    out = run(snapshots, config={"families": ["mid"]}, buckets=TimeBuckets(seconds=60, closed=closed))
    # right-closed: the boundary snapshot closes (9:00, 9:01] and is in force for 0 ns;
    # left-closed: it opens [9:01, 9:02) and is in force until that bucket ends.
    expected = [(at(9, 1), 10.0)] + ([(at(9, 2), 20.0)] if closed == "left" else [])
    assert series(out, "MidTWA") == expected
    assert out.height == rows


def test_anchor_start_labels() -> None:
    out = run(
        [quote(at(9, 0, 30), 10.0), quote(at(9, 2, 15), 11.0)],
        config={"families": ["mid"]},
        buckets=TimeBuckets(seconds=60, anchor="start"),
    )
    assert out["TimeBucket"].to_list() == [at(9, 0), at(9, 1), at(9, 2)]


def test_null_values_leave_numerator_and_denominator() -> None:
    three = [(10.0, 100, 1), (9.9, 100, 1), (9.8, 100, 1)]
    two = [(10.0, 100, 1), (9.9, 100, 1)]
    asks = [(10.2, 100, 1)]
    snapshots = [
        {"ts": at(9, 0, 0), "bids": three, "asks": asks},  # 9:00:00 starts the (9:00, 9:01] interval
        {"ts": at(9, 0, 20), "bids": two, "asks": asks},
        {"ts": at(9, 0, 40), "bids": [*two, (9.7, 400, 1)], "asks": asks},
    ]
    out = run(snapshots, config={"levels": 3, "families": ["levels", "cumulative"]})
    r = out.row(0, named=True)
    assert r["BidPrice3TWA"] == pytest.approx((9.8 * 20 + 9.7 * 20) / 40)  # the 2-level book is left out
    assert r["BidQuantity3TWA"] == pytest.approx((100 * 20 + 400 * 20) / 40)
    # Cumulative depth counts the absent level as nothing: 300, 200 and 600 for 20 s each.
    assert r["BidCumQuantity3TWA"] == pytest.approx((300 + 200 + 600) / 3)
    assert r["AskPrice2TWA"] is None  # never present


def test_one_sided_book_gives_null_mid_and_zero_depth() -> None:
    out = run([{"ts": at(9, 0, 30), "bids": [(10.0, 100, 1)], "asks": []}])
    r = out.row(0, named=True)
    assert r["MidTWA"] is None
    assert r["SpreadBpsTWA"] is None
    assert r["AskCumQuantity1TWA"] == 0.0
    assert r["ImbalanceCumQuantity1TWA"] == 1.0


def test_duplicate_timestamps_only_the_last_is_in_force() -> None:
    snapshots = [
        quote(at(9, 0, 10), 20.0, event_no=3),
        quote(at(9, 0, 10), 10.0, event_no=2),
        quote(at(9, 0, 40), 30.0, event_no=4),
    ]
    out = run(snapshots, config={"families": ["mid"]})
    assert out["MidTWA"].to_list() == [pytest.approx((20.0 * 30 + 30.0 * 20) / 50)]


def test_days_do_not_carry_into_each_other() -> None:
    next_day = date(2026, 3, 3)
    snapshots = [quote(at(16, 29, 30), 10.0), quote(at(9, 0, 10, day=next_day), 20.0)]
    out = run(snapshots, config={"families": ["mid"]})
    assert series(out, "MidTWA") == [(at(16, 30), 10.0), (at(9, 1, day=next_day), 20.0)]


def test_session_end_cuts_intervals() -> None:
    snapshots = [quote(at(9, 0, 10), 10.0), quote(at(9, 0, 30), 20.0), quote(at(9, 0, 50), 30.0)]
    out = run(snapshots, config={"families": ["mid"], "session_end": time(9, 0, 45)})
    assert series(out, "MidTWA") == [(at(9, 1), pytest.approx((10.0 * 20 + 20.0 * 15) / 35))]
    later = run(snapshots, config={"families": ["mid"], "session_end": time(9, 3)})
    # The last snapshot stays in force until the session end, across buckets.
    assert series(later, "MidTWA") == [
        (at(9, 1), pytest.approx((10.0 * 20 + 20.0 * 20 + 30.0 * 10) / 50)),
        (at(9, 2), 30.0),
        (at(9, 3), 30.0),
    ]


def test_sub_second_buckets() -> None:
    snapshots = [quote(at(9, 0, 0, 100_000), 10.0), quote(at(9, 0, 0, 300_000), 20.0)]
    out = run(snapshots, config={"families": ["mid"]}, buckets=TimeBuckets(seconds=0.25))
    assert series(out, "MidTWA") == [
        (at(9, 0, 0, 250_000), 10.0),
        (at(9, 0, 0, 500_000), pytest.approx((10.0 * 50 + 20.0 * 200) / 250)),
    ]


def test_config_validation_and_columns() -> None:
    columns = L2TimeWeighted().columns()
    assert [c.name for c in columns] == ref.expected_columns(families=ref.BOOK_FAMILIES, suffix="TWA")
    assert all(c.dtype == "Float64" and c.pattern.endswith("TWA") for c in columns)
    with pytest.raises(ValidationError):
        L2TimeWeighted({"families": ["ohlc"]})
    with pytest.raises(ValidationError):
        L2TimeWeighted({"levels": 11})
    assert L2TWConfig(session_end="16:30").session_end == time(16, 30)
    for field in L2TWConfig.model_fields.values():
        assert field.description
