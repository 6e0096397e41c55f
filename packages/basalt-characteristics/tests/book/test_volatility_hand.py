"""``volatility`` by hand: equal prices, a single price, one-sided books, NaN, the kernel's edges."""

from __future__ import annotations

import datetime as dt
import itertools
import math

import pytest
from book_frames import T0, l2_frame, trades_frame

from basalt.testing import run_module
from basalt_characteristics.volatility import PARZEN_C_STAR, Volatility

A = math.log(1.01)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def trades(prices: list[float | None], start: float = 1.0) -> list[dict]:
    return [{"TradeTimestamp": at(start + i), "Price": p, "Size": 100.0} for i, p in enumerate(prices)]


def run_trades(rows: list[dict], **config: object):
    return run_module(Volatility, {"trades": trades_frame(rows)}, config={"source": "trades", **config})


def test_realized_and_bipower_variation_with_equal_prices() -> None:
    row = run_trades(trades([100.0, 101.0, 100.0, 100.0])).row(0, named=True)
    assert row["TradeRealizedVariance"] == pytest.approx(2 * A * A, rel=1e-12)
    assert row["TradeBipowerVariation"] == pytest.approx(math.pi / 2 * A * A, rel=1e-12)  # |a||-a| + |-a|·0
    assert row["TradeParkinsonVariance"] == pytest.approx(A * A / (4 * math.log(2)), rel=1e-12)
    assert row["TradeGarmanKlassVariance"] == pytest.approx(0.5 * A * A, rel=1e-12)  # close = open


def test_single_and_two_prices() -> None:
    one = run_trades(trades([100.0])).row(0, named=True)
    assert one["TradeRealizedVariance"] is None
    assert one["TradeBipowerVariation"] is None
    assert one["TradeRealizedKernel"] is None
    assert one["TradeRealizedKernelBandwidth"] is None
    assert (one["TradeParkinsonVariance"], one["TradeGarmanKlassVariance"]) == (0.0, 0.0)
    two = run_trades(trades([100.0, 101.0])).row(0, named=True)
    assert two["TradeRealizedVariance"] == pytest.approx(A * A, rel=1e-12)
    assert two["TradeBipowerVariation"] is None
    gk = 0.5 * A * A - (2 * math.log(2) - 1) * A * A
    assert two["TradeGarmanKlassVariance"] == pytest.approx(gk, rel=1e-12)


def test_returns_stay_inside_their_bucket_and_bad_prices_are_dropped() -> None:
    rows = trades([100.0, None, float("nan"), 0.0, 101.0], start=50.0) + trades([200.0, 202.0], start=70.0)
    out = run_trades(rows)
    assert out["TradeRealizedVariance"].to_list() == pytest.approx([A * A, A * A], rel=1e-12)


def test_realized_kernel_edges() -> None:
    # Constant prices: RV = 0, bandwidth 1, kernel 0.
    flat = run_trades(trades([100.0] * 6), kernel_sparse_step=2).row(0, named=True)
    assert (flat["TradeRealizedKernel"], flat["TradeRealizedKernelBandwidth"]) == (0.0, 1)
    # Bid-ask bounce: the sparse prices (every 2nd) are constant, so IV = 0 < ω² and H = max lag = 2.
    # r = a, -a, a, -a: γ0 = 4a², γ1 = -3a², γ2 = 2a²; RK = γ0 + 2(k(0)γ1 + k(1/2)γ2) = 4a² - 6a² + a².
    bounce = run_trades(trades([100.0, 101.0, 100.0, 101.0, 100.0]), kernel_sparse_step=2, kernel_max_lag=2)
    row = bounce.row(0, named=True)
    assert row["TradeRealizedKernelBandwidth"] == 2
    assert row["TradeRealizedKernel"] == pytest.approx(-A * A, rel=1e-9)
    # Fewer than q + 1 prices: no sparse variance, no kernel.
    short = run_trades(trades([100.0, 101.0, 100.0]), kernel_sparse_step=3).row(0, named=True)
    assert short["TradeRealizedKernel"] is None


def test_bandwidth_rule() -> None:
    prices = [100.0, 100.5, 101.0, 100.5, 101.5, 101.0, 102.0]
    row = run_trades(trades(prices), kernel_sparse_step=3, kernel_max_lag=50).row(0, named=True)
    logs = [math.log(p) for p in prices]
    r = [b - a for a, b in itertools.pairwise(logs)]
    n = len(r)
    omega2 = sum(x * x for x in r) / (2 * n)
    iv = (logs[3] - logs[0]) ** 2 + (logs[6] - logs[3]) ** 2
    assert row["TradeRealizedKernelBandwidth"] == math.ceil(PARZEN_C_STAR * (omega2 / iv) ** 0.4 * n**0.6)
    assert PARZEN_C_STAR == pytest.approx(3.5134, abs=1e-4)


def test_mid_skips_one_sided_books_and_auctions() -> None:
    rows = [
        {"EventTimestamp": at(1), "BidPrice1": 99.0, "AskPrice1": 101.0},
        {"EventTimestamp": at(2), "BidPrice1": 99.0, "AskPrice1": None},  # one-sided: no mid
        {"EventTimestamp": at(3), "BidPrice1": 50.0, "AskPrice1": 52.0, "MarketState": "AUCTION"},
        {"EventTimestamp": at(4), "BidPrice1": 100.0, "AskPrice1": 102.0},
    ]
    out = run_module(Volatility, {"l2": l2_frame(rows)})
    assert out["MidRealizedVariance"].to_list() == pytest.approx([A * A], rel=1e-12)
    both = run_module(Volatility, {"l2": l2_frame(rows)}, config={"continuous_only": False})
    # The auction mid 51 now counts: 100 -> 51 -> 101.
    assert both["MidRealizedVariance"][0] == pytest.approx(
        math.log(0.51) ** 2 + math.log(101 / 51) ** 2, rel=1e-12
    )
