"""The example plugin's module, checked by hand with the fixtures bmll-basalt ships."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import polars as pl
import pytest
from pydantic import ValidationError

from basalt_plugin_example import plugin
from basalt_plugin_example.large_trades import LargeTrades

TRADES = pl.DataFrame(
    {
        "ListingId": [7, 7, 7, 7, 8],
        "TradeTimestamp": [
            datetime(2024, 5, 2, 9, 0, 10),
            datetime(2024, 5, 2, 9, 0, 40),
            datetime(2024, 5, 2, 9, 1, 0),  # on the boundary: closes the 09:01 bucket
            datetime(2024, 5, 2, 9, 1, 5),
            datetime(2024, 5, 2, 9, 0, 30),
        ],
        "Size": [1500.0, 200.0, 1000.0, 3000.0, 999.0],
    }
)


def test_counts_and_sums_trades_at_or_above_the_threshold(
    basalt_run_module: Callable[..., pl.DataFrame],
) -> None:
    result = basalt_run_module(LargeTrades, {"trades": TRADES}, config={"min_size": 1000})
    assert result.to_dicts() == [
        {
            "ListingId": 7,
            "TimeBucket": datetime(2024, 5, 2, 9, 1),
            "LargeTradeCount": 2,
            "LargeTradeVolume": 2500.0,
        },
        {
            "ListingId": 7,
            "TimeBucket": datetime(2024, 5, 2, 9, 2),
            "LargeTradeCount": 1,
            "LargeTradeVolume": 3000.0,
        },
    ]


def test_config_is_validated() -> None:
    with pytest.raises(ValidationError, match="min_size"):
        LargeTrades({"min_size": -1})
    with pytest.raises(ValidationError, match="extra"):
        LargeTrades({"min_sise": 10})


def test_the_plugin_registers_the_module(basalt_plugin_manager: Callable[..., object]) -> None:
    manager = basalt_plugin_manager(plugin, builtins=False)
    assert manager.analytics()["large_trades"] is LargeTrades
    (info,) = manager.plugins()
    assert info.error is None


def _reference(inputs: dict[str, pl.DataFrame]) -> list[dict[str, object]]:
    """Plain Python: count and volume of trades of at least 50 shares per listing and minute."""
    groups: dict[tuple[int, datetime], list[float]] = {}
    for row in inputs["trades"].iter_rows(named=True):
        if row["Size"] < 50:
            continue
        t = row["TradeTimestamp"]
        start = t.replace(second=0, microsecond=0)
        end = start if t == start else start + timedelta(minutes=1)
        groups.setdefault((row["ListingId"], end), []).append(float(row["Size"]))
    return [
        {"ListingId": k[0], "TimeBucket": k[1], "LargeTradeCount": len(v), "LargeTradeVolume": sum(v)}
        for k, v in groups.items()
    ]


def test_matches_a_plain_python_reference_on_a_synthetic_day(
    basalt_synth_tables: dict[str, pl.DataFrame], basalt_assert_module_matches: Callable[..., pl.DataFrame]
) -> None:
    trades = basalt_synth_tables["trades"]
    assert (trades["Size"] >= 50).sum() > 10
    basalt_assert_module_matches(LargeTrades, {"trades": trades}, _reference, config={"min_size": 50})
