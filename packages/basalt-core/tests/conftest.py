"""Fixtures for the core's tests."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


@pytest.fixture
def fake_distribution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., str]]:
    """Install a tiny distribution on ``sys.path``: a module plus dist-info metadata.

    ``importlib.metadata`` discovers its ``basalt`` entry point exactly as it
    would a pip-installed one. Returns a function ``(dist, entry_point, source)``
    giving the plugin module's name.
    """
    monkeypatch.syspath_prepend(str(tmp_path))
    created: list[str] = []

    def make(dist: str, entry_point: str, source: str, version: str = "1.2.3") -> str:
        module = dist.replace("-", "_") + "_plugin"
        (tmp_path / f"{module}.py").write_text(textwrap.dedent(source))
        info = tmp_path / f"{dist.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
        (info / "entry_points.txt").write_text(f"[basalt]\n{entry_point} = {module}\n")
        created.append(module)
        return module

    yield make
    for module in created:
        sys.modules.pop(module, None)


TRADE_COUNT_SOURCE = '''
import polars as pl
from basalt import AnalyticModule, ColumnDoc, hookimpl


class TradeCount(AnalyticModule):
    """Trades per bucket."""

    NAME = "{name}"
    INPUTS = ("trades",)

    def columns(self):
        return [ColumnDoc("TradeCountX", unit="count", definition="Number of trades.")]

    def compute(self, inputs, buckets):
        return (
            inputs["trades"]
            .group_by("ListingId", buckets.label(pl.col("TradeTimestamp")).alias("TimeBucket"))
            .agg(pl.len().alias("TradeCountX"))
        )


@hookimpl
def basalt_register_analytics():
    return [TradeCount]
'''


@pytest.fixture
def analytics_plugin_source() -> Callable[[str], str]:
    """Source of a plugin module registering one analytics module named as asked."""
    return lambda name: TRADE_COUNT_SOURCE.replace("{name}", name)
