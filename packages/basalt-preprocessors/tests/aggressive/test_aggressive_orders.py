"""``aggressive_orders`` and ``aggressive``: hand-worked fills, the plain-Python reference on random trades,
the synthetic market and the real BMLL sample rows."""

from __future__ import annotations

import datetime as dt
import math

import polars as pl
import pytest
from aggressive_frames import T0, random_trades, reference_orders, trade, trades_frame

from basalt import TimeBuckets
from basalt.testing import run_module
from basalt_preprocessors.aggressive import AggressiveOrders, AggressiveOrderStats
from bmll_sample import sample_frame


@pytest.fixture
def hand() -> pl.DataFrame:
    return trades_frame(
        [
            # a buy sweeping 100.1 then 100.2 (venue quote 100.0/100.1, mid 100.05)
            trade(1, 0, 1, 100.1, 100, seq=1),
            trade(1, 0, 1, 100.1, 50, seq=2),
            trade(1, 0, 1, 100.2, 30, seq=3),
            # a sell at the same timestamp: another order
            trade(1, 0, 2, 100.0, 40, seq=4),
            # off-book and unknown-side trades are not fills of anything
            trade(1, 0, 2, 100.0, 999, seq=5, classification="OFF_BOOK_ON_EXCHANGE"),
            trade(1, 500, 0, 100.0, 999, seq=6),
            # a sell 1 µs later: a third order unless max_gap_ns >= 1000
            trade(1, 1000, 2, 99.9, 10, seq=7),
            # listing 2, 61 s later: its own order 1
            trade(2, 61_000_000_000, 2, 50.0, 5, seq=1, bid=50.0, ask=50.2),
        ]
    )


def test_hand_worked_orders(hand: pl.DataFrame) -> None:
    out = run_module(AggressiveOrders, {"trades": hand})
    assert out.select(
        "ListingId", "AggressiveOrderNo", "AggressorSide", "Size", "Fills", "LevelsWalked"
    ).rows() == [
        (1, 1, 1, 180.0, 3, 2),
        (1, 2, 2, 40.0, 1, 1),
        (1, 3, 2, 10.0, 1, 1),
        (2, 1, 2, 5.0, 1, 1),
    ]
    sweep = out.row(0, named=True)
    vwap = (100.1 * 150 + 100.2 * 30) / 180
    assert math.isclose(sweep["VWAP"], vwap, rel_tol=1e-12)
    assert (sweep["FirstPrice"], sweep["LastPrice"], sweep["PreTradeMid"]) == (
        100.1,
        100.2,
        (100.0 + 100.1) / 2,
    )
    assert math.isclose(sweep["LastPriceImpactBps"], (100.2 - 100.05) / 100.05 * 1e4, rel_tol=1e-9)
    assert math.isclose(sweep["VWAPImpactBps"], (vwap - 100.05) / 100.05 * 1e4, rel_tol=1e-9)
    sell = out.row(1, named=True)  # a sell at the bid: impact 100.0 vs mid 100.05, sign -1 -> +5 bps
    assert math.isclose(sell["LastPriceImpactBps"], (100.05 - 100.0) / 100.05 * 1e4, rel_tol=1e-9)
    assert out["TradeTimestamp"].to_list()[:3] == [T0, T0, T0 + dt.timedelta(microseconds=1)]


def test_max_gap_joins_fills_a_little_apart(hand: pl.DataFrame) -> None:
    out = run_module(AggressiveOrders, {"trades": hand}, config={"max_gap_ns": 1000})
    assert out.filter(pl.col("ListingId") == 1).select("AggressorSide", "Size", "Fills").rows() == [
        (1, 180.0, 3),
        (2, 50.0, 2),
    ]
    assert out["LastFillTimestamp"].to_list()[1] == T0 + dt.timedelta(microseconds=1)


def test_consolidated_mid(hand: pl.DataFrame) -> None:
    out = run_module(AggressiveOrders, {"trades": hand}, config={"mid": "consolidated"})
    assert out["PreTradeMid"].to_list()[0] == (99.9 + 100.1) / 2  # BestBidPrice = 99.9 in the frame


def test_hand_worked_buckets(hand: pl.DataFrame) -> None:
    out = run_module(AggressiveOrderStats, {"trades": hand}, buckets=TimeBuckets(seconds=60))
    # listing 1: three orders in the minute ending 09:00 (T0 is on the boundary: (08:59, 09:00]) and 09:01
    rows = {(r["ListingId"], r["TimeBucket"]): r for r in out.iter_rows(named=True)}
    first = rows[(1, T0)]
    assert first["AggressiveOrderCount"] == 2
    assert first["AggressiveOrderMeanSize"] == (180 + 40) / 2
    assert first["AggressiveOrderMultiLevelShare"] == 0.5
    assert first["AggressiveSweepToFillRatio"] == 1 / 4  # one sweep, 3 + 1 fills
    second = rows[(1, T0 + dt.timedelta(minutes=1))]
    assert (second["AggressiveOrderCount"], second["AggressiveSweepToFillRatio"]) == (1, 0.0)
    assert rows[(2, T0 + dt.timedelta(minutes=2))]["AggressiveOrderCount"] == 1


@pytest.mark.parametrize(("seed", "gap"), [(1, 0), (2, 0), (3, 500), (4, 2_000)])
def test_equals_the_plain_python_reference(seed: int, gap: int) -> None:
    trades = random_trades(seed)
    out = run_module(AggressiveOrders, {"trades": trades}, config={"max_gap_ns": gap})
    expected = reference_orders(trades, gap)
    assert out.height == len(expected) > 50
    assert out.columns == list(expected[0])
    for got, want in zip(out.iter_rows(named=True), expected, strict=True):
        for name, value in want.items():
            if isinstance(value, float):
                assert math.isclose(got[name], value, rel_tol=1e-9, abs_tol=1e-9), (name, got[name], value)
            else:
                assert got[name] == value, (name, got[name], value)
    # the bucket statistics, from the reference orders by loops: (start, end] one-second buckets
    stats = run_module(
        AggressiveOrderStats, {"trades": trades}, config={"max_gap_ns": gap}, buckets=TimeBuckets(seconds=1)
    )
    groups: dict[tuple[int, dt.datetime], list[dict[str, object]]] = {}
    for order in expected:
        t = order["TradeTimestamp"]
        label = t.replace(microsecond=0) + (dt.timedelta(seconds=1) if t.microsecond else dt.timedelta(0))
        groups.setdefault((order["ListingId"], label), []).append(order)
    assert stats.height == len(groups)
    for row in stats.iter_rows(named=True):
        group = groups[(row["ListingId"], row["TimeBucket"])]
        sweeps = sum(1 for o in group if o["LevelsWalked"] > 1)  # type: ignore[operator]
        assert row["AggressiveOrderCount"] == len(group)
        assert math.isclose(row["AggressiveOrderMeanSize"], sum(o["Size"] for o in group) / len(group))  # type: ignore[misc]
        assert row["AggressiveOrderMultiLevelShare"] == pytest.approx(sweeps / len(group), rel=1e-12)
        fills = sum(o["Fills"] for o in group)  # type: ignore[misc]
        assert row["AggressiveSweepToFillRatio"] == pytest.approx(sweeps / fills, rel=1e-12)


def test_synthetic_market_fills_add_up(synth_trades: pl.DataFrame) -> None:
    out = run_module(AggressiveOrders, {"trades": synth_trades})
    lit = synth_trades.filter(
        (pl.col("Classification") == "LIT_CONTINUOUS") & pl.col("AggressorSide").is_in([1, 2])
    )
    assert out["Fills"].sum() == lit.height
    assert out["Size"].sum() == lit["Size"].sum()
    assert (out["LevelsWalked"] <= out["Fills"]).all()
    # a buy walks up, a sell walks down: the last fill is never better than the first
    buys, sells = out.filter(pl.col("AggressorSide") == 1), out.filter(pl.col("AggressorSide") == 2)
    assert (buys["LastPrice"] >= buys["FirstPrice"]).all()
    assert (sells["LastPrice"] <= sells["FirstPrice"]).all()
    assert out.filter(pl.col("LevelsWalked") > 1).height > 0


def test_bmll_sample_rows() -> None:
    trades = sample_frame("trades")
    out = run_module(AggressiveOrders, {"trades": trades})
    expected = reference_orders(trades)
    assert out.height == len(expected) > 0
    assert out["Size"].to_list() == [o["Size"] for o in expected]
    assert out["Fills"].to_list() == [o["Fills"] for o in expected]
    assert out["VWAPImpactBps"].to_list() == pytest.approx([o["VWAPImpactBps"] for o in expected], rel=1e-9)
