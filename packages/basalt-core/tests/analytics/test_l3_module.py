"""Hand-computed checks of the ``l3`` module on tiny L3 frames."""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl
import pytest
from pydantic import ValidationError

from basalt.analytics.l3 import L3Config, L3Module
from basalt.testing import run_module
from basalt.timebuckets import TimeBuckets

T0 = datetime(2024, 3, 4, 9, 0)
ADVANCED = [
    "ArrivalFlowImbalance",
    "CancelToTradeRatio",
    "AvgQueuePosition",
    "AvgRestingTime",
    "FleetingLiquidityRatio",
    "AvgReplacementLatency",
]


def at(seconds: float = 0.0, ns: int = 0) -> int:
    """Nanoseconds since the epoch of T0 + seconds + ns."""
    base = int((T0 - datetime(1970, 1, 1)).total_seconds()) * 1_000_000_000
    return base + round(seconds * 1_000_000_000) + ns


def event(
    ns: int,
    side: int,
    action: int,
    order: str = "",
    *,
    size: int = 0,
    old_size: int = 0,
    executed: bool | None = False,
    exec_size: int = 0,
    ahead: int | None = None,
    new_id: str | None = None,
    current: str | None = None,
    state: str = "CONTINUOUS_TRADING",
    listing: int = 1,
    day: datetime = T0,
) -> dict:
    """One L3 row in BMLL's conventions.

    ``order`` is the OriginalOrderId; the order's ``current`` id (default: the same) is the OrderId
    of inserts and updates (``new_id`` when an update changes it) and the OldOrderId of removes and
    updates.
    """
    current = current or order
    return {
        "ListingId": listing,
        "TradeDate": datetime(day.year, day.month, day.day),
        "TimestampNanoseconds": ns,
        "Side": side,
        "LobAction": action,
        "OriginalOrderId": order,
        "OrderId": (new_id or current) if action in (2, 4) else "",
        "OldOrderId": current if action in (3, 4) else "",
        "Size": size,
        "OldSize": old_size,
        "OrderExecuted": executed,
        "ExecutionSize": exec_size,
        "SizeAhead": ahead,
        "MarketState": state,
    }


def frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "ListingId": pl.Int64,
            "TradeDate": pl.Datetime("ms"),
            "TimestampNanoseconds": pl.Int64,
            "Side": pl.Int64,
            "LobAction": pl.Int64,
            "OriginalOrderId": pl.String,
            "OrderId": pl.String,
            "OldOrderId": pl.String,
            "Size": pl.Int64,
            "OldSize": pl.Int64,
            "OrderExecuted": pl.Boolean,
            "ExecutionSize": pl.Int64,
            "SizeAhead": pl.Int64,
            "MarketState": pl.String,
        },
    ).with_columns(pl.col("TimestampNanoseconds").cast(pl.Datetime("ns")))


def run(rows: list[dict], buckets: TimeBuckets | None = None, **config) -> pl.DataFrame:
    return run_module(L3Module, {"l3": frame(rows)}, config=config, buckets=buckets)


def one(result: pl.DataFrame, minute: int | None = None) -> dict:
    """The output row of bucket T0 + minute (the only row when None)."""
    if minute is None:
        assert result.height == 1, result
        return result.row(0, named=True)
    rows = result.filter(pl.col("TimeBucket") == T0 + timedelta(minutes=minute))
    assert rows.height == 1, result
    return rows.row(0, named=True)


# ---------------------------------------------------------------------------------------------
# Classification, counts and volumes
# ---------------------------------------------------------------------------------------------


def test_every_class_counted_once_with_its_volume() -> None:
    rows = [
        event(at(1), 1, 2, "a", size=100, ahead=0),  # insert bid
        event(at(2), 1, 4, "a", size=70, old_size=100),  # update bid: -30
        event(at(3), 1, 4, "a", size=40, old_size=70, executed=True, exec_size=30),  # partial fill
        event(at(4), 1, 3, "a", old_size=40, executed=True, exec_size=40),  # full fill
        event(at(5), 2, 2, "b", size=200, ahead=10),  # insert ask
        event(at(6), 2, 4, "b", size=200, old_size=200),  # price-only update: volume 0
        event(at(7), 2, 3, "b", old_size=200),  # cancel ask
        event(at(8), 2, 3, "z", old_size=5, executed=None),  # null flag: a cancel
    ]
    row = one(run(rows))
    assert row["TimeBucket"] == T0 + timedelta(minutes=1)
    expected = {
        "InsertCountBid": 1, "InsertVolumeBid": 100,
        "RemoveCountBid": 0, "RemoveVolumeBid": 0,
        "UpdateCountBid": 1, "UpdateVolumeBid": 30,
        "ExecuteCountBid": 2, "ExecuteVolumeBid": 70,
        "InsertCountAsk": 1, "InsertVolumeAsk": 200,
        "RemoveCountAsk": 2, "RemoveVolumeAsk": 205,
        "UpdateCountAsk": 1, "UpdateVolumeAsk": 0,
        "ExecuteCountAsk": 0, "ExecuteVolumeAsk": 0,
    }  # fmt: skip
    assert {k: row[k] for k in expected} == expected


def test_rows_of_other_sides_and_actions_are_ignored() -> None:
    rows = [
        event(at(1), 1, 2, "a", size=100),
        event(at(2), 0, 2, "x", size=5),  # side 0
        event(at(3), 1, 1, "y", size=5),  # LobAction 1
        event(at(70), 3, 3, "x", old_size=5),  # side 3, alone in its bucket: no row at all
    ]
    result = run(rows)
    assert result.height == 1
    assert one(result)["InsertCountBid"] == 1
    assert sum(v for k, v in one(result).items() if "Count" in k) == 1


def test_event_exactly_on_a_bucket_edge() -> None:
    rows = [event(at(60), 1, 2, "a", size=10), event(at(60, ns=1), 1, 2, "b", size=20)]
    right = run(rows)
    assert one(right, 1)["InsertVolumeBid"] == 10  # 09:01:00 closes (09:00, 09:01]
    assert one(right, 2)["InsertVolumeBid"] == 20
    left = run(rows, TimeBuckets(closed="left"))
    assert left.height == 1
    assert one(left, 2)["InsertVolumeBid"] == 30
    start = run(rows, TimeBuckets(closed="left", anchor="start"))
    assert one(start, 1)["InsertCountBid"] == 2  # labelled by its start, 09:01


def test_one_event_bucket_and_sparse_rows() -> None:
    rows = [event(at(1), 2, 2, "a", size=10), event(at(600), 1, 3, "q", old_size=7)]
    result = run(rows)
    assert result["TimeBucket"].to_list() == [T0 + timedelta(minutes=1), T0 + timedelta(minutes=10)]
    last = one(result, 10)
    assert last["RemoveCountBid"] == 1
    assert last["RemoveVolumeBid"] == 7
    assert last["InsertCountAsk"] == 0


def test_config_selects_columns_in_order() -> None:
    module = L3Module({"sides": ["Ask", "Bid"], "actions": ["Execute", "Insert"], "measures": ["Volume"]})
    names = [c.name for c in module.columns()]
    assert names == ["InsertVolumeBid", "ExecuteVolumeBid", "InsertVolumeAsk", "ExecuteVolumeAsk"]
    result = run_module(module, {"l3": frame([event(at(1), 1, 2, "a", size=3)])})
    assert result.columns == ["ListingId", "TimeBucket", *names]


def test_works_on_the_columns_it_declares() -> None:
    module = L3Module({"advanced": ADVANCED})
    rows = frame([event(at(1), 1, 2, "a", size=3, ahead=5), event(at(2), 1, 3, "a", old_size=3)])
    subset = rows.select(module.required_columns())  # no TradeDate, no MarketState
    assert "TradeDate" not in subset.columns
    assert "MarketState" not in subset.columns
    row = one(run_module(module, {"l3": subset}))
    assert row["AvgRestingTimeBid"] == pytest.approx(1.0)
    assert row["AvgQueuePositionBid"] == 5.0


def test_market_state_filter_counts_only_kept_events_but_keeps_the_lifecycle() -> None:
    rows = [
        event(at(1), 1, 2, "a", size=10, state="OPENING_AUCTION"),
        event(at(2.5), 1, 3, "a", old_size=10),
    ]
    row = one(run(rows, market_states=["CONTINUOUS_TRADING"], advanced=ADVANCED))
    assert row["InsertCountBid"] == 0
    assert row["RemoveCountBid"] == 1
    assert row["AvgRestingTimeBid"] == pytest.approx(1.5)  # inserted in the auction, still matched
    assert row["FleetingLiquidityRatioBid"] is None  # no kept insert


# ---------------------------------------------------------------------------------------------
# Advanced metrics
# ---------------------------------------------------------------------------------------------


def test_arrival_flow_imbalance_and_cancel_to_trade_ratio() -> None:
    rows = [
        event(at(1), 1, 2, "a", size=300),
        event(at(2), 2, 2, "b", size=100),
        event(at(3), 2, 3, "x", old_size=1),
        event(at(4), 2, 3, "y", old_size=1),
        event(at(5), 2, 3, "z", old_size=1),
        event(at(6), 2, 3, "b", old_size=100, executed=True, exec_size=100),  # not a cancel
        event(at(7), 2, 4, "w", size=1, old_size=2, executed=True, exec_size=1),
    ]
    row = one(run(rows, advanced=["ArrivalFlowImbalance", "CancelToTradeRatio"]))
    assert row["ArrivalFlowImbalance"] == pytest.approx((300 - 100) / 400)
    assert row["CancelToTradeRatioAsk"] == pytest.approx(3 / 2)
    assert row["CancelToTradeRatioBid"] is None  # no execution of bids


def test_arrival_flow_imbalance_null_without_inserts() -> None:
    row = one(run([event(at(1), 1, 3, "a", old_size=5)], advanced=["ArrivalFlowImbalance"]))
    assert row["ArrivalFlowImbalance"] is None


def test_avg_queue_position_ignores_null_size_ahead() -> None:
    rows = [
        event(at(1), 1, 2, "a", size=1, ahead=100),
        event(at(2), 1, 2, "b", size=1, ahead=None),
        event(at(3), 1, 2, "c", size=1, ahead=300),
        event(at(4), 1, 3, "c", old_size=1),
    ]
    row = one(run(rows, advanced=["AvgQueuePosition"]))
    assert row["AvgQueuePositionBid"] == pytest.approx(200.0)
    assert row["AvgQueuePositionAsk"] is None


def test_avg_resting_time() -> None:
    rows = [
        event(at(1), 1, 2, "a", size=10),
        event(at(2), 1, 4, "a", size=5, old_size=10, executed=True, exec_size=5),  # partial: not an end
        event(at(5), 1, 3, "a", old_size=5, executed=True, exec_size=5),  # fully executed after 4 s
        event(at(10), 1, 2, "b", size=10),
        event(at(12), 1, 4, "b", size=10, old_size=10, new_id="b2"),  # update: time still from 10 s
        event(at(20), 1, 3, "b", old_size=10, current="b2"),  # cancelled after 10 s
        event(at(30), 1, 3, "old", old_size=10),  # inserted before the data starts: excluded
        event(at(31), 2, 3, "", old_size=10),  # no id: excluded
    ]
    row = one(run(rows, advanced=["AvgRestingTime"]))
    assert row["AvgRestingTimeBid"] == pytest.approx((4 + 10) / 2)
    assert row["AvgRestingTimeAsk"] is None
    # Matching by OrderId: the update gave b a new id, so b's removal has no insert.
    row = one(run(rows, advanced=["AvgRestingTime"], order_key="OrderId"))
    assert row["AvgRestingTimeBid"] == pytest.approx(4.0)


def test_resting_time_goes_to_the_bucket_of_the_removal_and_stays_within_the_day() -> None:
    day2 = T0 + timedelta(days=1)
    rows = [
        event(at(50), 2, 2, "a", size=10),
        event(at(70), 2, 3, "a", old_size=10),
        event(at(5), 2, 2, "c", size=10),
        event(at(80), 2, 3, "c", old_size=10),
        event(at(86_400 + 1), 2, 3, "a2", old_size=1, day=day2),
        event(at(86_400 + 2), 2, 3, "c", old_size=10, day=day2),  # same id, next day: not matched
    ]
    result = run(rows, advanced=["AvgRestingTime"])
    assert one(result, 1)["AvgRestingTimeAsk"] is None  # the insert's bucket
    assert one(result, 2)["AvgRestingTimeAsk"] == pytest.approx((20 + 75) / 2)
    assert one(result, 24 * 60 + 1)["AvgRestingTimeAsk"] is None


def test_fleeting_threshold_is_inclusive() -> None:
    ms = 1_000_000
    rows = [
        event(at(1), 2, 2, "edge", size=1),
        event(at(1, ns=100 * ms), 2, 3, "edge", old_size=1),  # exactly 100 ms: fleeting
        event(at(2), 2, 2, "late", size=1),
        event(at(2, ns=100 * ms + 1), 2, 3, "late", old_size=1),  # 100 ms + 1 ns: not
        event(at(3), 2, 2, "zero", size=1),
        event(at(3), 2, 3, "zero", old_size=1),  # same instant: fleeting
        event(at(4), 2, 2, "hit", size=1),
        event(at(4, ns=ms), 2, 3, "hit", old_size=1, executed=True, exec_size=1),  # executed, not cancelled
        event(at(5), 2, 2, "part", size=2),
        event(at(5, ns=ms), 2, 4, "part", size=1, old_size=2, executed=True, exec_size=1),
        event(at(5, ns=2 * ms), 2, 3, "part", old_size=1),  # rest cancelled after a partial fill: fleeting
    ]
    row = one(run(rows, advanced=["FleetingLiquidityRatio"]))
    assert row["FleetingLiquidityRatioAsk"] == pytest.approx(3 / 5)
    row = one(run(rows, advanced=["FleetingLiquidityRatio"], fleeting_threshold_ms=0.5))
    assert row["FleetingLiquidityRatioAsk"] == pytest.approx(1 / 5)


def test_fleeting_insert_counts_in_its_own_bucket_even_if_cancelled_in_the_next() -> None:
    rows = [event(at(59.95), 1, 2, "a", size=1), event(at(60.01), 1, 3, "a", old_size=1)]
    result = run(rows, advanced=["FleetingLiquidityRatio"])
    assert one(result, 1)["FleetingLiquidityRatioBid"] == 1.0
    assert one(result, 2)["FleetingLiquidityRatioBid"] is None


def test_replacement_latency() -> None:
    ms = 1_000_000
    rows = [
        event(at(1), 1, 3, "a", old_size=1),
        event(at(1, ns=20 * ms), 2, 2, "x", size=1),  # other side: ignored
        event(at(1, ns=50 * ms), 1, 2, "b", size=1),  # 50 ms after a's cancel
        event(at(2), 1, 3, "b", old_size=1),
        event(at(2), 1, 2, "c", size=1),  # same instant: 0
        event(at(5), 1, 3, "c", old_size=1),  # next bid insert 1 s later: exactly the threshold
        event(at(6), 1, 2, "d", size=1),
        event(at(7), 1, 3, "d", old_size=1),
        event(at(8, ns=1), 1, 2, "e", size=1),  # 1 s + 1 ns: not replaced
        event(at(9), 1, 3, "e", old_size=1, executed=True, exec_size=1),  # execution: not a cancel
    ]
    row = one(run(rows, advanced=["AvgReplacementLatency"]))
    assert row["AvgReplacementLatencyBid"] == pytest.approx((0.05 + 0 + 1.0) / 3)
    assert row["AvgReplacementLatencyAsk"] is None


def test_replacement_searches_every_event_of_the_day_but_not_the_next_day() -> None:
    rows = [
        event(at(59.9), 2, 3, "a", old_size=1),
        event(at(60.1), 2, 2, "b", size=1, state="CLOSED"),  # next bucket, filtered state: still found
        event(at(53_999.9), 2, 3, "c", old_size=1),  # 23:59:59.9
        event(at(54_000.1), 2, 2, "d", size=1, day=T0 + timedelta(days=1)),  # 00:00:00.1, next trading day
    ]
    result = run(rows, advanced=["AvgReplacementLatency"], market_states=["CONTINUOUS_TRADING"])
    assert one(result, 1)["AvgReplacementLatencyAsk"] == pytest.approx(0.2)
    assert result.filter(pl.col("AvgReplacementLatencyAsk").is_not_null()).height == 1


# ---------------------------------------------------------------------------------------------
# Configuration and documentation
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "config",
    [
        {"sides": []},
        {"actions": [], "advanced": []},
        {"measures": ["Count", "Count"]},
        {"advanced": ["Nope"]},
        {"fleeting_threshold_ms": 0},
        {"market_states": []},
        {"unknown": 1},
    ],
)
def test_invalid_configs(config: dict) -> None:
    with pytest.raises(ValidationError):
        L3Config.model_validate(config)


def test_every_config_field_is_described() -> None:
    assert all(field.description for field in L3Config.model_fields.values())


def test_columns_are_documented_with_sources_and_dtypes() -> None:
    docs = L3Module({"advanced": ADVANCED}).columns()
    assert len(docs) == 16 + 1 + 5 * 2
    for doc in docs:
        assert doc.sources
        assert all(s.startswith("l3.") for s in doc.sources)
        assert doc.dtype in {"Int64", "Float64"}
        assert doc.additive == (doc.dtype == "Int64")
    assert {d.pattern for d in docs if d.dtype == "Int64"} == {"{Action}Count{Side}", "{Action}Volume{Side}"}
    fleeting = next(d for d in docs if d.name == "FleetingLiquidityRatioBid")
    assert "100 ms" in fleeting.definition
