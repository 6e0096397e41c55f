"""``ofi`` on hand-built snapshots: ties, equal prices, one-sided book, NaN/null, auctions, days."""

from __future__ import annotations

import datetime as dt

import pytest
from book_frames import T0, l2_frame

from basalt.testing import run_module
from basalt_characteristics.ofi import OFI


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def snap(
    t: float, bid: float | None, bq: int | None, ask: float | None, aq: int | None, **extra: object
) -> dict:
    return {
        "EventTimestamp": at(t),
        "BidPrice1": bid,
        "BidQuantity1": bq,
        "AskPrice1": ask,
        "AskQuantity1": aq,
        **extra,
    }


BOOK = [
    snap(10, 10.00, 100, 10.02, 200),  # first of the day: e = 0
    snap(20, 10.00, 150, 10.02, 200),  # equal prices: bid 150-100, ask 200-200 -> 50
    snap(30, 10.01, 40, 10.01, 70),  # bid up: +40; ask down: -70 -> -30
    snap(40, 9.99, 500, 10.03, 10),  # bid down: -40; ask up: +70 -> 30
    snap(70, 9.99, 600, None, None),  # one-sided: bid 600-500 = 100, ask side missing -> 0
    snap(80, 9.99, 600, 10.03, 5),  # ask absent on the previous snapshot -> 0; bid unchanged -> 0
]


def test_cont_kukanov_stoikov_by_hand() -> None:
    out = run_module(OFI, {"l2": l2_frame(BOOK)}, config={"depth_normalised": True})
    assert out["TimeBucket"].to_list() == [at(60), at(120)]
    assert out["OFI1"].to_list() == [50.0, 100.0]
    # Mean level-1 depth: (150 + 175 + 55 + 255)/4 in the first bucket; the one-sided snapshot is left out.
    assert out["OFINormalised"].to_list() == pytest.approx([50 / 158.75, 100 / 302.5], rel=1e-15)


def test_order_is_timestamp_then_event_number_not_input_order() -> None:
    rows = [
        snap(10, 10.00, 100, 10.02, 200, L2EventNo=1),
        snap(20, 10.01, 300, 10.02, 200, L2EventNo=3),  # same timestamp, later event
        snap(20, 10.00, 100, 10.02, 250, L2EventNo=2),
    ]
    out = run_module(OFI, {"l2": l2_frame(rows)})
    # 1 -> 2: bid 100-100, ask -250+200 = -50; 2 -> 3: bid up +300, ask 250-200... ask equal: -200+250 = 50.
    assert out["OFI1"].to_list() == [-50.0 + 300.0 + 50.0]


def test_nan_and_null_inputs_contribute_nothing() -> None:
    rows = [
        snap(10, 10.00, 100, 10.02, 200),
        snap(20, float("nan"), 100, 10.02, 300),  # NaN bid: bid term 0; ask equal: -300 + 200
        snap(30, 10.00, 100, 10.02, None),  # null ask quantity: ask 0; bid vs NaN: 0
        snap(40, 10.00, 120, 10.02, 50),  # bid equal: +20; ask vs null quantity: 0
    ]
    out = run_module(OFI, {"l2": l2_frame(rows)})
    assert out["OFI1"].to_list() == [-100.0 + 20.0]


def test_continuous_only_drops_pairs_touching_an_auction() -> None:
    rows = [dict(r) for r in BOOK[:4]]
    rows[1]["MarketState"] = "AUCTION"
    on = run_module(OFI, {"l2": l2_frame(rows)})
    assert on["OFI1"].to_list() == [30.0]  # only snapshot 2 -> 3 counts
    off = run_module(OFI, {"l2": l2_frame(rows)}, config={"continuous_only": False})
    assert off["OFI1"].to_list() == [50.0]


def test_each_trading_day_starts_at_zero_and_levels_align_by_index() -> None:
    day2 = T0 + dt.timedelta(days=1)
    rows = [
        {
            **snap(10, 10.00, 100, 10.02, 200),
            "BidPrice2": 9.99,
            "BidQuantity2": 10,
            "AskPrice2": 10.03,
            "AskQuantity2": 5,
        },
        # next day: a different book, but the first snapshot of the day contributes 0
        {
            "EventTimestamp": day2 + dt.timedelta(seconds=10),
            "BidPrice1": 11.0,
            "BidQuantity1": 1,
            "AskPrice1": 11.1,
            "AskQuantity1": 1,
            "BidPrice2": 10.9,
            "BidQuantity2": 7,
            "AskPrice2": None,
            "AskQuantity2": None,
        },
        {
            "EventTimestamp": day2 + dt.timedelta(seconds=20),
            "BidPrice1": 11.0,
            "BidQuantity1": 1,
            "AskPrice1": 11.1,
            "AskQuantity1": 1,
            "BidPrice2": 10.95,
            "BidQuantity2": 9,
            "AskPrice2": 11.2,
            "AskQuantity2": 4,
        },
    ]
    out = run_module(OFI, {"l2": l2_frame(rows)}, config={"levels": 2})
    assert out["OFI1"].to_list() == [0.0, 0.0]
    # level 2 on day 2: bid up to 10.95 -> +9; ask level 2 absent on the previous snapshot -> 0.
    assert out["OFI2"].to_list() == [0.0, 9.0]
