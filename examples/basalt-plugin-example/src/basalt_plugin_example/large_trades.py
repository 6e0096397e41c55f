"""Count and volume of large trades per listing and time bucket."""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl
from pydantic import Field

from basalt import AnalyticModule, ColumnDoc, ModuleConfig, TimeBuckets


class LargeTradesConfig(ModuleConfig):
    """Configuration of the ``large_trades`` module."""

    min_size: float = Field(1000.0, ge=0, description="Smallest trade size (shares) that counts as large.")


class LargeTrades(AnalyticModule):
    """Number and volume of trades of at least ``min_size`` shares per bucket."""

    NAME = "large_trades"
    INPUTS = ("trades",)
    Config = LargeTradesConfig

    def columns(self) -> list[ColumnDoc]:
        threshold = f"Size >= {self.config.min_size:g}"
        return [
            ColumnDoc(
                "LargeTradeCount",
                unit="count",
                definition=f"Number of trades with {threshold} in the bucket.",
                sources=("trades.Size",),
                dtype="UInt32",
            ),
            ColumnDoc(
                "LargeTradeVolume",
                unit="shares",
                definition=f"Sum of Size over trades with {threshold} in the bucket.",
                sources=("trades.Size",),
            ),
        ]

    def compute(self, inputs: Mapping[str, pl.LazyFrame], buckets: TimeBuckets) -> pl.LazyFrame:
        return (
            inputs["trades"]
            .filter(pl.col("Size") >= self.config.min_size)
            .group_by("ListingId", buckets.label(pl.col("TradeTimestamp")).alias("TimeBucket"))
            .agg(
                pl.len().alias("LargeTradeCount"),
                pl.col("Size").sum().cast(pl.Float64).alias("LargeTradeVolume"),
            )
            .sort("ListingId", "TimeBucket")
        )
