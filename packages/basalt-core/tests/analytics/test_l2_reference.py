"""``l2`` and ``l2tw`` against the plain reference on generated books, every output column.

Generated books: 3 listings, 2 days, rows shuffled, random times including
exact bucket boundaries, duplicated timestamps and silences (empty buckets),
random depth per side (one-sided and empty books), crossed and locked books,
NaN absent prices, zero quantities, null order counts. Values must match to
a relative 1e-9 (absolute 1e-12 around 0) with identical null patterns.
"""

from __future__ import annotations

from datetime import time

import pytest
from analytics import l2_books as books
from analytics import reference_l2 as ref

from basalt.analytics.l2 import L2Last, L2TimeWeighted
from basalt.testing import run_module
from basalt.timebuckets import TimeBuckets

BUCKETS = {
    "60s": TimeBuckets(seconds=60),
    "60s-left-start": TimeBuckets(seconds=60, closed="left", anchor="start"),
    "7.5s-start": TimeBuckets(seconds=7.5, anchor="start"),
    "1s-left": TimeBuckets(seconds=1, closed="left"),
    "1d": TimeBuckets(seconds=86_400),
}

L2_CASES = [
    ("default", 1, {}, "60s", {}),
    (
        "subset-prev-close",
        2,
        {
            "levels": 3,
            "families": ["levels", "imbalance", "mid", "ohlc"],
            "microprice_levels": 5,
            "ohlc_series": ["Mid", "Ask"],
            "open_mode": "prev_close",
        },
        "60s-left-start",
        {},
    ),
    ("prev-close-7.5s", 3, {"open_mode": "prev_close"}, "7.5s-start", {}),
    ("no-trade-date", 4, {"open_mode": "prev_close", "levels": 2}, "1s-left", {"trade_date": False}),
    ("overnight-60s", 5, {"open_mode": "prev_close"}, "60s", {"overnight": True}),
    ("overnight-daily-buckets", 6, {"open_mode": "prev_close"}, "1d", {"overnight": True}),
]

L2TW_CASES = [
    ("default", 11, {}, "60s", {}),
    ("subset-left-start", 12, {"levels": 4, "families": ["cumulative", "spread"]}, "60s-left-start", {}),
    ("7.5s-start", 13, {"microprice_levels": 1}, "7.5s-start", {}),
    ("session-end", 14, {"session_end": time(9, 15)}, "60s", {}),
    ("no-trade-date-1s", 15, {"levels": 2, "families": ["levels", "mid"]}, "1s-left", {"trade_date": False}),
    ("overnight-daily-buckets", 16, {}, "1d", {"overnight": True}),
    ("overnight-session-end", 17, {"levels": 3, "session_end": time(0, 5)}, "60s", {"overnight": True}),
]


def _book(seed: int, options: dict):
    frame = books.random_book(seed, overnight=options.get("overnight", False))
    return frame if options.get("trade_date", True) else frame.drop("TradeDate")


@pytest.mark.parametrize(
    ("case", "seed", "config", "buckets", "options"), L2_CASES, ids=[c[0] for c in L2_CASES]
)
def test_l2_matches_reference(case: str, seed: int, config: dict, buckets: str, options: dict) -> None:
    frame = _book(seed, options)
    grid = BUCKETS[buckets]
    module = L2Last(config)
    result = run_module(module, {"l2": frame}, buckets=grid)
    cfg = module.config
    ref.assert_l2_matches_reference(result, frame, cfg, grid)


@pytest.mark.parametrize(
    ("case", "seed", "config", "buckets", "options"), L2TW_CASES, ids=[c[0] for c in L2TW_CASES]
)
def test_l2tw_matches_reference(case: str, seed: int, config: dict, buckets: str, options: dict) -> None:
    frame = _book(seed, options)
    grid = BUCKETS[buckets]
    module = L2TimeWeighted(config)
    result = run_module(module, {"l2": frame}, buckets=grid)
    cfg = module.config
    expected = ref.reference_l2tw(
        frame,
        levels=cfg.levels,
        families=cfg.families,
        microprice_levels=cfg.microprice_levels,
        seconds=grid.seconds,
        closed=grid.closed,
        anchor=grid.anchor,
        session_end=cfg.session_end,
    )
    columns = ref.expected_columns(cfg.levels, cfg.families, suffix="TWA")
    ref.assert_matches(result, expected, columns)


def test_generated_books_cover_the_edge_cases() -> None:
    """The generator does produce what the comparisons above rely on."""
    import polars as pl

    frame = books.random_book(1)
    ns = pl.col("EventTimestamp").cast(pl.Int64)
    stats = frame.select(
        on_minute=(ns % 60_000_000 == 0).sum(),
        duplicated=pl.struct("ListingId", "EventTimestamp").is_duplicated().sum(),
        one_sided=(pl.col("BidPrice1").is_null() ^ pl.col("AskPrice1").is_null()).sum(),
        crossed=(pl.col("BidPrice1") > pl.col("AskPrice1")).sum(),
        locked=(pl.col("BidPrice1") == pl.col("AskPrice1")).sum(),
        nan_prices=pl.col("BidPrice7").is_nan().sum(),
        short_sides=(pl.col("BidPrice3").is_not_null() & pl.col("BidPrice10").is_null()).sum(),
        null_orders=(pl.col("BidPrice1").is_not_null() & pl.col("BidNumOrders1").is_null()).sum(),
    ).row(0, named=True)
    assert all(count > 0 for count in stats.values()), stats


STATE_CASES = [
    ("continuous", 21, ("CONTINUOUS_TRADING",), "60s"),
    ("two-states-7.5s", 22, ("CONTINUOUS_TRADING", "CLOSING_AUCTION"), "7.5s-start"),
    ("continuous-1s", 23, ("CONTINUOUS_TRADING",), "1s-left"),
]


@pytest.mark.parametrize(("case", "seed", "allowed", "buckets"), STATE_CASES, ids=[c[0] for c in STATE_CASES])
def test_market_state_filter_matches_reference(case: str, seed: int, allowed: tuple, buckets: str) -> None:
    from analytics import reference_l2_states as states_ref

    frame = states_ref.with_nanoseconds(books.random_book(seed), seed)
    marketstate = states_ref.random_states(frame, seed)
    states = states_ref.MarketStates(marketstate, allowed)
    grid = BUCKETS[buckets]
    inputs = {"l2": frame, "marketstate": marketstate}
    families = ("levels", "spread", "mid", "ohlc")

    last = run_module(
        L2Last({"levels": 2, "families": families, "market_states": allowed}), inputs, buckets=grid
    )
    expected = ref.reference_l2(
        frame,
        levels=2,
        families=families,
        seconds=grid.seconds,
        closed=grid.closed,
        anchor=grid.anchor,
        keep=states.keep,
    )
    ref.assert_matches(last, expected, ref.expected_columns(2, families))

    config = {"levels": 2, "families": ["levels", "cumulative", "spread", "mid"], "market_states": allowed}
    module = L2TimeWeighted(config)
    weighted = run_module(module, inputs, buckets=grid)
    expected = ref.reference_l2tw(
        frame,
        levels=2,
        families=module.config.families,
        seconds=grid.seconds,
        closed=grid.closed,
        anchor=grid.anchor,
        keep=states.keep,
        cut_at=states.cut_at,
    )
    ref.assert_matches(weighted, expected, ref.expected_columns(2, module.config.families, suffix="TWA"))
    # The filter really filters here, and leaves rows (the comparison is not between empty frames).
    unfiltered = run_module(L2Last({"levels": 2, "families": families}), {"l2": frame}, buckets=grid)
    assert 0 < last.height < unfiltered.height
    assert weighted.height > 0
