"""ofi, volatility and liquidity against the plain-Python references on random frames (rel 1e-9)."""

from __future__ import annotations

import book_reference as ref
import pytest
from book_compare import assert_matches
from book_frames import random_l2, random_trades

from basalt.testing import run_module
from basalt.timebuckets import TimeBuckets
from basalt_characteristics.liquidity import Liquidity
from basalt_characteristics.ofi import OFI
from basalt_characteristics.volatility import Volatility

VOL_COLUMNS = [
    "RealizedVariance",
    "BipowerVariation",
    "RealizedKernel",
    "RealizedKernelBandwidth",
    "ParkinsonVariance",
    "GarmanKlassVariance",
]
LIQ_COLUMNS = ["RollSpread", "AmihudIlliquidity", "CorwinSchultzSpread", "KyleLambda", "HasbrouckLambda"]


@pytest.mark.parametrize(("seed", "continuous_only"), [(1, True), (2, False)])
def test_ofi_matches_reference(seed: int, continuous_only: bool) -> None:
    l2 = random_l2(seed)
    config = {"levels": 3, "depth_normalised": True, "continuous_only": continuous_only}
    out = run_module(OFI, {"l2": l2}, config=config)
    expected = ref.ofi(l2.to_dicts(), 3, continuous_only, True)
    # OFI sums integers: exact; the normalised value is one division of exact numbers.
    assert_matches(out, expected, ["OFI1", "OFI2", "OFI3", "OFINormalised"])


@pytest.mark.parametrize(("seed", "seconds"), [(3, 60.0), (4, 15.0)])
def test_mid_volatility_matches_reference(seed: int, seconds: float) -> None:
    l2 = random_l2(seed)
    config = {"kernel_max_lag": 8, "kernel_sparse_step": 4}
    out = run_module(Volatility, {"l2": l2}, config=config, buckets=TimeBuckets(seconds=seconds))
    series = ref.mid_series(l2.to_dicts(), True, seconds)
    expected = {key: {"Mid" + k: v for k, v in ref.volatility(p, 8, 4).items()} for key, p in series.items()}
    assert_matches(out, expected, ["Mid" + c for c in VOL_COLUMNS], abs_=1e-18)


def test_trade_volatility_matches_reference() -> None:
    trades = random_trades(5)
    config = {"source": "trades", "kernel_max_lag": 5, "kernel_sparse_step": 3, "classifications": None}
    out = run_module(Volatility, {"trades": trades}, config=config)
    series = ref.trade_series(trades.to_dicts(), None, 60.0)
    expected = {
        key: {"Trade" + k: v for k, v in ref.volatility([r["Price"] for r in items], 5, 3).items()}
        for key, items in series.items()
    }
    assert_matches(out, expected, ["Trade" + c for c in VOL_COLUMNS], abs_=1e-18)


@pytest.mark.parametrize(
    ("seed", "config"),
    [
        (6, {}),
        (7, {"amihud_interval_seconds": 10.0, "impact_interval_seconds": 5.0}),
        (8, {"classifications": None, "amihud_interval_seconds": 30.0, "impact_interval_seconds": 20.0}),
    ],
)
def test_liquidity_matches_reference(seed: int, config: dict) -> None:
    trades = random_trades(seed)
    out = run_module(Liquidity, {"trades": trades}, config=config)
    expected = ref.liquidity(
        trades.to_dicts(),
        classifications=config.get("classifications", ("LIT_CONTINUOUS",)),
        amihud_seconds=config.get("amihud_interval_seconds", 60.0),
        impact_seconds=config.get("impact_interval_seconds"),
    )
    # Price changes are differences of decimals: a covariance near 0 may cancel, hence a tiny abs floor.
    assert_matches(out, expected, LIQ_COLUMNS, abs_=1e-15)


def test_sampled_volatility_matches_reference() -> None:
    trades = random_trades(9)
    config = {"source": "trades", "sample_seconds": 5.0, "kernel_max_lag": 4, "kernel_sparse_step": 2}
    out = run_module(Volatility, {"trades": trades}, config=config)
    expected = {}
    for key, items in ref.trade_series(trades.to_dicts(), ("LIT_CONTINUOUS",), 60.0).items():
        last: dict = {}
        for r in items:  # previous-tick sampling: the last price of each 5 s sub-interval
            last[ref.label(r["TradeTimestamp"], 5.0)] = r["Price"]
        sampled = ref.volatility([last[k] for k in sorted(last)], 4, 2)
        every = ref.volatility([r["Price"] for r in items], 4, 2)
        values = {k: sampled[k] for k in ("RealizedVariance", "BipowerVariation", "RealizedKernel")}
        values["RealizedKernelBandwidth"] = sampled["RealizedKernelBandwidth"]
        values["ParkinsonVariance"] = every["ParkinsonVariance"]
        values["GarmanKlassVariance"] = every["GarmanKlassVariance"]
        expected[key] = {"Trade" + k: v for k, v in values.items()}
    assert_matches(out, expected, ["Trade" + c for c in VOL_COLUMNS], abs_=1e-18)
