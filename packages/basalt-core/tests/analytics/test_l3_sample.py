"""The real BMLL L3 sample (VOD, XLON, 2026-01-02, 50 events in 12:00:00–12:00:06) through ``l3``.

Expected values were worked out by hand from the sample rows (``EventNo`` 58410–58459).
"""

from __future__ import annotations

from datetime import datetime

import polars as pl
import pytest

from basalt.analytics.l3 import L3Module
from basalt.analytics.l3.config import ADVANCED
from basalt.testing import run_module
from basalt.timebuckets import TimeBuckets
from bmll_sample import sample_frame

NS = 1e-9


@pytest.fixture(scope="module")
def result() -> dict:
    out = run_module(L3Module, {"l3": sample_frame("l3")}, config={"advanced": list(ADVANCED)})
    assert out.height == 1
    return out.row(0, named=True)


def test_counts_and_volumes(result: dict) -> None:
    assert result["ListingId"] == 121317
    assert result["TimeBucket"] == datetime(2026, 1, 2, 12, 1)
    # 14 bid inserts (EventNo 58415, 58427, 58439, ...): sizes 6844 + 5906 + ... + 676.
    assert result["InsertCountBid"] == 14
    assert result["InsertVolumeBid"] == 58630
    assert result["InsertCountAsk"] == 8
    # One execution: EventNo 58442, an ask of 400 fully executed (LobAction 3, OrderExecuted).
    assert (result["ExecuteCountAsk"], result["ExecuteVolumeAsk"]) == (1, 400)
    assert (result["ExecuteCountBid"], result["ExecuteVolumeBid"]) == (0, 0)
    assert result["RemoveCountAsk"] == 13
    assert result["RemoveCountBid"] == 9
    # Updates: one bid 5294 -> 5293 (EventNo 58456), four price-only ask updates.
    assert (result["UpdateCountBid"], result["UpdateVolumeBid"]) == (1, 1)
    assert (result["UpdateCountAsk"], result["UpdateVolumeAsk"]) == (4, 0)
    assert sum(v for k, v in result.items() if "Count" in k) == 50  # every row classified once


def test_advanced_values(result: dict) -> None:
    assert result["ArrivalFlowImbalance"] == pytest.approx((58630 - 59262) / (58630 + 59262))
    assert result["CancelToTradeRatioAsk"] == 13.0
    assert result["CancelToTradeRatioBid"] is None
    assert result["AvgQueuePositionBid"] == pytest.approx(777625 / 14)
    # Bid orders inserted and removed within the sample: ...575688 (00.372162665 -> 05.161086623)
    # and ...575766 (02.611589008 -> 05.336724474); the other 7 bid removals were inserted earlier.
    assert result["AvgRestingTimeBid"] == pytest.approx((4_788_923_958 + 2_725_135_466) / 2 * NS, rel=1e-12)
    ask = 207_700_701 + 4_662_407_164 + 676_728_763 + 185_593_611
    assert result["AvgRestingTimeAsk"] == pytest.approx(ask / 4 * NS, rel=1e-12)
    assert result["FleetingLiquidityRatioBid"] == 0.0
    assert result["FleetingLiquidityRatioAsk"] == 0.0
    # Bid cancels and the next bid insert: 8 of 9 within 1 s (...575456 at 02.6195 waits 2.7 s).
    gaps = [361_781_743, 337_712_123, 175_394_551, 174_846_591, 2_524_520, 42_340, 68_680, 60_080]
    assert result["AvgReplacementLatencyBid"] == pytest.approx(sum(gaps) / 8 * NS, rel=1e-12)


def test_one_second_buckets_split_the_sample() -> None:
    out = run_module(
        L3Module,
        {"l3": sample_frame("l3")},
        config={"advanced": ["FleetingLiquidityRatio"]},
        buckets=TimeBuckets(seconds=1),
    )
    assert out["TimeBucket"].dt.second().to_list() == [1, 3, 5, 6]
    counts = out.select(pl.sum_horizontal(pl.col("^.*Count.*$"))).to_series().to_list()
    assert sum(counts) == 50
