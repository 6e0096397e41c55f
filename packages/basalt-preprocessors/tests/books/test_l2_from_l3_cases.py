"""Hand-built L3 sequences through ``l2_from_l3``: every LobAction path, executions, auctions, anomalies.

Expected books are worked out by hand from the events (comments give the arithmetic).
"""

from __future__ import annotations

from typing import Any

import polars as pl
from replay_helpers import CONT, l3, marketstate

from basalt.testing import run_module
from basalt_preprocessors.replay.module import L2FromL3

INS, REM, UPD = 2, 3, 4
BID, ASK = 1, 2


def replay(
    events: list[tuple], *, levels: int = 3, changes: pl.DataFrame | None = None, **config: Any
) -> pl.DataFrame:
    inputs = {"l3": l3(events)}
    if changes is not None:
        inputs["marketstate"] = changes
    config = {"levels": levels, "marketstate": changes is not None, **config}
    return run_module(L2FromL3, inputs, config=config).sort("ListingId", "L2EventNo")


def side(out: pl.DataFrame, row: int, name: str, levels: int = 3) -> list[tuple[float, int, int]]:
    """Levels of one side of snapshot ``row`` as (price, quantity, orders), empty levels left out."""
    got = []
    for k in range(1, levels + 1):
        price = out[f"{name}Price{k}"][row]
        if price is None:
            assert out[f"{name}Quantity{k}"][row] == 0
            assert out[f"{name}NumOrders{k}"][row] == 0
            continue
        got.append((price, out[f"{name}Quantity{k}"][row], out[f"{name}NumOrders{k}"][row]))
    return got


BOOK = [
    (0, BID, INS, "a", 10.0, 100, None),
    (1, BID, INS, "b", 10.1, 50, None),
    (2, BID, INS, "c", 10.0, 30, None),
    (3, ASK, INS, "d", 10.3, 70, None),
    (4, ASK, INS, "e", 10.2, 20, None),
]


def test_inserts_build_price_levels_best_first_with_an_empty_side_at_first() -> None:
    out = replay(BOOK)
    assert out.height == 5
    assert side(out, 0, "Bid") == [(10.0, 100, 1)]
    assert side(out, 0, "Ask") == []  # an empty side: null prices, zero sizes and counts
    assert out["AskLevelCount"][0] == 0
    # 10.1: b (50); 10.0: a + c = 130 in 2 orders; asks 10.2 (e) then 10.3 (d).
    assert side(out, 4, "Bid") == [(10.1, 50, 1), (10.0, 130, 2)]
    assert side(out, 4, "Ask") == [(10.2, 20, 1), (10.3, 70, 1)]
    assert out.row(4, named=True)["BidLevelCount"] == 2
    assert out["L3EventNo"].to_list() == [1, 2, 3, 4, 5]
    assert out["MarketState"].to_list() == [CONT] * 5
    assert not out["BookCrossed"].any()
    assert not out["UnknownOrderId"].any()


def test_remove_cancels_and_full_executions_take_the_order_out() -> None:
    events = [
        *BOOK,
        (5, BID, REM, None, None, 0, "b"),  # cancel: 10.1 vanishes, 10.0 is the touch
        (6, ASK, REM, None, None, 0, "e"),  # full execution of e (BMLL: remove with OrderExecuted)
    ]
    out = replay(events)
    assert side(out, 5, "Bid") == [(10.0, 130, 2)]
    assert out["BidLevelCount"][5] == 1
    assert side(out, 6, "Ask") == [(10.3, 70, 1)]
    assert out["AskLevelCount"][6] == 1


def test_update_partial_execution_keeps_the_order_and_the_count() -> None:
    out = replay([*BOOK, (5, BID, UPD, "a", 10.0, 60, "a")])  # a: 100 -> 60 after a fill of 40
    assert side(out, 5, "Bid") == [(10.1, 50, 1), (10.0, 90, 2)]  # 60 + 30


def test_update_reprice_moves_the_order_between_levels() -> None:
    out = replay([*BOOK, (5, BID, UPD, "c", 10.05, 30, "c")])  # c leaves 10.0 for 10.05
    assert side(out, 5, "Bid") == [(10.1, 50, 1), (10.05, 30, 1), (10.0, 100, 1)]
    assert out["BidLevelCount"][5] == 3


def test_update_may_rename_the_order_and_keep_its_price_when_none_is_given() -> None:
    events = [
        *BOOK,
        (5, BID, UPD, "a2", None, 80, "a"),  # new id, null price: stays at 10.0 with 80
        (6, BID, REM, None, None, 0, "a2"),  # the new id is what is live now
        (7, BID, REM, None, None, 0, "a"),  # the old id is gone: flagged, nothing changes
    ]
    out = replay(events)
    assert side(out, 5, "Bid") == [(10.1, 50, 1), (10.0, 110, 2)]  # 80 + 30
    assert side(out, 6, "Bid") == [(10.1, 50, 1), (10.0, 30, 1)]
    assert out["UnknownOrderId"].to_list() == [False] * 7 + [True]
    assert side(out, 7, "Bid") == side(out, 6, "Bid")  # published although unchanged: it is flagged


def test_levels_beyond_n_count_but_do_not_show() -> None:
    events = [
        (0, BID, INS, "a", 10.0, 10, None),
        (1, BID, INS, "b", 9.9, 20, None),
        (2, BID, INS, "c", 9.8, 30, None),  # a third level: only its count shows at N = 2
        (3, BID, UPD, "c", 9.8, 25, "c"),  # invisible at N = 2, same count: no snapshot
        (4, BID, INS, "d", 9.7, 5, None),  # a fourth level: the count changes, a snapshot
    ]
    out = replay(events, levels=2)
    assert out.height == 4
    assert out["L3EventNo"].to_list() == [1, 2, 3, 5]
    assert side(out, 2, "Bid", 2) == [(10.0, 10, 1), (9.9, 20, 1)]
    assert out["BidLevelCount"].to_list() == [1, 2, 3, 4]
    every = replay(events, levels=2, changes_only=False)
    assert every.height == 5
    assert every.drop(
        "L2EventNo", "L3EventNo", "TimestampNanoseconds", "EventTimestamp", "BMLLSequenceNo"
    ).row(3) == every.drop(
        "L2EventNo", "L3EventNo", "TimestampNanoseconds", "EventTimestamp", "BMLLSequenceNo"
    ).row(2)


def test_an_event_of_several_rows_publishes_once_at_its_end() -> None:
    sweep = [
        (5, ASK, REM, None, None, 0, "e", False),  # a buy takes e (20) ...
        (5, ASK, UPD, "d", 10.3, 40, "d", True),  # ... and 30 of d: one event
    ]
    out = replay([*BOOK, *sweep])
    assert out.height == 6
    assert side(out, 5, "Ask") == [(10.3, 40, 1)]
    assert out["L3EventNo"][5] == 7
    rows = replay([*BOOK, *sweep], snapshot_at="row")
    assert rows.height == 7
    assert side(rows, 5, "Ask") == [(10.3, 70, 1)]  # after the first row only
    assert side(rows, 6, "Ask") == [(10.3, 40, 1)]


def test_a_fill_and_its_resting_remainder_are_two_snapshots() -> None:
    events = [
        *BOOK,
        (5, ASK, REM, None, None, 0, "e", True),  # a buy limit 10.25 for 50 takes e (20) ...
        (5.01, BID, INS, "f", 10.25, 30, None, True),  # ... and its remainder rests as a bid
    ]
    out = replay(events)
    assert out.height == 7
    assert side(out, 5, "Bid")[0] == (10.1, 50, 1)
    assert side(out, 6, "Bid")[0] == (10.25, 30, 1)
    assert side(out, 6, "Ask") == [(10.3, 70, 1)]


def test_auction_book_crosses_then_the_uncross_clears_it() -> None:
    auction = "OPENING_AUCTION"
    events = [
        (0, BID, INS, "a", 10.2, 100, None, True, auction),
        (1, ASK, INS, "b", 10.0, 60, None, True, auction),  # crossed: 10.2 >= 10.0
        (2, ASK, INS, "c", 10.4, 10, None, True, auction),
        # uncross at 10.1: b filled in full, a partly (100 - 60 = 40): one event
        (3, ASK, REM, None, None, 0, "b", False, auction),
        (3, BID, UPD, "a", 10.2, 40, "a", True, auction),
        (4, ASK, INS, "d", 10.3, 5, None, True, CONT),
    ]
    out = replay(events)
    assert out["BookCrossed"].to_list() == [False, True, True, False, False]
    assert side(out, 3, "Bid") == [(10.2, 40, 1)]
    assert side(out, 3, "Ask") == [(10.4, 10, 1)]
    assert out["MarketState"].to_list() == [auction] * 4 + [CONT]


def test_a_locked_book_is_flagged_as_crossed() -> None:
    out = replay([(0, BID, INS, "a", 10.0, 1, None), (1, ASK, INS, "b", 10.0, 1, None)])
    assert out["BookCrossed"].to_list() == [False, True]


def test_unknown_ids_and_negative_sizes_are_flagged_never_fatal() -> None:
    events = [
        (0, BID, INS, "a", 10.0, 10, None),
        (1, BID, REM, None, None, 0, "zz"),  # unknown: nothing removed
        (2, BID, UPD, "yy", 9.9, 7, "yy"),  # unknown: its new state rests all the same
        (3, ASK, INS, "n", 10.5, -5, None),  # negative: nothing rests
        (4, BID, UPD, "a", 10.0, -1, "a"),  # negative: a is gone
        (5, BID, INS, "y2", 9.8, 0, None),  # zero: nothing rests, not flagged, no change
        (6, BID, INS, "yy", 9.9, 3, None),  # yy is live: replaced (flagged)
    ]
    out = replay(events)
    assert out["L3EventNo"].to_list() == [1, 2, 3, 4, 5, 7]
    assert out["UnknownOrderId"].to_list() == [False, True, True, False, False, True]
    assert out["NegativeSize"].to_list() == [False, False, False, True, True, False]
    assert side(out, 1, "Bid") == [(10.0, 10, 1)]
    assert side(out, 2, "Bid") == [(10.0, 10, 1), (9.9, 7, 1)]
    assert side(out, 3, "Ask") == []
    assert side(out, 4, "Bid") == [(9.9, 7, 1)]
    assert side(out, 5, "Bid") == [(9.9, 3, 1)]


def test_market_state_changes_publish_the_book_in_sequence_order() -> None:
    events = [
        (0, BID, INS, "a", 10.0, 10, None, True, "OPENING_AUCTION"),  # sequence 1008
        (5, BID, INS, "b", 10.1, 10, None, True, "OPENING_AUCTION"),  # 1016
        (5, ASK, INS, "c", 10.3, 10, None, True, CONT),  # 1024, same instant as the change
    ]
    changes = marketstate([(-1, 1000, "OPENING_AUCTION"), (5, 1018, CONT), (9, 1100, "CLOSED")])
    out = replay(events, changes=changes)
    assert out["MarketState"].to_list() == [
        "OPENING_AUCTION",  # the change before any row: an empty book
        "OPENING_AUCTION",
        "OPENING_AUCTION",
        CONT,  # published between the rows of sequence 1016 and 1024
        CONT,
        "CLOSED",
    ]
    assert out["L3EventNo"].to_list() == [None, 1, 2, 2, 3, 3]
    assert out["BMLLSequenceNo"].to_list() == [1000, 1008, 1016, 1018, 1024, 1100]
    assert side(out, 0, "Bid") == []
    assert side(out, 3, "Bid") == side(out, 2, "Bid") == [(10.1, 10, 1), (10.0, 10, 1)]
    assert side(out, 5, "Ask") == [(10.3, 10, 1)]


def test_without_marketstate_a_state_change_in_l3_still_publishes() -> None:
    events = [
        (0, BID, INS, "a", 10.0, 10, None, True, "OPENING_AUCTION"),
        (1, BID, INS, "b", 9.9, 10, None, True, "OPENING_AUCTION"),
        (2, BID, UPD, "b", 9.9, 5, "b", True, CONT),  # invisible at N = 1, but the state changed
    ]
    out = replay(events, levels=1)
    assert out["L3EventNo"].to_list() == [1, 2, 3]


def test_listings_are_replayed_apart() -> None:
    frame = pl.concat(
        [l3([(0, BID, INS, "a", 10.0, 10, None)], 1), l3([(0, BID, REM, None, None, 0, "a")], 2)]
    )
    out = run_module(L2FromL3, {"l3": frame}, config={"marketstate": False}).sort("ListingId")
    assert out["UnknownOrderId"].to_list() == [False, True]
    assert out["BidQuantity1"].to_list() == [10, 0]
    assert out["L2EventNo"].to_list() == [1, 1]


def test_no_rows_no_snapshots() -> None:
    out = run_module(L2FromL3, {"l3": l3([]), "marketstate": marketstate([])})
    assert out.height == 0
