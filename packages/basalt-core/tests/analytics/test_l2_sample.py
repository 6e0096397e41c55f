"""The real BMLL sample rows (one listing, 50 snapshots over 5 s) through ``l2`` and ``l2tw``.

Expected values were worked out by hand from the sample's rows.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl
import pytest

from basalt.analytics.l2 import L2Last, L2TimeWeighted
from basalt.testing import run_module
from basalt.timebuckets import TimeBuckets
from bmll_sample import sample_frame

SECOND = TimeBuckets(seconds=1)


def noon(second: int, micro: int = 0) -> datetime:
    return datetime(2026, 1, 2, 12, 0, second, micro)


@pytest.fixture(scope="module")
def l2() -> pl.DataFrame:
    return sample_frame("l2")


def test_l2_on_the_sample(l2: pl.DataFrame) -> None:
    out = run_module(L2Last, {"l2": l2}, buckets=SECOND)
    assert out["TimeBucket"].to_list() == [noon(1), noon(3), noon(5), noon(6)]
    assert out["ListingId"].unique().to_list() == [121317]
    first = out.row(0, named=True)  # last snapshot before 12:00:01 is L2EventNo 44756
    assert (first["BidPrice1"], first["BidQuantity1"], first["AskPrice1"], first["AskQuantity1"]) == (
        99.68,
        32147,
        99.7,
        400,
    )
    assert first["SpreadBps"] == pytest.approx(10_000 * 0.02 / 99.69)
    assert first["ImbalanceQuantity1"] == pytest.approx((32147 - 400) / 32547)
    last = out.row(3, named=True)  # L2EventNo 44795 at 12:00:05.348078
    assert last["SpreadAbs"] == pytest.approx(0.04)
    assert last["SpreadBps"] == pytest.approx(10_000 * 0.04 / 99.72)  # 4.0112 bps
    assert last["Mid"] == pytest.approx(99.72)
    assert last["WeightedMid"] == pytest.approx(99.70 + 0.04 * 14673 / (14673 + 10427))
    assert last["BidCumQuantity3"] == 14673 + 41972 + 54299
    assert last["ImbalanceQuantity1"] == pytest.approx((14673 - 10427) / (14673 + 10427))
    # Mid in (12:00:05, 12:00:06]: 99.69, then 99.70, 99.71 and 99.72.
    bar = (last["MidOpen"], last["MidHigh"], last["MidLow"], last["MidClose"])
    assert bar == pytest.approx((99.69, 99.72, 99.69, 99.72))
    assert (last["AskOpen"], last["AskHigh"], last["AskClose"]) == (99.7, 99.74, 99.74)
    whole = run_module(L2Last, {"l2": l2}, config={"open_mode": "prev_close"})
    assert whole["TimeBucket"].to_list() == [datetime(2026, 1, 2, 12, 1)]
    assert whole.row(0, named=True)["SpreadBps"] == last["SpreadBps"]


def test_l2tw_on_the_sample(l2: pl.DataFrame) -> None:
    out = run_module(L2TimeWeighted, {"l2": l2}, buckets=SECOND)
    # 12:00:01 to 12:00:05 have snapshots or carry one in; the day's last snapshot
    # (12:00:05.348078) stays in force until its bucket ends at 12:00:06.
    assert out["TimeBucket"].to_list() == [noon(s) for s in range(1, 7)]
    quiet = out.row(1, named=True)  # (12:00:01, 12:00:02]: only L2EventNo 44756 in force
    assert quiet["MidTWA"] == (99.68 + 99.7) / 2
    assert (quiet["BidQuantity1TWA"], quiet["AskQuantity1TWA"]) == (32147.0, 400.0)
    last = out.row(5, named=True)
    # Bid 99.68 until 12:00:05.346703 (346,703 µs), then 99.70 (653,297 µs).
    assert last["BidPrice1TWA"] == pytest.approx(99.68 + 0.02 * 0.653297, rel=1e-12)
    # Ask 99.70 for 346,695 µs, 99.72 for 1,292 µs, 99.74 for 652,013 µs.
    assert last["AskPrice1TWA"] == pytest.approx(99.70 + (0.02 * 1292 + 0.04 * 652013) / 1e6, rel=1e-12)
    minute = run_module(L2TimeWeighted, {"l2": l2})
    assert minute["TimeBucket"].to_list() == [datetime(2026, 1, 2, 12, 1)]
    # Time before the first snapshot (12:00:00.010390) does not count, after the last one
    # the book is in force until 12:01: the ask was 99.74 for 54.652013 of 59.989610 s.
    weights = {99.7: 5.346695 - 0.010390, 99.72: 0.001292, 99.74: 60 - 5.347987}
    expected = sum(price * w for price, w in weights.items()) / sum(weights.values())
    assert minute["AskPrice1TWA"][0] == pytest.approx(expected, rel=1e-12)
