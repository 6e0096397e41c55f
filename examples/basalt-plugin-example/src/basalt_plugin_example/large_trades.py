"""Count and volume of large trades per listing and time bucket, declared as metrics."""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl
from pydantic import Field

from basalt import ModuleConfig
from basalt.metrics import MetricModule, metric


class LargeTradesConfig(ModuleConfig):
    """Configuration of the ``large_trades`` module."""

    min_size: float = Field(1000.0, ge=0, description="Smallest trade size (shares) that counts as large.")


@metric("trades", pattern="LargeTradeCount", unit="count", dtype="UInt32", additive=True)
def large_trade_count() -> pl.Expr:
    """Number of trades with Size >= min_size in the bucket."""
    return pl.len()


@metric("trades", pattern="LargeTradeVolume", unit="shares", dtype="Float64", additive=True)
def large_trade_volume() -> pl.Expr:
    """Sum of Size over trades with Size >= min_size in the bucket."""
    return pl.col("Size").sum()


class LargeTrades(MetricModule):
    """Number and volume of trades of at least ``min_size`` shares per bucket."""

    NAME = "large_trades"
    METRICS = (large_trade_count, large_trade_volume)
    Config = LargeTradesConfig
    config: LargeTradesConfig

    def where(self) -> Mapping[str, pl.Expr]:
        """Only trades of at least ``min_size`` shares."""
        return {"trades": pl.col("Size") >= self.config.min_size}
