"""``cbbo`` on hand-built books: every expected value below is worked out by hand in the comments."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from cbbo_frames import T0, l2_frame, reference_frame, snapshot

from basalt.testing import run_module
from basalt_preprocessors.cbbo import ConsolidatedBook


def _run(rows: list[dict[str, object]], **config: object) -> pl.DataFrame:
    return run_module(ConsolidatedBook, {"l2": l2_frame(rows), "reference": reference_frame()}, config=config)


def _at(micros: int) -> dt.datetime:
    return T0 + dt.timedelta(microseconds=micros)


def test_equal_prices_across_venues_sum_and_levels_interleave() -> None:
    out = _run(
        [
            snapshot(1, 0, [(100.0, 100, 2), (99.9, 10, 1)], [(100.2, 5, 1)]),
            snapshot(2, 0, [(100.0, 50, 1), (99.8, 7, 1)], [(100.1, 9, 3), (100.2, 6, 2)]),
        ],
        levels=3,
    )
    assert out.height == 1
    row = out.row(0, named=True)
    # bids: 100.0 = 100 + 50 (2 + 1 orders), then XLON's 99.9, then BATE's 99.8
    assert [row[f"BidPrice{i}"] for i in (1, 2, 3)] == [100.0, 99.9, 99.8]
    assert [row[f"BidQuantity{i}"] for i in (1, 2, 3)] == [150, 10, 7]
    assert [row[f"BidNumOrders{i}"] for i in (1, 2, 3)] == [3, 1, 1]
    # asks: BATE's 100.1 alone, then 100.2 = 5 + 6, then nothing
    assert [row[f"AskPrice{i}"] for i in (1, 2, 3)] == [100.1, 100.2, None]
    assert [row[f"AskQuantity{i}"] for i in (1, 2, 3)] == [9, 11, 0]
    assert [row[f"AskNumOrders{i}"] for i in (1, 2, 3)] == [3, 3, 0]
    assert (row["BidLevelCount"], row["AskLevelCount"]) == (3, 2)
    # filed under the primary listing of instrument 100
    assert (row["InstrumentId"], row["ListingId"], row["MIC"], row["Ticker"]) == (100, 1, "XLON", "AAA")


def test_a_venue_is_as_of_its_last_snapshot_never_an_exact_match() -> None:
    out = _run(
        [
            snapshot(1, 0, [(100.0, 10, 1)], [(100.5, 10, 1)]),
            snapshot(2, 5, [(100.1, 20, 1)], [(100.4, 20, 1)]),
            snapshot(1, 9, [(99.9, 30, 1)], [(100.5, 30, 1)]),
        ],
        levels=1,
    )
    assert out["EventTimestamp"].to_list() == [_at(0), _at(5), _at(9)]
    assert out["BidPrice1"].to_list() == [100.0, 100.1, 100.1]  # at 9 µs BATE's 100.1 still stands
    assert out["BidQuantity1"].to_list() == [10, 20, 20]
    assert out["AskPrice1"].to_list() == [100.5, 100.4, 100.4]
    assert out["L2EventNo"].to_list() == [1, 2, 3]


def test_two_venues_at_the_same_timestamp_are_one_row_with_both() -> None:
    out = _run(
        [
            snapshot(1, 0, [(100.0, 10, 1)], [(100.5, 10, 1)]),
            snapshot(2, 0, [(100.0, 20, 1)], [(100.5, 1, 1)]),
            snapshot(1, 7, [(100.0, 11, 1)], [(100.5, 10, 1)]),
            snapshot(2, 7, [(100.0, 21, 2)], [(100.5, 2, 1)]),
        ],
        levels=1,
    )
    assert out["EventTimestamp"].to_list() == [_at(0), _at(7)]
    assert out["BidQuantity1"].to_list() == [30, 32]
    assert out["BidNumOrders1"].to_list() == [2, 3]
    assert out["AskQuantity1"].to_list() == [11, 12]


def test_of_one_venues_snapshots_at_one_timestamp_the_last_counts() -> None:
    out = _run(
        [
            snapshot(1, 3, [(100.0, 10, 1)], event_no=1),
            snapshot(1, 3, [(100.0, 99, 1)], event_no=3),
            snapshot(1, 3, [(100.0, 40, 1)], event_no=2),
        ],
        levels=1,
    )
    assert out["BidQuantity1"].to_list() == [99]


def test_one_venue_empty_gives_the_other_venues_book() -> None:
    out = _run(
        [
            snapshot(1, 0, [(100.0, 10, 1), (99.9, 5, 2)], [(100.5, 7, 1)]),
            snapshot(2, 1),  # BATE: empty both sides
            snapshot(3, 2, [], [(100.6, 3, 1)]),  # CHIX: empty bid side
        ],
        levels=2,
    )
    last = out.row(-1, named=True)
    assert [last["BidPrice1"], last["BidPrice2"], last["BidQuantity2"]] == [100.0, 99.9, 5]
    assert [last["AskPrice1"], last["AskPrice2"], last["AskQuantity2"]] == [100.5, 100.6, 3]
    assert out["BidLevelCount"].to_list() == [2, 2, 2]


def test_locked_and_crossed_venues_are_emitted_as_they_are() -> None:
    out = _run(
        [
            snapshot(1, 0, [(100.0, 10, 1)], [(100.2, 10, 1)]),
            snapshot(2, 1, [(99.9, 10, 1)], [(100.0, 4, 1)]),  # locks XLON's bid
            snapshot(3, 2, [(100.3, 6, 1)], [(100.4, 4, 1)]),  # crosses XLON's and BATE's asks
        ],
        levels=2,
    )
    assert out["BidPrice1"].to_list() == [100.0, 100.0, 100.3]
    assert out["AskPrice1"].to_list() == [100.2, 100.0, 100.0]
    assert out["AskPrice2"].to_list() == [None, 100.2, 100.2]


def test_continuous_only_drops_venues_in_an_auction() -> None:
    rows = [
        snapshot(1, 0, [(100.0, 10, 1)], [(100.5, 10, 1)]),
        snapshot(2, 1, [(100.6, 20, 1)], [(99.8, 20, 1)], state="OPENING_AUCTION"),  # crossed auction book
        snapshot(2, 2, [(100.1, 20, 1)], [(100.4, 20, 1)]),
    ]
    every = _run(rows, levels=1)
    continuous = _run(rows, levels=1, continuous_only=True)
    assert every["BidPrice1"].to_list() == [100.0, 100.6, 100.1]
    assert continuous["BidPrice1"].to_list() == [100.0, 100.0, 100.1]  # at 1 µs BATE counts for nothing
    assert continuous["AskPrice1"].to_list() == [100.5, 100.5, 100.4]


def test_changes_only_keeps_rows_where_the_book_moved() -> None:
    rows = [
        snapshot(1, 0, [(100.0, 10, 1), (99.0, 1, 1)], [(100.5, 10, 1)]),
        snapshot(2, 1, [(99.0, 10, 1)]),  # moves bid level 2 only (level counts unchanged)
        snapshot(2, 2, [(100.0, 5, 1)]),
    ]
    assert _run(rows, levels=1).height == 3
    out = _run(rows, levels=1, changes_only=True)
    assert out["EventTimestamp"].to_list() == [_at(0), _at(2)]
    assert out["L2EventNo"].to_list() == [1, 2]
    # with two levels the 1 µs row changes level 2 and stays
    assert _run(rows, levels=2, changes_only=True).height == 3


def test_contribution_columns_split_each_level_by_venue() -> None:
    out = _run(
        [
            snapshot(1, 0, [(100.0, 10, 1)], [(100.5, 10, 2)]),
            snapshot(2, 0, [(100.0, 30, 3)], [(100.4, 1, 1)]),
        ],
        levels=2,
        contribution_mics=["XLON", "BATE", "CHIX"],
    )
    row = out.row(0, named=True)
    assert (row["BidQuantity1AtXLON"], row["BidQuantity1AtBATE"], row["BidQuantity1AtCHIX"]) == (10, 30, 0)
    assert (row["BidNumOrders1AtXLON"], row["BidNumOrders1AtBATE"]) == (1, 3)
    assert (row["AskQuantity1AtXLON"], row["AskQuantity1AtBATE"]) == (0, 1)
    assert (row["AskQuantity2AtXLON"], row["AskQuantity2AtBATE"]) == (10, 0)
    assert (row["BidQuantity2AtXLON"], row["BidQuantity2AtBATE"]) == (0, 0)  # empty level


def test_instruments_and_days_are_kept_apart() -> None:
    rows = [
        snapshot(1, 0, [(100.0, 10, 1)]),
        snapshot(11, 1, [(50.0, 3, 1)]),
        snapshot(12, 2, [(50.0, 4, 1)]),
    ]
    nextday = snapshot(2, 0, [(101.0, 10, 1)])
    nextday["TradeDate"] = nextday["TradeDate"] + dt.timedelta(days=1)  # type: ignore[operator]
    nextday["EventTimestamp"] = nextday["EventTimestamp"] + dt.timedelta(days=1)  # type: ignore[operator]
    nextday["TimestampNanoseconds"] = nextday["EventTimestamp"]
    out = _run([*rows, nextday], levels=1)
    assert out.select("InstrumentId", "BidQuantity1", "ListingId").rows() == [
        (100, 10, 1),
        (100, 10, 1),  # day 2: XLON's day-1 book does not carry over
        (200, 3, 11),
        (200, 7, 11),
    ]
    assert out["BidPrice1"].to_list() == [100.0, 101.0, 50.0, 50.0]


def test_continuous_only_needs_the_market_state() -> None:
    frame = l2_frame([snapshot(1, 0, [(100.0, 1, 1)])]).drop("MarketState")
    with pytest.raises(ValueError, match="MarketState"):
        run_module(
            ConsolidatedBook, {"l2": frame, "reference": reference_frame()}, config={"continuous_only": True}
        )
