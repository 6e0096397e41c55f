"""``basalt.testing``: what plugin authors get for their own tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import polars as pl
import pytest

from basalt import AnalyticModule, ColumnDoc

TRADES = pl.DataFrame(
    {
        "ListingId": [1, 1, 2],
        "TradeTimestamp": [
            datetime(2024, 1, 2, 9, 0, 1),
            datetime(2024, 1, 2, 9, 0, 2),
            datetime(2024, 1, 2, 9, 0, 3),
        ],
        "Size": [10.0, 20.0, 5.0],
    }
)


class Volume(AnalyticModule):
    """Traded volume per bucket."""

    NAME = "volume"
    INPUTS = ("trades",)
    leak_column = False

    def columns(self) -> list[ColumnDoc]:
        return [ColumnDoc("Volume", unit="shares", definition="Sum of Size.")]

    def compute(self, inputs, buckets):
        out = (
            inputs["trades"]
            .group_by("ListingId", buckets.label(pl.col("TradeTimestamp")).alias("TimeBucket"))
            .agg(pl.col("Size").sum().alias("Volume"))
        )
        if self.leak_column:
            out = out.with_columns(pl.lit(1).alias("Scratch"))
        return out.sort("ListingId")


class Leaky(Volume):
    """Emits a column it does not document."""

    NAME = "leaky"
    leak_column = True


def test_run_module_returns_the_collected_output(basalt_run_module: Callable[..., pl.DataFrame]) -> None:
    result = basalt_run_module(Volume, {"trades": TRADES})
    assert result.get_column("Volume").to_list() == [30.0, 5.0]
    assert result.get_column("TimeBucket").to_list() == [datetime(2024, 1, 2, 9, 1)] * 2


def test_run_module_fails_on_an_undocumented_column(basalt_run_module: Callable[..., pl.DataFrame]) -> None:
    with pytest.raises(AssertionError, match=r"undocumented columns \['Scratch'\]"):
        basalt_run_module(Leaky, {"trades": TRADES})


class WrongDtype(Volume):
    """Documents Int64 but emits Float64."""

    NAME = "wrong_dtype"

    def columns(self) -> list[ColumnDoc]:
        return [ColumnDoc("Volume", unit="shares", definition="Sum of Size.", dtype="Int64")]


def test_run_module_fails_on_an_undocumented_dtype(basalt_run_module: Callable[..., pl.DataFrame]) -> None:
    with pytest.raises(AssertionError, match=r"\{'Volume': \('Int64', 'Float64'\)\}"):
        basalt_run_module(WrongDtype, {"trades": TRADES})


def test_run_module_fails_on_a_missing_input(basalt_run_module: Callable[..., pl.DataFrame]) -> None:
    with pytest.raises(AssertionError, match=r"needs inputs \['trades'\]"):
        basalt_run_module(Volume, {"l2": TRADES})


def test_plugin_manager_fixture_holds_only_chosen_plugins(
    basalt_plugin_manager: Callable[..., object],
) -> None:
    import types

    from basalt import hookimpl

    plugin = types.ModuleType("volume_plugin")
    plugin.basalt_register_analytics = hookimpl(lambda: [Volume])
    manager = basalt_plugin_manager(plugin, builtins=False)
    assert [info.name for info in manager.plugins()] == ["volume_plugin"]
    assert list(manager.analytics()) == ["volume"]
