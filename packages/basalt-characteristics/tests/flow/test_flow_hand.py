"""Hand-computed cases of the flow modules: ties, equal prices, one-sided and missing quotes, single
trades, zero volume, null inputs and unknown sides. Every expected number is worked out in the comments."""

from __future__ import annotations

import datetime as dt
import math

import polars as pl
import pytest

from basalt.testing import run_module
from basalt_characteristics.classification import ClassificationModule
from basalt_characteristics.l3_lifecycle import L3CharacteristicsModule
from basalt_characteristics.trades import TradeCharacteristicsModule
from basalt_characteristics.vpin import VPINModule

DAY = dt.datetime(2024, 3, 4)
OPEN = dt.datetime(2024, 3, 4, 8)


def at(seconds: float) -> dt.datetime:
    return OPEN + dt.timedelta(seconds=seconds)


def bucket(minute: int) -> dt.datetime:
    """Label of the (08:minute-1, 08:minute] bucket."""
    return OPEN + dt.timedelta(minutes=minute)


def trades(rows: list[tuple], classification: str = "LIT_CONTINUOUS") -> pl.DataFrame:
    """Rows of (seconds, price, size, side[, lot]) of listing 1 on 2024-03-04."""
    return pl.DataFrame(
        {
            "ListingId": [1] * len(rows),
            "TradeDate": [DAY] * len(rows),
            "TradeTimestamp": [at(r[0]) for r in rows],
            "InstrumentCurrencyPrice": [r[1] for r in rows],
            "Price": [r[1] for r in rows],
            "Size": [r[2] for r in rows],
            "AggressorSide": [r[3] for r in rows],
            "Classification": [r[5] if len(r) > 5 else classification for r in rows],
            "LotType": [r[4] if len(r) > 4 else "ROUND" for r in rows],
        },
        schema_overrides={
            "TradeTimestamp": pl.Datetime("us"),
            "InstrumentCurrencyPrice": pl.Float64,
            "Price": pl.Float64,
            "Size": pl.Float64,
            "AggressorSide": pl.Int64,
            "LotType": pl.String,
        },
    )


def l2(rows: list[tuple]) -> pl.DataFrame:
    """Rows of (seconds, L2EventNo, bid, ask) of listing 1."""
    return pl.DataFrame(
        {
            "ListingId": [1] * len(rows),
            "TradeDate": [DAY] * len(rows),
            "EventTimestamp": [at(r[0]) for r in rows],
            "L2EventNo": [r[1] for r in rows],
            "BidPrice1": [r[2] for r in rows],
            "AskPrice1": [r[3] for r in rows],
        },
        schema_overrides={
            "EventTimestamp": pl.Datetime("us"),
            "BidPrice1": pl.Float64,
            "AskPrice1": pl.Float64,
        },
    )


def phi(z: float) -> float:
    return 0.5 * math.erfc(-z / math.sqrt(2))


# -- classification ------------------------------------------------------------------------------

QUOTES = l2(
    [
        (0, 1, 10.00, 10.02),  # mid 10.01
        (30, 3, 10.00, 10.04),  # two snapshots at 30 s: the last in L2EventNo order (mid 10.02) prevails
        (30, 2, 10.02, 10.04),
        (60, 4, None, 10.06),  # one-sided book from 60 s: Lee-Ready falls back to the tick rule
    ]
)
CLASSIFIED = trades(
    [
        (10, 10.02, 100.0, 1),  # tick 0 (first), LR mid 10.01 → +1
        (15, None, 999.0, 1),  # null price: dropped
        (20, 10.01, 200.0, 2),  # tick −1; LR at the mid → tick −1
        (25, 20.00, 5000.0, 1, "ROUND", "DARK_BELOW_LIS"),  # not lit continuous: dropped
        (30, 10.01, 300.0, 0),  # unknown side; the 30 s quotes are not strictly before: mid 10.01 → tick −1
        (40, 10.03, 400.0, 1),  # tick +1; LR mid 10.02 → +1
        (50, 10.02, 500.0, None),  # null side (unknown); tick −1, LR at mid → −1
        (55, 10.02, 600.0, 1),  # equal price: tick keeps −1 (last different 10.03); LR at mid → −1, wrong
        (70, 10.05, 1000.0, 1),  # tick +1 (last different 10.02); LR one-sided → tick +1
        (80, 10.04, 1000.0, 2),  # tick −1; LR → tick −1
        (130, 10.04, 50.0, 2),  # equal price: tick −1 (last different 10.05)
        (190, 10.04, 0.0, 1),  # zero volume
    ]
)


def test_classification_by_hand() -> None:
    out = run_module(ClassificationModule, {"trades": CLASSIFIED, "l2": QUOTES})
    rows = {r["TimeBucket"]: r for r in out.to_dicts()}
    assert list(rows) == [bucket(1), bucket(2), bucket(3), bucket(4)]
    first = rows[bucket(1)]
    # Labelled volume 100 + 200 + 400 + 600 = 1300 (the unknown 300 and null-side 500 excluded).
    assert first["TickRuleBuyVolume"] == 400.0
    assert first["TickRuleSellVolume"] == 200.0 + 300.0 + 500.0 + 600.0
    assert first["TickRuleAccuracy"] == pytest.approx((200.0 + 400.0) / 1300.0, rel=1e-12)
    assert first["LeeReadyBuyVolume"] == 100.0 + 400.0
    assert first["LeeReadyAccuracy"] == pytest.approx((100.0 + 200.0 + 400.0) / 1300.0, rel=1e-12)
    assert first["BVCBuyVolume"] is None
    assert first["BVCAccuracy"] is None  # the listing-day's first bucket has no ΔP
    second = rows[bucket(2)]
    assert second["TickRuleAccuracy"] == 1.0
    assert second["LeeReadyAccuracy"] == 1.0
    # Bucket ΔPs: 10.04 − 10.02, 0 (10.04 → 10.04), 0: σ = 0.02·√2/3, z = 3/√2 in bucket 2.
    f = phi(3 / math.sqrt(2))
    assert second["BVCBuyVolume"] == pytest.approx(2000.0 * f, rel=1e-9)
    assert second["BVCSellVolume"] == pytest.approx(2000.0 * (1 - f), rel=1e-9)
    assert second["BVCAccuracy"] == pytest.approx((1000.0 + 2000.0 * (1 - f)) / 2000.0, rel=1e-9)
    third = rows[bucket(3)]
    assert third["BVCBuyVolume"] == 25.0  # ΔP = 0: half and half
    assert third["BVCAccuracy"] == 0.5
    zero = rows[bucket(4)]
    assert zero["TickRuleBuyVolume"] == 0.0
    assert zero["TickRuleAccuracy"] is None  # no labelled volume
    assert zero["LeeReadyAccuracy"] is None
    assert zero["BVCAccuracy"] is None


def test_lee_ready_without_quote_can_stay_undecided() -> None:
    config = {"lee_ready_without_quote": "undecided", "classifiers": ["LeeReady"]}
    out = run_module(ClassificationModule, {"trades": CLASSIFIED, "l2": QUOTES}, config=config)
    second = out.filter(pl.col("TimeBucket") == bucket(2)).row(0, named=True)
    assert second["LeeReadyBuyVolume"] == 0.0
    assert second["LeeReadySellVolume"] == 0.0
    assert second["LeeReadyAccuracy"] == 0.0  # undecided counts as wrong


def test_single_trade_is_undecided_by_the_tick_rule() -> None:
    out = run_module(
        ClassificationModule,
        {"trades": trades([(10, 10.0, 5.0, 1)])},
        config={"classifiers": ["TickRule", "BVC"]},
    )
    assert out.row(0, named=True) == {
        "ListingId": 1,
        "TimeBucket": bucket(1),
        "TickRuleBuyVolume": 0.0,
        "TickRuleSellVolume": 0.0,
        "TickRuleAccuracy": 0.0,
        "BVCBuyVolume": None,
        "BVCSellVolume": None,
        "BVCAccuracy": None,
    }


def test_bvc_with_a_configured_sigma() -> None:
    rows = [(10, 10.0, 100.0, 1), (70, 10.1, 100.0, 1)]
    out = run_module(
        ClassificationModule, {"trades": trades(rows)}, config={"classifiers": ["BVC"], "bvc_sigma": 0.2}
    )
    assert out["BVCBuyVolume"][1] == pytest.approx(100.0 * phi((10.1 - 10.0) / 0.2), rel=1e-12)


# -- VPIN ----------------------------------------------------------------------------------------

VPIN_TRADES = trades(
    [
        (10, 10.00, 150.0, 1),  # C 0 → 150: completes bucket 1 at 100 (price 10.00)
        (20, 10.10, 50.0, 2),  # C 200: bucket 2 (10.10)
        (70, 10.00, 250.0, 1),  # C 450: straddles, completes buckets 3 and 4 (both 10.00)
        (80, 10.20, 0.0, 1),  # zero size: completes nothing
        (130, 10.20, 50.0, 1),  # C 500: bucket 5 (10.20)
        (200, 10.30, 30.0, 1),  # C 530: the last bucket stays incomplete
    ]
)


def test_vpin_by_hand() -> None:
    config = {"buckets_per_day": None, "volume_per_bucket": 100.0, "window_buckets": 2}
    out = run_module(VPINModule, {"trades": VPIN_TRADES}, config=config)
    # ΔP of buckets 2..5: 0.1, −0.1, 0, 0.2; σ = √0.0125; |2Φ(z) − 1| = erf(|z|/√2).
    sigma = math.sqrt(0.0125)
    imbalance = [math.erf(abs(d) / sigma / math.sqrt(2)) for d in (0.1, -0.1, 0.0, 0.2)]
    assert out["VPINBucketCount"].to_list() == [2, 4, 5, 5]
    assert out["VPINBucketVolume"].to_list() == [100.0] * 4
    vpin = out["VPIN"].to_list()
    assert vpin[0] is None  # one classified bucket < n = 2
    assert vpin[1] == pytest.approx((imbalance[1] + imbalance[2]) / 2, rel=1e-9)  # latest: bucket 4
    assert vpin[2] == pytest.approx((imbalance[2] + imbalance[3]) / 2, rel=1e-9)
    assert vpin[3] == vpin[2]  # no bucket completed: the latest value carries


def test_vpin_fraction_of_the_day_closes_the_last_bucket_exactly() -> None:
    out = run_module(VPINModule, {"trades": VPIN_TRADES}, config={"buckets_per_day": 53, "window_buckets": 1})
    assert out["VPINBucketVolume"][0] == 10.0
    assert out["VPINBucketCount"][-1] == 53


def test_vpin_of_a_zero_volume_day_is_null() -> None:
    out = run_module(VPINModule, {"trades": trades([(10, 10.0, 0.0, 1), (20, 10.1, 0.0, 2)])})
    assert out.row(0, named=True) == {
        "ListingId": 1,
        "TimeBucket": bucket(1),
        "VPIN": None,
        "VPINBucketCount": 0,
        "VPINBucketVolume": None,
    }


def test_vpin_restarts_each_day() -> None:
    next_day = VPIN_TRADES.with_columns(pl.col("TradeDate", "TradeTimestamp").dt.offset_by("1d"))
    config = {"buckets_per_day": None, "volume_per_bucket": 100.0, "window_buckets": 2}
    one = run_module(VPINModule, {"trades": VPIN_TRADES}, config=config)
    two = run_module(VPINModule, {"trades": pl.concat([VPIN_TRADES, next_day])}, config=config)
    assert two.height == 8
    assert two["VPINBucketCount"].to_list()[4:] == one["VPINBucketCount"].to_list()
    assert two["VPIN"].to_list()[4:] == one["VPIN"].to_list()


def test_vpin_needs_one_bucket_size() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        VPINModule({"buckets_per_day": None})


# -- trade characteristics -----------------------------------------------------------------------


def test_trade_characteristics_by_hand() -> None:
    rows = [
        (10, 10.00, 100.0, 1, "ROUND"),  # at the bid (quote 10.00 / 10.02)
        (10, 10.01, 300.0, 1, "ODD"),  # same timestamp: duration 0; inside
        (40, 10.05, 200.0, 2, "ROUND"),  # quote 10.01 / 10.05: at the ask
        (50, 9.99, 1000.0, 0, None),  # unknown side, null lot type; outside
        (70, 10.02, 10.0, 1, "ODD"),  # alone in bucket 2
    ]
    quotes = l2([(0, 1, 10.00, 10.02), (30, 2, 10.01, 10.05)])
    out = run_module(
        TradeCharacteristicsModule, {"trades": trades(rows), "l2": quotes}, config={"autocorrelation_lags": 3}
    )
    first, second = out.to_dicts()
    assert first["TradeSizeMean"] == 400.0
    assert first["TradeSizeMedian"] == 250.0
    assert first["TradeSizeP90"] == pytest.approx(300.0 + 0.7 * 700.0, rel=1e-12)  # position 0.9·3 = 2.7
    assert first["TradeOddLotShare"] == pytest.approx(1 / 3, rel=1e-12)
    assert first["TradeDurationMean"] == pytest.approx(40 / 3, rel=1e-12)  # durations 0, 30, 10
    assert first["TradeDurationMedian"] == 10.0
    # Signs +1, +1, −1 (mean 1/3): Σdev² = 24/9, lag 1 Σ = −4/9, lag 2 Σ = −8/9.
    assert first["TradeSignAutocorr1"] == pytest.approx(-1 / 6, rel=1e-12)
    assert first["TradeSignAutocorr2"] == pytest.approx(-1 / 3, rel=1e-12)
    assert first["TradeSignAutocorr3"] is None  # n = 3 ≤ k
    assert (first["TradeAtTouchShare"], first["TradeInsideShare"], first["TradeOutsideShare"]) == (
        0.5,
        0.25,
        0.25,
    )
    assert second["TradeDurationMean"] == 20.0  # across the bucket boundary, within the day
    assert second["TradeSignAutocorr1"] is None
    assert second["TradeOddLotShare"] == 1.0


def test_trades_without_a_prevailing_quote_have_no_location() -> None:
    rows = [(10, 10.00, 100.0, 1), (20, 10.00, 100.0, 1)]
    out = run_module(TradeCharacteristicsModule, {"trades": trades(rows), "l2": l2([(20, 1, 9.99, 10.01)])})
    row = out.row(0, named=True)
    assert (
        row["TradeAtTouchShare"] is None
    )  # 10 s: no snapshot yet; 20 s: the 20 s one is not strictly before
    assert row["TradeSignAutocorr1"] is None  # all signs equal: zero denominator


# -- L3 ------------------------------------------------------------------------------------------


def l3(rows: list[tuple]) -> pl.DataFrame:
    """Rows of (seconds, side, action, executed, id, old price, size, execution size) of listing 1."""
    return pl.DataFrame(
        {
            "ListingId": [1] * len(rows),
            "TradeDate": [DAY] * len(rows),
            "TimestampNanoseconds": [at(r[0]) for r in rows],
            "Side": [r[1] for r in rows],
            "LobAction": [r[2] for r in rows],
            "OrderExecuted": [r[3] for r in rows],
            "OriginalOrderId": [r[4] for r in rows],
            "OldPrice": [r[5] for r in rows],
            "Size": [r[6] for r in rows],
            "ExecutionSize": [r[7] for r in rows],
        },
        schema_overrides={"TimestampNanoseconds": pl.Datetime("ns"), "OldPrice": pl.Float64},
    )


def test_l3_characteristics_by_hand() -> None:
    events = l3(
        [
            (1, 1, 2, False, "A", None, 100, 0),
            (1.05, 1, 3, False, "A", 9.99, 0, 0),  # A cancelled after 50 ms, 1 tick behind the bid 10.00
            (2, 1, 2, False, "B", None, 200, 0),
            (3, 1, 4, False, "B", 10.0, 200, 0),  # a modification
            (4, 1, 4, True, "B", 10.0, 150, 50),  # a partial fill does not end B
            (6, 1, 3, True, "B", 10.0, 0, 150),  # full execution ends B after 4 s
            (3, 2, 2, False, "C", None, 300, 0),
            (3.5, 2, 3, None, "C", 10.05, 0, 0),  # C cancelled after 0.5 s, 3 ticks behind the ask 10.02
            (10, 1, 2, False, "D", None, 400, 0),
            (11, 1, 4, False, "D", 10.0, 300, 0),  # D is alive at the day's end: censored
            (20, 1, 3, False, "E", 10.01, 0, 0),  # E has no insert: only its cancel counts (at the bid: 0)
            (70, 1, 2, False, "F", None, 10, 0),
            (200, 1, 3, False, "F", 9.97, 0, 0),  # 4 ticks behind the bid 10.01
            (30, 1, 2, False, "", None, 5, 0),  # no id: no order
        ]
    )
    quotes = l2([(0, 1, 10.00, 10.02), (15, 2, 10.01, 10.03)])  # tick inferred: 0.01
    out = run_module(L3CharacteristicsModule, {"l3": events, "l2": quotes})
    rows = {r["TimeBucket"]: r for r in out.to_dicts()}
    assert list(rows) == [bucket(1), bucket(2), bucket(4)]
    first = rows[bucket(1)]
    assert (first["L3OrdersInserted"], first["L3OrdersCensored"]) == (4, 1)  # A, B, C, D
    assert first["L3OrderLifetimeMedian"] == pytest.approx(0.5, rel=1e-9)  # of 0.05, 0.5, 4
    assert first["L3OrderLifetimeP90"] == pytest.approx(0.5 + 0.8 * 3.5, rel=1e-9)
    assert first["L3FillRatio"] == pytest.approx(200 / 1000, rel=1e-12)
    assert first["L3ModificationRate"] == 0.5
    assert first["L3FleetingShare100ms"] == 0.25
    assert first["L3FleetingShare1000ms"] == 0.5
    assert first["L3CancelDistanceTicksMedian"] == 1.0  # of 1, 3, 0
    second = rows[bucket(2)]
    assert second["L3OrderLifetimeMedian"] == pytest.approx(130.0, rel=1e-12)
    assert second["L3CancelDistanceTicksMedian"] is None
    fourth = rows[bucket(4)]
    assert (fourth["L3OrdersInserted"], fourth["L3OrdersCensored"]) == (0, 0)
    assert fourth["L3FillRatio"] is None
    assert fourth["L3CancelDistanceTicksMedian"] == 4.0
    explicit = run_module(L3CharacteristicsModule, {"l3": events, "l2": quotes}, config={"tick_size": 0.005})
    assert explicit["L3CancelDistanceTicksMedian"].to_list() == [2.0, None, 8.0]


def test_l3_meets_l2_in_nanoseconds() -> None:
    """The snapshot a cancel causes has the cancel's own ns time (its µs EventTimestamp is earlier)."""
    events = l3([(1, 1, 2, False, "A", None, 100, 0), (10.0005, 1, 3, False, "A", 10.00, 0, 0)])
    events = events.with_columns(  # the cancel at 08:00:10.000500700
        pl.when(pl.col("LobAction") == 3)
        .then(pl.col("TimestampNanoseconds").dt.offset_by("700ns"))
        .otherwise(pl.col("TimestampNanoseconds"))
    )
    quotes = l2([(0, 1, 10.00, 10.02), (10.0005, 2, 9.99, 10.02)]).with_columns(
        # The second snapshot is the cancel's own: same ns time, µs EventTimestamp 700 ns earlier.
        pl.when(pl.col("L2EventNo") == 2)
        .then(pl.col("EventTimestamp").dt.cast_time_unit("ns").dt.offset_by("700ns"))
        .otherwise(pl.col("EventTimestamp").dt.cast_time_unit("ns"))
        .alias("TimestampNanoseconds")
    )
    out = run_module(L3CharacteristicsModule, {"l3": events, "l2": quotes}, config={"tick_size": 0.01})
    assert out["L3CancelDistanceTicksMedian"].to_list() == [0.0]  # against 10.00, not the 9.99 it caused
    config = {"tick_size": 0.01}
    without_ns = run_module(
        L3CharacteristicsModule, {"l3": events, "l2": quotes.drop("TimestampNanoseconds")}, config=config
    )
    # Without ns times the µs fallback takes the snapshot the cancel caused (bid 9.99): −1 tick.
    assert without_ns["L3CancelDistanceTicksMedian"].to_list() == [-1.0]
