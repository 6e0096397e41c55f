"""The real BMLL sample rows (one XLON listing, 2026-01-02) through ofi, microprice, volatility, liquidity.

Each module's output on the sample equals the plain-Python references on the same rows; a few values
are also checked by hand from the rows.
"""

from __future__ import annotations

import math

import book_reference as ref
import polars as pl
import pytest
from book_compare import assert_matches
from book_reference_stoikov import micro_prices

from basalt.testing import run_module
from basalt.timebuckets import TimeBuckets
from basalt_characteristics.liquidity import Liquidity
from basalt_characteristics.microprice import MicroPrice
from basalt_characteristics.ofi import OFI
from basalt_characteristics.volatility import Volatility
from bmll_sample import sample_frame

SECOND = TimeBuckets(seconds=1)


@pytest.fixture(scope="module")
def l2() -> pl.DataFrame:
    return sample_frame("l2")


@pytest.fixture(scope="module")
def trades() -> pl.DataFrame:
    return sample_frame("trades")


def test_ofi_on_the_sample(l2: pl.DataFrame) -> None:
    out = run_module(OFI, {"l2": l2}, config={"levels": 3, "depth_normalised": True}, buckets=SECOND)
    expected = ref.ofi(l2.to_dicts(), 3, True, True, seconds=1.0)
    assert_matches(out, expected, ["OFI1", "OFI2", "OFI3", "OFINormalised"])
    # By hand, (12:00:00, 12:00:01]: the bid at 99.68 grows 25303 -> 32147 (equal prices: +6844),
    # the ask stays 400 at 99.70 (0): OFI1 = 6844.
    assert out["OFI1"][0] == 6844.0


def test_microprice_on_the_sample(l2: pl.DataFrame) -> None:
    stoikov = run_module(MicroPrice, {"l2": l2}, config={"weighted_mid": False}, buckets=SECOND)
    expected = micro_prices(l2.to_dicts(), seconds=1.0)
    assert_matches(stoikov, expected, ["MicroPriceStoikov"])
    out = run_module(MicroPrice, {"l2": l2}, buckets=SECOND)
    # The last snapshot (99.70 x 14673 / 99.74 x 10427): WeightedMid = 99.70 + 0.04·14673/25100.
    assert out["WeightedMidL1"][-1] == pytest.approx(99.70 + 0.04 * 14673 / 25100, rel=1e-12)


def test_volatility_on_the_sample(l2: pl.DataFrame, trades: pl.DataFrame) -> None:
    mids = run_module(Volatility, {"l2": l2}, config={"kernel_sparse_step": 3})
    series = ref.mid_series(l2.to_dicts(), True, 60.0)
    expected = {k: {"Mid" + c: v for c, v in ref.volatility(p, 30, 3).items()} for k, p in series.items()}
    assert_matches(mids, expected, [f"Mid{c}" for c in ref.volatility([1.0], 1, 2)], abs_=1e-18)
    # Mids move 99.69 -> 99.70 -> 99.71 -> 99.72 in the minute: RV = Σ ln(m_i/m_i-1)².
    steps = [(99.69, 99.70), (99.70, 99.71), (99.71, 99.72)]
    assert mids["MidRealizedVariance"][0] == pytest.approx(
        sum(math.log(b / a) ** 2 for a, b in steps), rel=1e-9
    )
    prices = run_module(Volatility, {"trades": trades}, config={"source": "trades", "kernel_sparse_step": 2})
    series = ref.trade_series(trades.to_dicts(), ("LIT_CONTINUOUS",), 60.0)
    expected = {
        k: {"Trade" + c: v for c, v in ref.volatility([r["Price"] for r in items], 30, 2).items()}
        for k, items in series.items()
    }
    assert_matches(prices, expected, [f"Trade{c}" for c in ref.volatility([1.0], 1, 2)], abs_=1e-18)


@pytest.mark.parametrize("config", [{}, {"classifications": None, "impact_interval_seconds": 10.0}])
def test_liquidity_on_the_sample(trades: pl.DataFrame, config: dict) -> None:
    out = run_module(Liquidity, {"trades": trades}, config=config)
    expected = ref.liquidity(
        trades.to_dicts(),
        classifications=config.get("classifications", ("LIT_CONTINUOUS",)),
        impact_seconds=config.get("impact_interval_seconds"),
    )
    assert_matches(
        out,
        expected,
        ["RollSpread", "AmihudIlliquidity", "CorwinSchultzSpread", "KyleLambda", "HasbrouckLambda"],
    )
