"""``l2`` / ``l2tw`` with ``market_states``: auction snapshots (crossed books) are left out, by hand.

The day (one listing, 60 s buckets, right-closed, labelled by their end):

    08:00:00 OPENING_AUCTION   08:01:30 CONTINUOUS_TRADING   08:03:20 CLOSING_AUCTION

    08:00:10  bid 101   ask  99   crossed (auction)       SpreadBps < 0
    08:01:00  bid 102   ask 100   crossed (auction)       SpreadBps < 0
    08:01:30  bid 100   ask 100.5 A (state changes at this instant: continuous)
    08:02:15  bid 100   ask 101   B
    08:03:40  bid 102   ask 101   crossed (closing auction)
"""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest
from analytics import l2_books as books

from basalt.analytics.l2 import L2Last, L2TimeWeighted
from basalt.testing import run_module

DAY = date(2026, 3, 2)
CONTINUOUS = ["CONTINUOUS_TRADING"]


def at(hour: int, minute: int, second: int = 0, micro: int = 0) -> datetime:
    return datetime(DAY.year, DAY.month, DAY.day, hour, minute, second, micro)


def book(ts: datetime, bid: float, ask: float) -> dict:
    return {"ts": ts, "bids": [(bid, 10, 1)], "asks": [(ask, 10, 1)]}


SNAPSHOTS = [
    book(at(8, 0, 10), 101.0, 99.0),
    book(at(8, 1, 0), 102.0, 100.0),
    book(at(8, 1, 30), 100.0, 100.5),
    book(at(8, 2, 15), 100.0, 101.0),
    book(at(8, 3, 40), 102.0, 101.0),
]


def states(rows: list[tuple[datetime, str]], listing: int = 1) -> pl.DataFrame:
    """A ``marketstate`` frame (schema dtypes) from (time, state) rows."""
    return pl.DataFrame(
        {
            "TimestampNanoseconds": [t for t, _ in rows],
            "MarketState": [s for _, s in rows],
            "ListingId": [listing] * len(rows),
            "BMLLSequenceNo": list(range(1, len(rows) + 1)),
        },
        schema={
            "TimestampNanoseconds": pl.Datetime("ns"),
            "MarketState": pl.String(),
            "ListingId": pl.Int64(),
            "BMLLSequenceNo": pl.Int64(),
        },
    )


DAY_STATES = states(
    [
        (at(8, 0), "OPENING_AUCTION"),
        (at(8, 1, 30), "CONTINUOUS_TRADING"),
        (at(8, 3, 20), "CLOSING_AUCTION"),
    ]
)

SPREAD_A = 10_000 * 0.5 / 100.25  # 08:01:30 book
SPREAD_B = 10_000 * 1.0 / 100.5  # 08:02:15 book


def run(module, config: dict, frame: pl.DataFrame | None = None, marketstate=DAY_STATES) -> pl.DataFrame:
    inputs = {"l2": books.book_frame(SNAPSHOTS) if frame is None else frame}
    if config.get("market_states"):
        inputs["marketstate"] = marketstate
    return run_module(module, inputs, config=config)


def test_without_the_filter_auction_books_make_the_spread_negative() -> None:
    out = run(L2TimeWeighted, {"families": ["spread"]})
    assert out.filter(pl.col("TimeBucket") == at(8, 1))["SpreadBpsTWA"].item() < 0


def test_l2_keeps_only_snapshots_taken_in_continuous_trading() -> None:
    out = run(L2Last, {"families": ["spread", "ohlc"], "ohlc_series": ["Bid"], "market_states": CONTINUOUS})
    assert out["TimeBucket"].to_list() == [at(8, 2), at(8, 3)]
    assert out["SpreadBps"].to_list() == [
        pytest.approx(SPREAD_A, rel=1e-12),
        pytest.approx(SPREAD_B, rel=1e-12),
    ]
    assert out["BidOpen"].to_list() == [100.0, 100.0]
    assert out["BidHigh"].to_list() == [100.0, 100.0]  # the 102 bids of the auctions are not in any bar


def test_l2tw_weighs_only_time_in_continuous_trading() -> None:
    out = run(L2TimeWeighted, {"families": ["spread", "mid"], "market_states": CONTINUOUS})
    assert out["TimeBucket"].to_list() == [at(8, 2), at(8, 3), at(8, 4)]
    assert out["SpreadBpsTWA"].to_list() == [
        pytest.approx(SPREAD_A, rel=1e-12),  # A for 30 s (08:01:30-08:02:00)
        pytest.approx((15 * SPREAD_A + 45 * SPREAD_B) / 60, rel=1e-12),  # A 15 s, then B 45 s
        pytest.approx(SPREAD_B, rel=1e-12),  # B until the closing auction at 08:03:20, not until 08:03:40
    ]
    assert out["MidTWA"][1] == pytest.approx((15 * 100.25 + 45 * 100.5) / 60, rel=1e-12)
    assert min(out["SpreadBpsTWA"].to_list()) > 0


def test_time_after_a_change_into_an_excluded_state_weighs_nothing() -> None:
    # B is the last snapshot: unfiltered it stays in force to the end of its bucket (08:03:00);
    # an auction from 08:02:45 cuts it there, so bucket 08:03 holds A 15 s + B 30 s.
    halted = states(
        [(at(8, 0), "OPENING_AUCTION"), (at(8, 1, 30), "CONTINUOUS_TRADING"), (at(8, 2, 45), "HALTED")]
    )
    frame = books.book_frame(SNAPSHOTS[:4])
    out = run(L2TimeWeighted, {"families": ["mid"], "market_states": CONTINUOUS}, frame, halted)
    assert out["MidTWA"].to_list() == [100.25, pytest.approx((15 * 100.25 + 30 * 100.5) / 45, rel=1e-12)]


def test_state_is_looked_up_at_timestamp_nanoseconds_when_present() -> None:
    # EventTimestamp is µs; the state change is 500 ns after the µs of the snapshot taken with it.
    change = at(8, 1, 30)  # A's EventTimestamp
    frame = books.book_frame(SNAPSHOTS).with_columns(
        pl.col("EventTimestamp").cast(pl.Datetime("ns")).alias("TimestampNanoseconds")
    )
    frame = frame.with_columns(
        pl.when(pl.col("EventTimestamp") == change)
        .then(pl.col("TimestampNanoseconds") + pl.duration(nanoseconds=500))
        .otherwise(pl.col("TimestampNanoseconds"))
        .alias("TimestampNanoseconds")
    )
    late = states([(at(8, 0), "OPENING_AUCTION")]).vstack(
        DAY_STATES.slice(1, 2).with_columns(
            pl.when(pl.col("MarketState") == "CONTINUOUS_TRADING")
            .then(pl.col("TimestampNanoseconds") + pl.duration(nanoseconds=500))
            .otherwise(pl.col("TimestampNanoseconds"))
        )
    )
    out = run(L2Last, {"families": ["spread"], "market_states": CONTINUOUS}, frame, late)
    assert out["TimeBucket"].to_list() == [at(8, 2), at(8, 3)]  # A is kept: its ns time is the change's
    without_ns = run(
        L2Last,
        {"families": ["spread"], "market_states": CONTINUOUS},
        frame.drop("TimestampNanoseconds"),
        late,
    )
    assert without_ns["TimeBucket"].to_list() == [at(8, 3)]  # by its µs EventTimestamp A is 500 ns early


def test_snapshots_before_the_first_state_event_and_unknown_listings_are_dropped() -> None:
    frame = books.book_frame([*SNAPSHOTS[2:4], {**book(at(8, 2), 50.0, 51.0), "listing": 2}])
    late_start = states([(at(8, 2), "CONTINUOUS_TRADING")])  # after A, before B; listing 2 has none
    out = run(L2Last, {"families": ["mid"], "market_states": CONTINUOUS}, frame, late_start)
    assert out.select("ListingId", "TimeBucket", "Mid").rows() == [(1, at(8, 3), 100.5)]


def test_same_instant_events_the_last_by_sequence_wins() -> None:
    flip = states([(at(8, 0), "CONTINUOUS_TRADING"), (at(8, 0), "OPENING_AUCTION")])
    out = run(
        L2Last, {"families": ["mid"], "market_states": CONTINUOUS}, books.book_frame(SNAPSHOTS[2:3]), flip
    )
    assert out.height == 0
    out = run(
        L2Last,
        {"families": ["mid"], "market_states": CONTINUOUS},
        books.book_frame(SNAPSHOTS[2:3]),
        flip.reverse(),
    )
    assert out.height == 0  # same rows, other file order: BMLLSequenceNo still says auction is last


def test_the_filter_declares_the_marketstate_input_and_documents_itself() -> None:
    module = L2TimeWeighted({"market_states": ["CONTINUOUS_TRADING"]})
    assert module.input_names() == ("l2", "marketstate")
    assert L2Last().input_names() == ("l2",)
    doc = next(c for c in module.columns() if c.name == "SpreadBpsTWA")
    assert "CONTINUOUS_TRADING" in doc.definition
    assert "marketstate.MarketState" in doc.sources
    assert "market state" in L2Last.Config.model_fields["market_states"].description
