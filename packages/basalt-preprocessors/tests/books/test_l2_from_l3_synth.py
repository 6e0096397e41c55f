"""Acceptance: on a synthesised two-venue lake, the L2 replayed from the lake's L3 is the lake's L2.

The synthetic market derives its L2 from its own L3 (the book after every event
that changed the top 10 or a level count, and at every market-state change), so
replaying its L3 with BMLL's semantics must give back every level of every
snapshot, with the same times, states, sequence numbers and numbering.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from basalt.analytics.l2.last import L2Last
from basalt.analytics.l2.time_weighted import L2TimeWeighted
from basalt.sources.local import LocalSource
from basalt.synth import SynthConfig, write_lake
from basalt.tables.bmll import L2, L3, MarketStateTable
from basalt.testing import run_module
from basalt_preprocessors.replay.module import L2FromL3

DAYS = (dt.date(2024, 3, 4), dt.date(2024, 3, 5))
MICS = ("XPAR", "CHIX")


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = SynthConfig(
        start_date=DAYS[0],
        end_date=DAYS[1],
        listings=2,
        mics=MICS,
        messages_per_day=6_000,
        session_scale=0.02,
        halt_probability=0.5,  # volatility auctions on some listing-days
        seed=4,
    )
    root = tmp_path_factory.mktemp("replay-lake")
    write_lake(config, root, workers=1)
    return root


@pytest.mark.parametrize("day", DAYS)
def test_replayed_l2_is_the_lakes_l2(lake: Path, day: dt.date) -> None:
    source = LocalSource({"root": str(lake)})
    inputs = {
        "l3": source.scan(L3, MICS, day),
        "marketstate": source.scan(MarketStateTable, MICS, day),
    }
    got = run_module(L2FromL3, inputs).sort("ListingId", "L2EventNo")
    lake_l2 = source.scan(L2, MICS, day).collect().sort("ListingId", "L2EventNo")
    assert got["ListingId"].n_unique() == 4  # two instruments on two venues
    assert got.height > 5_000
    shared = [c for c in got.columns if c in lake_l2.columns]
    # 60 level columns, 2 level counts, ListingId, TradeDate, L2EventNo, both times, MarketState and
    # BMLLSequenceNo.
    assert len(shared) == 6 * 10 + 9
    assert got.select(shared).equals(lake_l2.select(shared))
    assert not got["UnknownOrderId"].any()
    assert not got["NegativeSize"].any()
    # Call phases cross the book; continuous trading on one venue never does.
    continuous = got.filter(pl.col("MarketState") == "CONTINUOUS_TRADING")
    assert not continuous["BookCrossed"].any()
    assert got.filter(pl.col("MarketState").str.contains("AUCTION"))["BookCrossed"].any()


def test_core_l2_modules_read_the_replayed_book_like_bmll_l2(lake: Path) -> None:
    source = LocalSource({"root": str(lake)})
    day = DAYS[0]
    book = run_module(
        L2FromL3, {"l3": source.scan(L3, MICS, day), "marketstate": source.scan(MarketStateTable, MICS, day)}
    ).sort("ListingId", "L2EventNo")
    lake_l2 = source.scan(L2, MICS, day).collect().sort("ListingId", "L2EventNo")
    for module in (L2Last, L2TimeWeighted):
        on_replay = run_module(module, {"l2": book}).sort("ListingId", "TimeBucket")
        on_lake = run_module(module, {"l2": lake_l2}).sort("ListingId", "TimeBucket")
        assert on_replay.height > 50
        assert on_replay.equals(on_lake), module.NAME
