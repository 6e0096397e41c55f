"""A plugin whose analytics module raises while computing (the error must name its pass)."""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from basalt import AnalyticModule, ColumnDoc, TimeBuckets, hookimpl


class BrokenProbe(AnalyticModule):
    """Raises in ``compute``: stands for a plugin with a bug."""

    NAME = "broken_probe"
    INPUTS = ("trades",)

    def columns(self) -> list[ColumnDoc]:
        return [ColumnDoc("BrokenProbe", unit="count", definition="Never computed.")]

    def compute(self, inputs: Mapping[str, pl.LazyFrame], buckets: TimeBuckets) -> pl.LazyFrame:
        raise RuntimeError("broken_probe cannot compute")


@hookimpl
def basalt_register_analytics() -> list[type[AnalyticModule]]:
    return [BrokenProbe]
