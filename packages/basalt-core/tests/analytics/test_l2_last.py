"""``l2`` (last snapshot in each bucket) on tiny books, every value computed by hand."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest
from analytics import l2_books as books
from analytics import reference_l2 as ref
from pydantic import ValidationError

from basalt.analytics.l2 import L2Config, L2Last
from basalt.testing import run_module
from basalt.timebuckets import TimeBuckets

book_frame = books.book_frame
DAY = date(2026, 3, 2)


def at(hour: int, minute: int, second: int = 0, micro: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, micro)


def run(snapshots, config=None, buckets=None, trade_date=True) -> pl.DataFrame:
    return run_module(
        L2Last, {"l2": book_frame(snapshots, trade_date=trade_date)}, config=config, buckets=buckets
    )


def row(frame: pl.DataFrame, index: int = 0) -> dict:
    return frame.row(index, named=True)


BIDS = [(10.0, 100, 2), (9.9, 200, 3), (9.8, 300, 1)]
ASKS = [(10.1, 50, 1), (10.2, 150, 4)]


def test_levels_and_cumulative_with_missing_levels() -> None:
    out = run([{"ts": at(9, 0, 30), "bids": BIDS, "asks": ASKS}], config={"levels": 4})
    r = row(out)
    assert out.height == 1
    assert r["TimeBucket"] == at(9, 1)
    assert [r[f"BidPrice{k}"] for k in range(1, 5)] == [10.0, 9.9, 9.8, None]
    assert [r[f"AskQuantity{k}"] for k in range(1, 5)] == [50, 150, None, None]
    assert [r[f"BidNumOrders{k}"] for k in range(1, 5)] == [2, 3, 1, None]
    # Absent levels are skipped: the cumulative value stays at the depth available.
    assert [r[f"BidCumQuantity{k}"] for k in range(1, 5)] == [100, 300, 600, 600]
    assert [r[f"AskCumQuantity{k}"] for k in range(1, 5)] == [50, 200, 200, 200]
    assert [r[f"BidCumOrders{k}"] for k in range(1, 5)] == [2, 5, 6, 6]
    assert [r[f"AskCumOrders{k}"] for k in range(1, 5)] == [1, 5, 5, 5]
    assert r["BidCumNotional1"] == pytest.approx(1000.0)
    assert r["BidCumNotional2"] == pytest.approx(1000.0 + 1980.0)
    assert r["BidCumNotional4"] == pytest.approx(1000.0 + 1980.0 + 2940.0)
    assert r["AskCumNotional3"] == pytest.approx(505.0 + 1530.0)
    assert out.schema["BidQuantity1"] == pl.Int64
    assert out.schema["BidNumOrders1"] == pl.Int32
    assert out.schema["BidCumOrders1"] == pl.Int64


def test_imbalances() -> None:
    r = row(run([{"ts": at(9, 0, 30), "bids": BIDS, "asks": ASKS}], config={"levels": 4}))
    assert r["ImbalanceQuantity1"] == pytest.approx(50 / 150)
    assert r["ImbalanceQuantity2"] == pytest.approx(50 / 350)
    assert r["ImbalanceQuantity3"] is None  # the ask has no level 3
    assert r["ImbalanceCumQuantity3"] == pytest.approx(400 / 800)
    assert r["ImbalanceCumNotional2"] == pytest.approx((2980 - 2035) / (2980 + 2035))
    assert r["ImbalanceCumOrders4"] == pytest.approx(1 / 11)


def test_spread_and_mids() -> None:
    r = row(run([{"ts": at(9, 0, 30), "bids": BIDS, "asks": ASKS}]))
    assert r["SpreadAbs"] == pytest.approx(0.1)
    assert r["Mid"] == pytest.approx(10.05)
    assert r["SpreadBps"] == pytest.approx(10_000 * 0.1 / 10.05)
    assert r["WeightedMid"] == pytest.approx((10.0 * 50 + 10.1 * 100) / 150)
    # Microprice, D = 3: bid weighted by the ask's depth over 3 levels (200) and conversely (600).
    assert r["Microprice"] == pytest.approx((10.0 * 200 + 10.1 * 600) / 800)
    one_level = row(run([{"ts": at(9, 0, 30), "bids": BIDS, "asks": ASKS}], config={"microprice_levels": 1}))
    assert one_level["Microprice"] == one_level["WeightedMid"]


def test_one_sided_and_empty_books() -> None:
    out = run(
        [
            {"ts": at(9, 0, 30), "bids": BIDS, "asks": []},
            {"ts": at(9, 1, 30), "bids": [], "asks": []},
        ],
        config={"levels": 2},
    )
    one_sided, empty = row(out, 0), row(out, 1)
    for name in ("SpreadAbs", "SpreadBps", "Mid", "WeightedMid", "Microprice", "ImbalanceQuantity1"):
        assert one_sided[name] is None
        assert empty[name] is None
    assert one_sided["AskCumQuantity2"] == 0
    assert one_sided["AskCumNotional2"] == 0.0
    assert one_sided["ImbalanceCumQuantity2"] == 1.0  # all the depth is on the bid
    assert empty["BidCumQuantity1"] == 0
    assert empty["ImbalanceCumQuantity1"] is None  # 0 / 0


@pytest.mark.parametrize(("bid", "ask", "sign"), [(10.1, 10.0, -1), (10.0, 10.0, 0)])
def test_crossed_and_locked_books_are_computed_as_is(bid: float, ask: float, sign: int) -> None:
    r = row(run([{"ts": at(9, 0, 30), "bids": [(bid, 10, 1)], "asks": [(ask, 30, 1)]}]))
    assert r["SpreadAbs"] == pytest.approx(ask - bid)
    assert (r["SpreadBps"] > 0) - (r["SpreadBps"] < 0) == sign
    assert r["Mid"] == pytest.approx((bid + ask) / 2)
    assert r["WeightedMid"] == pytest.approx((bid * 30 + ask * 10) / 40)


def test_nan_prices_are_absent_levels() -> None:
    frame = book_frame([{"ts": at(9, 0, 30), "bids": BIDS, "asks": ASKS}])
    frame = frame.with_columns(BidPrice2=pl.lit(float("nan")), BidQuantity2=pl.lit(None, pl.Int64))
    r = row(run_module(L2Last, {"l2": frame}, config={"levels": 3}))
    assert r["BidPrice2"] is None
    assert r["BidCumNotional3"] == pytest.approx(1000.0 + 2940.0)
    assert r["BidCumQuantity3"] == 400


def test_last_snapshot_ties_break_on_l2_event_no() -> None:
    book = {"bids": [(10.0, 100, 1)]}
    snapshots = [  # rows out of order; two snapshots share the last timestamp
        {**book, "ts": at(9, 0, 50), "event_no": 7, "asks": [(10.3, 1, 1)]},
        {**book, "ts": at(9, 0, 10), "event_no": 9, "asks": [(10.9, 1, 1)]},
        {**book, "ts": at(9, 0, 50), "event_no": 5, "asks": [(10.5, 1, 1)]},
    ]
    assert row(run(snapshots))["AskPrice1"] == 10.3


@pytest.mark.parametrize(
    ("closed", "anchor", "expected"),
    [
        ("right", "end", [(at(9, 1), 10.4)]),  # (9:00, 9:01] holds both; the later one is last
        ("left", "end", [(at(9, 1), 10.2), (at(9, 2), 10.4)]),  # [9:01, 9:02) holds the boundary one
        ("right", "start", [(at(9, 0), 10.4)]),
        ("left", "start", [(at(9, 0), 10.2), (at(9, 1), 10.4)]),
    ],
)
def test_snapshot_on_a_bucket_boundary(closed: str, anchor: str, expected: list) -> None:
    snapshots = [
        {"ts": at(9, 0, 59, 999_999), "bids": [(10.0, 1, 1)], "asks": [(10.2, 1, 1)]},
        {"ts": at(9, 1), "bids": [(10.0, 1, 1)], "asks": [(10.4, 1, 1)]},
    ]
    out = run(snapshots, buckets=TimeBuckets(seconds=60, closed=closed, anchor=anchor))
    assert out.select("TimeBucket", "AskPrice1").rows() == expected


def _mids(*mids: float | None, minute: int = 0, day: date = DAY) -> list[dict]:
    out = []
    for i, mid in enumerate(mids):
        ts = at(9, minute, 10 + 10 * i, day=day)
        if mid is None:
            out.append({"ts": ts, "bids": [(9.0, 5, 1)], "asks": []})  # one-sided: no mid
        else:
            out.append({"ts": ts, "bids": [(mid - 0.5, 5, 1)], "asks": [(mid + 0.5, 5, 1)]})
    return out


def test_ohlc_event_mode_skips_null_values() -> None:
    out = run(_mids(10.0, 12.0, None, 11.0) + _mids(None, minute=1), config={"families": ["ohlc"]})
    assert out.columns[:2] == ["ListingId", "TimeBucket"]
    assert len(out.columns) == 18
    first, flat = row(out, 0), row(out, 1)
    assert (first["MidOpen"], first["MidHigh"], first["MidLow"], first["MidClose"]) == (
        10.0,
        12.0,
        10.0,
        11.0,
    )
    assert (first["AskOpen"], first["AskHigh"], first["AskLow"], first["AskClose"]) == (
        10.5,
        12.5,
        10.5,
        11.5,
    )
    assert (first["BidOpen"], first["BidHigh"], first["BidLow"], first["BidClose"]) == (9.5, 11.5, 9.0, 10.5)
    assert first["WeightedMidClose"] == 11.0  # equal sizes
    assert flat["MidOpen"] is None
    assert flat["MidClose"] is None
    assert flat["BidClose"] == 9.0


def test_ohlc_prev_close_mode() -> None:
    snapshots = (
        _mids(10.0, 11.0, minute=0)  # bucket 09:01, first of the day
        + _mids(9.0, minute=2)  # bucket 09:03, after an empty bucket
        + _mids(None, minute=3)  # bucket 09:04: no mid at all
        + _mids(20.0, minute=0, day=date(2026, 3, 3))  # next day: no previous close
    )
    config = {"families": ["ohlc"], "ohlc_series": ["Mid"], "open_mode": "prev_close"}
    out = run(snapshots, config=config)
    bars = [(r["MidOpen"], r["MidHigh"], r["MidLow"], r["MidClose"]) for r in out.iter_rows(named=True)]
    assert out["TimeBucket"].to_list() == [at(9, 1), at(9, 3), at(9, 4), at(9, 1, day=date(2026, 3, 3))]
    assert bars == [
        (10.0, 11.0, 10.0, 11.0),  # first bucket of the day: opens on its first value
        (11.0, 11.0, 9.0, 9.0),  # opens at the previous close; High includes it
        (9.0, 9.0, 9.0, 9.0),  # flat at the previous close
        (20.0, 20.0, 20.0, 20.0),  # a new day does not carry the previous day's close
    ]
    event = run(snapshots, config={**config, "open_mode": "event"})
    assert event.row(1, named=True)["MidOpen"] == 9.0
    assert event.row(2, named=True)["MidOpen"] is None


def test_rows_sorted_by_listing_then_bucket() -> None:
    book = {"bids": [(10.0, 1, 1)], "asks": [(10.2, 1, 1)]}
    snapshots = [
        {**book, "listing": 7, "ts": at(9, 5)},
        {**book, "listing": 3, "ts": at(9, 7)},
        {**book, "listing": 7, "ts": at(9, 1)},
        {**book, "listing": 3, "ts": at(9, 2)},
    ]
    out = run(snapshots, config={"families": ["spread"]})
    assert out.select("ListingId", "TimeBucket").rows() == [
        (3, at(9, 2)),
        (3, at(9, 7)),
        (7, at(9, 1)),
        (7, at(9, 5)),
    ]


def test_minimal_input_columns_without_trade_date() -> None:
    frame = book_frame(_mids(10.0, 12.0), trade_date=False).select(
        "EventTimestamp", "L2EventNo", "ListingId", "BidPrice1", "AskPrice1", "BidQuantity1", "AskQuantity1"
    )
    config = {
        "families": ["spread", "ohlc"],
        "ohlc_series": ["Mid", "WeightedMid"],
        "open_mode": "prev_close",
    }
    out = run_module(L2Last, {"l2": frame}, config=config)
    assert out.columns == [
        "ListingId",
        "TimeBucket",
        "SpreadAbs",
        "SpreadBps",
        *ref.expected_columns(families=("ohlc",), ohlc_series=("Mid", "WeightedMid")),
    ]
    assert row(out)["MidClose"] == 12.0


def test_snapshots_without_timestamp_are_ignored() -> None:
    frame = book_frame(_mids(10.0, 12.0))
    frame = frame.with_columns(
        pl.when(pl.col("L2EventNo") == 2)
        .then(None)
        .otherwise(pl.col("EventTimestamp"))
        .alias("EventTimestamp")
    )
    assert row(run_module(L2Last, {"l2": frame}))["Mid"] == 10.0


def test_config_validation_and_columns() -> None:
    assert len(L2Last().columns()) == 60 + 60 + 40 + 2 + 3 + 16
    assert [c.name for c in L2Last().columns()] == ref.expected_columns()
    for bad in ({"levels": 0}, {"levels": 11}, {"microprice_levels": 11}, {"families": []}, {"colour": 1}):
        with pytest.raises(ValidationError):
            L2Last(bad)
    with pytest.raises(ValidationError):
        L2Last({"families": ["tw"]})
    config = L2Config(families=["ohlc", "spread", "spread"], ohlc_series=["Ask", "Mid"])
    assert config.families == ("spread", "ohlc")
    assert config.ohlc_series == ("Mid", "Ask")
    for field in L2Config.model_fields.values():
        assert field.description
    for doc in L2Last({"levels": 2}).columns():
        assert doc.unit
        assert doc.definition
        assert doc.dtype
        assert doc.sources
        assert doc.pattern
    patterns = {doc.pattern for doc in L2Last().columns()}
    assert {"{Side}CumQuantity{Level}", "Imbalance{Measure}{Level}", "SpreadBps", "{Series}Open"} <= patterns
