"""Bars (López de Prado, AFML ch. 2): hand cases, an independent plain-Python reference on random
trades (every bar type, with and without carry-over), and the real BMLL sample rows."""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

import polars as pl
import pytest
from bar_data import DAY0, as_reference_trades, at, random_trades, trades_frame
from reference_bars import reference_bars

from basalt import TimeBuckets
from basalt_characteristics.bars import BarsConfig, BarsModule

BUCKETS = TimeBuckets(seconds=60)
DAYS = [DAY0 + timedelta(days=i) for i in range(3)]
CONFIGS: list[dict[str, Any]] = [
    {"bar_type": "time", "bar_seconds": 300},
    {"bar_type": "tick", "ticks_per_bar": 7},
    {"bar_type": "volume", "volume_per_bar": 1500},
    {"bar_type": "dollar", "notional_per_bar": 90_000},
    {
        "bar_type": "tick_imbalance",
        "initial_expected_ticks": 10,
        "initial_expected_imbalance": 0.4,
        "ewma_span": 5,
    },
    {
        "bar_type": "volume_imbalance",
        "initial_expected_ticks": 10,
        "initial_expected_imbalance": 60.0,
        "ewma_span": 5,
        "imbalance_sign": "aggressor",
    },
]


def run_days(cfg: dict[str, Any], frame: pl.DataFrame, days: list[date]) -> pl.DataFrame:
    """The module day by day, each day from the state the previous day returned (as the engine does)."""
    module = BarsModule(cfg)
    state = module.empty_state()
    outputs = []
    for day in days:
        trades = frame.filter(pl.col("TradeTimestamp").dt.date() == day).lazy()
        if module.state_schema() is None:  # stateless: each day on its own
            output = module.compute({"trades": trades}, BUCKETS).collect()
        else:
            output, new = module.compute_with_state({"trades": trades}, BUCKETS, state)
            output, collected = pl.collect_all([output, new])
            state = collected.lazy()
        outputs.append(output.with_columns(pl.lit(day).alias("Date")))
    return pl.concat(outputs)


def expected(cfg: dict[str, Any], frame: pl.DataFrame) -> list[dict[str, Any]]:
    rows = []
    for listing in sorted(set(frame["ListingId"])):
        for row in reference_bars(as_reference_trades(frame, listing), cfg):
            rows.append({"ListingId": listing, **row})
    return rows


def assert_matches(got: pl.DataFrame, want: list[dict[str, Any]]) -> None:
    got = got.with_columns(
        pl.col("BarStart").cast(pl.Int64).alias("BarStartNs"),
        pl.col("BarEnd").cast(pl.Int64).alias("BarEndNs"),
    ).sort("ListingId", "BarEndNs", "BarNumber")
    want = sorted(want, key=lambda r: (r["ListingId"], r["BarEndNs"], r["BarNumber"]))
    assert got.height == len(want)
    columns = [c for c in want[0] if c in got.columns]
    for g, w in zip(got.iter_rows(named=True), want, strict=True):
        for column in columns:
            if isinstance(w[column], float) and w[column] is not None and g[column] is not None:
                if math.isnan(w[column]):
                    assert math.isnan(g[column]), column
                else:
                    assert g[column] == pytest.approx(w[column], rel=1e-9, abs=1e-12), (column, g, w)
            else:
                assert g[column] == w[column], (column, g, w)


@pytest.mark.parametrize("carry_over", [False, True])
@pytest.mark.parametrize("cfg", CONFIGS, ids=[c["bar_type"] for c in CONFIGS])
def test_every_bar_type_equals_the_plain_python_reference(cfg: dict[str, Any], carry_over: bool) -> None:
    frame = random_trades(seed=len(cfg["bar_type"]), days=DAYS)
    cfg = {**cfg, "carry_over": carry_over}
    got = run_days(cfg, frame, DAYS)
    want = expected(cfg, frame)
    assert want  # the data makes bars
    assert_matches(got, want)
    if not carry_over:  # every lit trade is in exactly one bar when days close their bars
        lit = frame.filter(pl.col("Classification") == "LIT_CONTINUOUS")
        assert got["TradeCount"].sum() == lit.height
        assert got["Volume"].sum() == pytest.approx(lit["Size"].sum(), rel=1e-12)


@pytest.mark.parametrize("cfg", CONFIGS, ids=[c["bar_type"] for c in CONFIGS])
def test_without_carry_over_one_call_over_several_days_closes_each_day(cfg: dict[str, Any]) -> None:
    frame = random_trades(seed=9, days=DAYS)
    at_once = BarsModule(cfg).compute({"trades": frame.lazy()}, BUCKETS).collect()
    day_by_day = run_days(cfg, frame, DAYS).drop("Date")
    order = ["ListingId", "BarEnd", "BarNumber"]
    assert at_once.sort(order).equals(day_by_day.sort(order))


def test_a_trade_exactly_at_the_threshold_closes_the_bar_and_a_straddling_trade_is_not_split() -> None:
    sizes = [40, 60, 50, 70, 10]
    frame = trades_frame([{"t": at(DAY0, i), "price": 10 + i, "size": s} for i, s in enumerate(sizes)])
    bars = BarsModule({"bar_type": "volume", "volume_per_bar": 100}).compute(
        {"trades": frame.lazy()}, BUCKETS
    )
    got = bars.collect()
    assert got["Volume"].to_list() == [100.0, 120.0, 10.0]  # 40+60 = 100 closes; 70 is not split
    assert got["TradeCount"].to_list() == [2, 2, 1]
    assert got["BarComplete"].to_list() == [True, True, False]  # the day's end closed the last
    assert got["Open"].to_list() == [10.0, 12.0, 14.0]
    assert got["Close"].to_list() == [11.0, 13.0, 14.0]
    assert got["VWAP"][0] == pytest.approx((40 * 10 + 60 * 11) / 100)
    assert got["RealizedVariance"][0] == pytest.approx(math.log(11 / 10) ** 2)
    assert got["RealizedVariance"][2] == 0.0
    assert got["BarNumber"].to_list() == [1, 2, 3]


def test_dollar_and_tick_bars_by_hand() -> None:
    rows = [
        {"t": at(DAY0, i), "price": p, "size": s, "side": d}
        for i, (p, s, d) in enumerate([(10.0, 5, 1), (20.0, 5, 2), (10.0, 10, 0), (10.0, 1, 1)])
    ]
    frame = trades_frame(rows)
    dollar = BarsModule({"bar_type": "dollar", "notional_per_bar": 150}).compute(
        {"trades": frame.lazy()}, BUCKETS
    )
    got = dollar.collect()
    assert got["Notional"].to_list() == [150.0, 110.0]  # 50 + 100 reaches 150 exactly
    assert got["BuyVolumeShare"].to_list() == [0.5, 1.0]  # side 0 volume is left out
    tick = BarsModule({"bar_type": "tick", "ticks_per_bar": 3}).compute({"trades": frame.lazy()}, BUCKETS)
    got = tick.collect()
    assert got["TradeCount"].to_list() == [3, 1]
    assert got["High"].to_list() == [20.0, 10.0]
    assert got["Low"].to_list() == [10.0, 10.0]


def test_a_halt_closes_a_time_bar_at_the_first_trade_after_it() -> None:
    frame = trades_frame(
        [
            {"t": at(DAY0, s), "price": 10, "size": 1} for s in (10, 50, 1805, 1810)
        ]  # 08:00:10 … halt … 08:30:05
    )
    got = (
        BarsModule({"bar_type": "time", "bar_seconds": 60})
        .compute({"trades": frame.lazy()}, BUCKETS)
        .collect()
    )
    assert got["TradeCount"].to_list() == [2, 2]
    assert got["BarComplete"].to_list() == [True, False]
    assert got["BarEnd"][0] == at(DAY0, 50)


def test_tick_imbalance_bars_by_hand() -> None:
    # E[T] = 3, E[b] = 0.5: threshold 1.5. Tick rule signs: 0 (no previous price), +1, +1 → θ = 2 closes.
    # α = 2/(3+1) = 0.5: E[T] = 0.5·3 + 0.5·3 = 3, E[b] = 0.5·(2/3) + 0.5·0.5 = 7/12: threshold 1.75.
    # Then 12 (unchanged: +1) and 11 (−1): θ = 0, the day ends: an incomplete bar.
    frame = trades_frame(
        [{"t": at(DAY0, i), "price": p, "size": 1} for i, p in enumerate([10, 11, 12, 12, 11])]
    )
    cfg = {
        "bar_type": "tick_imbalance",
        "initial_expected_ticks": 3,
        "initial_expected_imbalance": 0.5,
        "ewma_span": 3,
    }
    got = BarsModule(cfg).compute({"trades": frame.lazy()}, BUCKETS).collect()
    assert got["TradeCount"].to_list() == [3, 2]
    assert got["BarImbalance"].to_list() == [2.0, 0.0]
    assert got["ExpectedImbalance"].to_list() == pytest.approx([1.5, 3 * 7 / 12])
    assert got["BarComplete"].to_list() == [True, False]


def test_carry_over_keeps_the_open_bar_across_days_and_an_empty_day_changes_nothing() -> None:
    day1, day2, day3 = DAY0, DAY0 + timedelta(days=1), DAY0 + timedelta(days=2)
    frame = trades_frame(
        [
            {"t": at(day1, 1), "price": 10, "size": 40},
            {"t": at(day1, 2), "price": 11, "size": 30},
            {"t": at(day3, 1), "price": 12, "size": 50},  # day 2 is empty
            {"t": at(day3, 2), "price": 12, "size": 20},
        ]
    )
    got = run_days(
        {"bar_type": "volume", "volume_per_bar": 100, "carry_over": True}, frame, [day1, day2, day3]
    )
    assert got.height == 1  # nothing closes on day 1 or the empty day 2
    bar = got.row(0, named=True)
    assert (bar["Date"], bar["BarNumber"], bar["Volume"], bar["TradeCount"]) == (day3, 1, 120.0, 3)
    assert bar["BarStart"] == at(day1, 1)
    assert bar["RealizedVariance"] == pytest.approx(math.log(11 / 10) ** 2 + math.log(12 / 11) ** 2)
    closed_daily = run_days({"bar_type": "volume", "volume_per_bar": 100}, frame, [day1, day2, day3])
    assert closed_daily["BarComplete"].to_list() == [False, False]
    assert closed_daily["BarNumber"].to_list() == [1, 1]


def test_without_carry_over_the_module_is_stateless() -> None:
    assert BarsModule({"bar_type": "tick", "ticks_per_bar": 2}).state_schema() is None
    assert BarsModule({"bar_type": "tick", "ticks_per_bar": 2, "carry_over": True}).state_schema()


@pytest.mark.parametrize(
    "bad",
    [
        {"bar_type": "volume_imbalance"},
        {"bar_type": "tick_imbalance", "initial_expected_imbalance": 0},
        {"bar_type": "tick_imbalance", "initial_expected_imbalance": 1.5},
    ],
)
def test_imbalance_bars_need_a_usable_initial_expectation(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="initial_expected_imbalance"):
        BarsConfig.model_validate(bad)


def test_the_real_bmll_sample_rows_equal_the_reference() -> None:
    from bmll_sample import sample_frame

    frame = sample_frame("trades")
    for cfg in CONFIGS:
        cfg = {**cfg, "volume_per_bar": 300} if cfg["bar_type"] == "volume" else cfg
        got = BarsModule(cfg).compute({"trades": frame.lazy()}, BUCKETS).collect()
        want = expected(cfg, frame)
        assert want
        assert_matches(got.with_columns(pl.col("BarEnd").dt.date().alias("Date")), want)


@pytest.mark.parametrize("cfg", CONFIGS, ids=[c["bar_type"] for c in CONFIGS])
def test_every_column_is_documented_with_its_dtype_and_explained(cfg: dict[str, Any]) -> None:
    from basalt.cli.analytics_cmd import explain_row
    from basalt.plugins.manager import get_plugin_manager
    from basalt.testing import run_module

    frame = random_trades(seed=3, days=DAYS[:1])
    output = run_module(BarsModule, {"trades": frame}, config=cfg)  # exactly the documented columns
    assert output.height
    manager = get_plugin_manager()
    for column in BarsModule(cfg).columns():
        row = explain_row(manager, column.name)
        assert row is not None, column.name
        assert row["module"] == "bars"
