"""Hand-built L3 sequences: each detection rule, its limits, and every column's value, worked by hand."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest
from iceberg_cases import ASK, BID, START, cancel, fill, ins, l3, reprice
from reference_icebergs import reference_detect, reference_metrics

from basalt import TimeBuckets
from basalt.testing import run_module
from basalt_preprocessors.icebergs.metrics import IcebergMetrics
from basalt_preprocessors.icebergs.module import Icebergs

MS = 1_000_000


def _t(ns: int) -> dt.datetime:
    return START + dt.timedelta(microseconds=ns // 1000)


def detect(frame: pl.DataFrame, **config: Any) -> list[dict[str, Any]]:
    """The module's rows; the plain-Python reference must agree on every case."""
    out = run_module(Icebergs, {"l3": frame}, config=config).to_dicts()
    ref = reference_detect(
        frame, delay_ns=config.get("refill_delay_ns", MS), hidden=config.get("hidden_executions", True)
    )
    assert out == ref
    return out


def test_a_refill_within_the_delay_reveals_an_iceberg() -> None:
    frame = l3(
        ins(0, BID, 100.0, 300, "A"),
        ins(10, BID, 100.0, 200, "N"),
        fill(MS, BID, 100.0, 300, 300, "A", eoe=False),
        ins(MS + 500, BID, 100.0, 300, "B"),
    )
    (row,) = detect(frame)
    assert row == {
        "ListingId": 7, "TradeDate": dt.date(2024, 3, 4), "IcebergId": "A", "Side": BID, "Price": 100.0,
        "FirstSeen": _t(0), "DetectedAt": _t(MS + 500), "LastSeen": _t(MS + 500), "RefillCount": 1,
        "HiddenExecutionCount": 0, "HiddenVolume": 0, "ExecutedVolume": 300, "EstimatedPeakSize": 300,
        "OrderCount": 2,
    }  # fmt: skip


@pytest.mark.parametrize(("delay", "found"), [(MS, 0), (3 * MS, 1), (2 * MS, 1), (2 * MS - 1, 0)])
def test_a_refill_counts_only_within_the_configured_delay(delay: int, found: int) -> None:
    frame = l3(
        ins(0, ASK, 50.5, 100, "A"), fill(MS, ASK, 50.5, 100, 100, "A"), ins(3 * MS, ASK, 50.5, 100, "B")
    )
    assert len(detect(frame, refill_delay_ns=delay)) == found


def test_inserts_on_the_other_side_or_price_partial_fills_and_cancels_are_not_refills() -> None:
    other = l3(
        ins(0, BID, 100.0, 300, "A"),
        fill(MS, BID, 100.0, 300, 300, "A"),
        ins(MS + 1, ASK, 100.0, 300, "B"),
        ins(MS + 2, BID, 100.5, 300, "C"),
    )
    partial = l3(
        ins(0, BID, 100.0, 300, "A"), fill(MS, BID, 100.0, 300, 100, "A"), ins(MS + 1, BID, 100.0, 300, "B")
    )
    cancelled = l3(
        ins(0, BID, 100.0, 300, "A"), cancel(MS, BID, 100.0, 300, "A"), ins(MS + 1, BID, 100.0, 300, "B")
    )
    for frame in (other, partial, cancelled):
        assert detect(frame) == []


def test_an_execution_larger_than_the_displayed_size() -> None:
    frame = l3(ins(0, BID, 100.0, 300, "A"), fill(MS, BID, 100.0, 300, 450, "A"))
    (row,) = detect(frame)
    assert (row["IcebergId"], row["RefillCount"], row["HiddenExecutionCount"], row["HiddenVolume"]) == (
        "A",
        0,
        1,
        150,
    )
    assert (row["ExecutedVolume"], row["EstimatedPeakSize"], row["OrderCount"], row["DetectedAt"]) == (
        450,
        300,
        1,
        _t(MS),
    )
    assert detect(frame, hidden_executions=False) == []


def test_an_event_executing_more_than_the_level_showed_is_attributed_to_its_last_order() -> None:
    """Level 100 shows A 100 + C 50 = 150; an event fills A, A refills as D, fills C, 80 of D: 230 > 150."""
    frame = l3(
        ins(0, BID, 100.0, 100, "A"),
        ins(1, BID, 100.0, 50, "C"),
        fill(MS, BID, 100.0, 100, 100, "A", eoe=False),
        ins(MS, BID, 100.0, 100, "D", eoe=False),
        fill(MS, BID, 100.0, 50, 50, "C", eoe=False),
        fill(MS, BID, 100.0, 100, 80, "D"),
    )
    (row,) = detect(frame)
    assert row["IcebergId"] == "A"
    assert (row["RefillCount"], row["HiddenExecutionCount"], row["HiddenVolume"]) == (1, 1, 80)
    assert (row["ExecutedVolume"], row["OrderCount"], row["EstimatedPeakSize"]) == (180, 2, 100)
    assert (row["DetectedAt"], row["Price"]) == (_t(MS), 100.0)  # refill and excess at once: the refill's
    # Without EndOfEvent the event is the rows sharing a timestamp: the same here.
    assert detect(frame.drop("EndOfEvent")) == [row]


def test_executions_of_orders_never_inserted_leave_the_level_untrusted() -> None:
    """Data start mid-day: U rested before them; the level's 500 executed vs 300 shown proves nothing."""
    frame = l3(
        ins(0, BID, 100.0, 300, "A"),
        fill(MS, BID, 100.0, 300, 300, "A", eoe=False),
        fill(MS, BID, 100.0, 200, 200, "U"),
    )
    assert detect(frame) == []


def test_a_chain_of_refills_is_one_iceberg_and_follows_a_reprice() -> None:
    frame = l3(
        ins(0, BID, 100.0, 100, "A"),
        fill(MS, BID, 100.0, 100, 100, "A", eoe=False),
        ins(MS, BID, 100.0, 100, "B"),
        reprice(2 * MS, BID, 100.0, 99.5, 100, "B"),
        fill(3 * MS, BID, 99.5, 100, 100, "B", eoe=False),
        ins(3 * MS, BID, 99.5, 60, "C"),
        fill(4 * MS, BID, 99.5, 60, 30, "C"),
    )
    (row,) = detect(frame)
    assert (row["IcebergId"], row["RefillCount"], row["OrderCount"]) == ("A", 2, 3)
    assert (row["ExecutedVolume"], row["EstimatedPeakSize"], row["Price"]) == (230, 100, 100.0)
    assert (row["FirstSeen"], row["DetectedAt"], row["LastSeen"]) == (_t(0), _t(MS), _t(4 * MS))


def test_a_refill_belongs_to_the_latest_full_execution_and_only_the_first_insert_is_a_refill() -> None:
    two_fills = l3(
        ins(0, ASK, 10.0, 50, "N"),
        ins(1, ASK, 10.0, 100, "A"),
        fill(MS, ASK, 10.0, 50, 50, "N", eoe=False),
        fill(MS, ASK, 10.0, 100, 100, "A", eoe=False),
        ins(MS, ASK, 10.0, 100, "B"),
    )
    (row,) = detect(two_fills)
    assert (row["IcebergId"], row["Side"], row["ExecutedVolume"], row["OrderCount"]) == ("A", ASK, 100, 2)
    two_inserts = l3(
        ins(0, ASK, 10.0, 100, "A"),
        fill(MS, ASK, 10.0, 100, 100, "A"),
        ins(MS + 100, ASK, 10.0, 100, "B"),
        ins(MS + 200, ASK, 10.0, 70, "E"),
        fill(2 * MS, ASK, 10.0, 100, 100, "B"),
        fill(2 * MS + 5, ASK, 10.0, 70, 70, "E"),
    )
    (row,) = detect(two_inserts)
    assert (row["IcebergId"], row["RefillCount"], row["OrderCount"], row["ExecutedVolume"]) == (
        "A",
        1,
        2,
        200,
    )


def test_listings_and_days_are_separate() -> None:
    a = l3(ins(0, BID, 100.0, 300, "A"), fill(MS, BID, 100.0, 300, 300, "A"))
    b = l3(ins(MS + 10, BID, 100.0, 300, "B"), listing=8, first_no=3)
    assert detect(pl.concat([a, b])) == []
    next_day = b.with_columns(pl.lit(dt.datetime(2024, 3, 5)).cast(pl.Datetime("ms")).alias("TradeDate"))
    assert detect(pl.concat([a, next_day.with_columns(pl.lit(7, dtype=pl.Int64).alias("ListingId"))])) == []


def test_metrics_per_bucket_by_hand() -> None:
    """Case of the level rule: A and its refill D are the iceberg (100 + 80), C (50) is not; all in 09:01."""
    frame = l3(
        ins(0, BID, 100.0, 100, "A"),
        ins(1, BID, 100.0, 50, "C"),
        fill(MS, BID, 100.0, 100, 100, "A", eoe=False),
        ins(MS, BID, 100.0, 100, "D", eoe=False),
        fill(MS, BID, 100.0, 50, 50, "C", eoe=False),
        fill(MS, BID, 100.0, 100, 80, "D"),
        fill(61_000 * MS, ASK, 101.0, 10, 10, "Z"),  # unknown ask order in the next bucket: no iceberg
    )
    out = run_module(IcebergMetrics, {"l3": frame}, buckets=TimeBuckets(seconds=60)).to_dicts()
    assert out == [
        {"ListingId": 7, "TimeBucket": dt.datetime(2024, 3, 4, 9, 1), "IcebergExecutedVolume": 180,
         "IcebergBidExecutedVolume": 180, "IcebergAskExecutedVolume": 0, "IcebergVolumeShare": 180 / 230,
         "IcebergRefillCount": 1, "IcebergCount": 1},
        {"ListingId": 7, "TimeBucket": dt.datetime(2024, 3, 4, 9, 2), "IcebergExecutedVolume": 0,
         "IcebergBidExecutedVolume": 0, "IcebergAskExecutedVolume": 0, "IcebergVolumeShare": 0.0,
         "IcebergRefillCount": 0, "IcebergCount": 0},
    ]  # fmt: skip
    ref = reference_metrics(frame, bucket_ns=60 * 10**9)
    assert [ref[k] for k in sorted(ref)] == [
        {k: v for k, v in r.items() if k not in ("ListingId", "TimeBucket")} for r in out
    ]
