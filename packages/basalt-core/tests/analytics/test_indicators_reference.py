"""``indicators`` against the plain-Python reference on generated minute bars (4 listings, 2 days)."""

from __future__ import annotations

import pytest
from analytics.reference_cellwise import assert_matches
from analytics.reference_indicators import generate_series, reference_indicators, series_frame

from basalt.analytics.indicators import IndicatorsModule
from basalt.testing import run_module

ROWS = generate_series()
SPECS = [
    {"kind": "sma", "column": "Close", "window": 5, "name": "CloseSMA5"},
    {"kind": "ema", "column": "Close", "window": 10, "name": "CloseEMA10"},
    {"kind": "ema", "column": "Volume", "window": 3, "name": "VolumeEMA3"},
    {"kind": "wma", "column": "Close", "window": 7, "name": "CloseWMA7"},
    {"kind": "rsi", "column": "Close", "window": 14, "name": "CloseRSI14"},
    {"kind": "macd", "column": "Close", "fast": 12, "slow": 26, "signal": 9, "name": "CloseMACD12_26_9"},
    {"kind": "bollinger", "column": "Close", "window": 20, "k": 2.0, "ddof": 0, "name": "CloseBB20"},
    {"kind": "bollinger", "column": "High", "window": 4, "k": 1.5, "ddof": 1, "name": "HighBand"},
    {"kind": "atr", "column": "Close", "high": "High", "low": "Low", "window": 14, "name": "CloseATR14"},
    {"kind": "zscore", "column": "Close", "window": 20, "ddof": 1, "name": "CloseZScore20"},
    {"kind": "zscore", "column": "High", "window": 3, "ddof": 0, "name": "HighZ"},
    {"kind": "std", "column": "Close", "window": 30, "ddof": 1, "name": "CloseStd30"},
    {"kind": "std", "column": "Low", "window": 2, "ddof": 0, "name": "LowStd2"},
]


def _config(specs: list[dict]) -> list[dict]:
    """The module's specs: default names are not given explicitly (checks the default naming)."""
    configured = []
    for spec in specs:
        spec = dict(spec)
        if spec["name"] not in {"HighBand", "HighZ"}:  # the others are the default names
            spec.pop("name")
        configured.append(spec)
    return configured


@pytest.mark.parametrize("reset_daily", [False, True])
def test_every_column_matches_the_reference(reset_daily: bool) -> None:
    config = {"indicators": _config(SPECS), "reset_daily": reset_daily}
    source = series_frame(ROWS).sample(fraction=1.0, shuffle=True, seed=1)
    result = run_module(IndicatorsModule, {"source": source}, config=config)
    expected = reference_indicators(ROWS, SPECS, reset_daily=reset_daily)
    assert result.height == len(ROWS)
    compared = assert_matches(result, ["ListingId", "TimeBucket"], expected)
    assert compared == len(ROWS) * (result.width - 2)
    # Warm-ups and nulls happen, and so do values.
    for column in result.columns[2:]:
        assert 0 < result[column].null_count() < result.height
