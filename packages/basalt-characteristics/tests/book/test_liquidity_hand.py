"""``liquidity`` on hand-built trades: Roll, Amihud, Corwin-Schultz, Kyle and Hasbrouck by hand."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from book_frames import T0, trades_frame

from basalt.testing import run_module
from basalt_characteristics.liquidity import Liquidity


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def trade(
    t: float, price: float | None, size: float | None = 100.0, side: int | None = 0, **extra: object
) -> dict:
    return {"TradeTimestamp": at(t), "Price": price, "Size": size, "AggressorSide": side, **extra}


def run(rows: list[dict], **config: object):
    return run_module(Liquidity, {"trades": trades_frame(rows)}, config=config)


def test_roll_bounce_trend_and_too_few_prices() -> None:
    bounce = run([trade(i + 1, p) for i, p in enumerate([10.0, 10.02, 10.0, 10.02, 10.0])])
    # Δp = .02, -.02, .02, -.02; pairs (Δp_t, Δp_t-1): x = (-.02, .02, -.02), y = -x;
    # population cov = E[xy] - E[x]E[y] = -.0004 + .0004/9.
    assert bounce["RollSpread"][0] == pytest.approx(2 * math.sqrt(0.0004 * 8 / 9), rel=1e-9)
    trend = run([trade(i + 1, p) for i, p in enumerate([10.0, 10.01, 10.02, 10.03])])
    assert trend["RollSpread"][0] is None  # autocovariance 0
    short = run([trade(i + 1, p) for i, p in enumerate([10.0, 10.02, 10.0])])
    assert short["RollSpread"][0] is None


def test_amihud_over_sub_periods_close_to_close() -> None:
    rows = [
        trade(5, 10.0, 100),
        trade(15, 10.1, 200),  # r = ln(10.1/10), dollar volume 2020
        trade(25, 10.1, 0),  # zero volume: not averaged, but its close is the next one's base
        trade(26, 10.2, None),  # null size counts 0 shares
        trade(35, 10.0, 100),  # r = ln(10/10.2), dollar volume 1000
    ]
    out = run(rows, amihud_interval_seconds=10.0)
    expected = (math.log(10.1 / 10) / 2020 + abs(math.log(10 / 10.2)) / 1000) / 2
    assert out["AmihudIlliquidity"][0] == pytest.approx(expected, rel=1e-12)
    single = run([trade(5, 10.0)])
    assert single["AmihudIlliquidity"][0] is None  # the day's first sub-period has no return
    with pytest.raises(ValueError, match="must divide"):
        run(rows, amihud_interval_seconds=7.0)


def test_corwin_schultz_consecutive_buckets_and_negative_rule() -> None:
    rows = [trade(10, 10.0), trade(20, 10.2), trade(70, 10.1), trade(80, 10.3)]
    out = run(rows)
    beta = math.log(10.2 / 10.0) ** 2 + math.log(10.3 / 10.1) ** 2
    gamma = math.log(10.3 / 10.0) ** 2
    k = 3 - 2 * math.sqrt(2)
    alpha = (math.sqrt(2 * beta) - math.sqrt(beta)) / k - math.sqrt(gamma / k)
    assert out["CorwinSchultzSpread"].to_list()[0] is None  # no previous bucket
    assert out["CorwinSchultzSpread"][1] == pytest.approx(
        max(2 * (math.exp(alpha) - 1) / (1 + math.exp(alpha)), 0)
    )
    # A jump between two single-price buckets: β = 0, γ > 0, α < 0 -> set to 0.
    jump = run([trade(10, 10.0), trade(70, 11.0)])
    assert jump["CorwinSchultzSpread"].to_list() == [None, 0.0]
    # A gap of one empty bucket: not consecutive.
    gap = run([trade(10, 10.0), trade(130, 10.5)])
    assert gap["CorwinSchultzSpread"].to_list() == [None, None]


def test_kyle_and_hasbrouck_lambda_per_trade() -> None:
    rows = [trade(1, 10.0, 100, 1), trade(2, 10.02, 100, 1), trade(3, 10.01, 50, 2), trade(4, 10.04, 200, 1)]
    out = run(rows).row(0, named=True)
    x, y = [100.0, -50.0, 200.0], [0.02, -0.01, 0.03]
    mx, my = sum(x) / 3, sum(y) / 3
    slope = sum((a - mx) * (b - my) for a, b in zip(x, y, strict=False)) / sum((a - mx) ** 2 for a in x)
    assert out["KyleLambda"] == pytest.approx(slope, rel=1e-9)
    xs = [math.sqrt(10.02 * 100), -math.sqrt(10.01 * 50), math.sqrt(10.04 * 200)]
    ys = [math.log(10.02 / 10.0), math.log(10.01 / 10.02), math.log(10.04 / 10.01)]
    mx, my = sum(xs) / 3, sum(ys) / 3
    slope = sum((a - mx) * (b - my) for a, b in zip(xs, ys, strict=False)) / sum((a - mx) ** 2 for a in xs)
    assert out["HasbrouckLambda"] == pytest.approx(slope, rel=1e-9)


def test_lambda_nulls_single_trade_zero_variance_unknown_sides() -> None:
    single = run([trade(1, 10.0, 100, 1)]).row(0, named=True)
    assert single["KyleLambda"] is None
    assert single["HasbrouckLambda"] is None
    assert single["RollSpread"] is None
    unknown = run([trade(1, 10.0), trade(2, 10.1, side=None), trade(3, 10.0, side=0)]).row(0, named=True)
    assert unknown["KyleLambda"] is None  # every signed volume is 0: zero variance
    zero = run([trade(1, 10.0, 0, 1), trade(2, 10.1, 0, 2), trade(3, 10.2, 0, 1)]).row(0, named=True)
    assert zero["KyleLambda"] is None  # zero volume: signed volume 0 everywhere


def test_lambda_per_sub_interval_and_trade_filter() -> None:
    rows = [
        trade(1, 10.0, 100, 1),
        trade(11, 10.1, 100, 1),
        trade(12, 10.2, 100, 1),  # sub-interval (10, 20]: close 10.2, signed volume 200
        trade(25, 10.1, 300, 2),  # (20, 30]: close 10.1, -300
        trade(26, 50.0, 100, 1, Classification="OFF_BOOK_ON_EXCHANGE"),  # filtered out
        trade(35, 10.3, 100, 1),  # (30, 40]: close 10.3, +100
    ]
    out = run(rows, impact_interval_seconds=10.0).row(0, named=True)
    x, y = [200.0, -300.0, 100.0], [0.2, -0.1, 0.2]
    mx, my = sum(x) / 3, sum(y) / 3
    slope = sum((a - mx) * (b - my) for a, b in zip(x, y, strict=False)) / sum((a - mx) ** 2 for a in x)
    assert out["KyleLambda"] == pytest.approx(slope, rel=1e-9)
