"""``microprice``: the weighted mid is the core's, Stoikov's estimator by hand and against a reference."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from book_compare import assert_matches
from book_frames import T0, l2_frame, random_l2
from book_reference_stoikov import micro_prices

from basalt.analytics.l2 import L2Last, L2TimeWeighted
from basalt.testing import run_module
from basalt_characteristics.microprice import MicroPrice


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def test_weighted_mid_is_the_cores_last_and_twa() -> None:
    l2 = random_l2(11)
    ours = run_module(MicroPrice, {"l2": l2}, config={"stoikov": False})
    last = run_module(L2Last, {"l2": l2}, config={"families": ["mid"]})
    tw = run_module(L2TimeWeighted, {"l2": l2}, config={"families": ["mid"]})
    core = tw.select("ListingId", "TimeBucket", "WeightedMidTWA").join(
        last.select("ListingId", "TimeBucket", "WeightedMid"),
        on=["ListingId", "TimeBucket"],
        how="full",
        coalesce=True,
    )
    joined = ours.join(core, on=["ListingId", "TimeBucket"], how="full", coalesce=True)
    assert joined.height == ours.height == core.height
    assert joined["WeightedMidL1"].to_list() == joined["WeightedMid"].to_list()
    assert joined["WeightedMidL1TWA"].to_list() == joined["WeightedMidTWA"].to_list()
    assert joined["WeightedMidL1"].null_count() < joined.height


def book(t: float, bid: float, ask: float, qb: int, qa: int) -> dict:
    return {
        "EventTimestamp": at(t),
        "BidPrice1": bid,
        "AskPrice1": ask,
        "BidQuantity1": qb,
        "AskQuantity1": qa,
    }


# Two imbalance bins, one spread state. From the bid-heavy state x1 the mid stays once and moves
# up one tick twice (to x0); from x0 it moves down one tick (to x1). Q[x1,x1] = 1/3,
# R1[x1,+1] = 2/3, R1[x0,-1] = 1, so G1 = (1-Q)^-1 R1 K = (-1, +1) and B = [[0,1],[1,0]]:
# g = G1 (1 term), G1 + B G1 = 0 (2 terms), back to G1 with 3 terms.
HAND = [
    book(1, 10.00, 10.01, 300, 100),
    book(2, 10.00, 10.01, 300, 100),
    book(3, 10.01, 10.02, 100, 300),
    book(4, 10.00, 10.01, 300, 100),
    book(5, 10.01, 10.02, 100, 300),
]


@pytest.mark.parametrize(("terms", "adjustment"), [(1, -1.0), (2, 0.0), (3, -1.0)])
def test_stoikov_by_hand(terms: int, adjustment: float) -> None:
    config = {
        "weighted_mid": False,
        "imbalance_bins": 2,
        "max_spread_ticks": 1,
        "terms": terms,
        "symmetrize": False,
    }
    out = run_module(MicroPrice, {"l2": l2_frame(HAND)}, config=config)
    assert out["MicroPriceStoikov"][0] == pytest.approx(10.015 + 0.01 * adjustment, abs=1e-12)
    # Symmetrizing adds the mirror image of every transition: the same estimate here.
    symmetric = run_module(MicroPrice, {"l2": l2_frame(HAND)}, config={**config, "symmetrize": True})
    assert symmetric["MicroPriceStoikov"][0] == pytest.approx(10.015 + 0.01 * adjustment, abs=1e-12)


def test_stoikov_nulls_outside_states_and_given_tick() -> None:
    rows = [*HAND, book(6, 10.00, 10.03, 100, 100)]  # a 3-tick spread is not a state
    config = {"weighted_mid": False, "imbalance_bins": 2, "max_spread_ticks": 2}
    assert run_module(MicroPrice, {"l2": l2_frame(rows)}, config=config)["MicroPriceStoikov"][0] is None
    # A tick of 0.005 makes every move 2 ticks, above max_move_ticks = 1: only the one transition without a
    # move is left, so 1 - Q is singular and the day's fit fails.
    coarse = run_module(MicroPrice, {"l2": l2_frame(HAND)}, config={**config, "tick_size": 0.005})
    assert coarse["MicroPriceStoikov"].to_list() == [None]


@pytest.mark.parametrize(
    ("seed", "config"),
    [
        (12, {}),
        (13, {"imbalance_bins": 4, "max_spread_ticks": 3, "terms": 10, "symmetrize": False}),
        (14, {"continuous_only": False, "max_move_ticks": 1.5}),
    ],
)
def test_stoikov_matches_reference(seed: int, config: dict) -> None:
    l2 = random_l2(seed, per_day=600)
    out = run_module(MicroPrice, {"l2": l2}, config={"weighted_mid": False, **config})
    expected = micro_prices(
        l2.to_dicts(),
        bins=config.get("imbalance_bins", 10),
        spreads=config.get("max_spread_ticks", 2),
        max_move=config.get("max_move_ticks", 1.0),
        terms=config.get("terms", 6),
        symmetrize=config.get("symmetrize", True),
        continuous_only=config.get("continuous_only", True),
    )
    assert_matches(out, expected, ["MicroPriceStoikov"])
    assert out["MicroPriceStoikov"].drop_nulls().len() > 10
    assert isinstance(out, pl.DataFrame)
