"""``aggressive``: per listing and bucket statistics of the aggressive orders (see ``aggressive_orders``).

An order belongs to the bucket of its first fill's ``TradeTimestamp``. Per bucket:
the number of orders, their mean size, the share that walked more than one
price level, and the sweep-to-fill ratio: orders that walked more than one
level divided by all the fills of the bucket's orders (how many of the fills
came with a sweep; 1/Fills for a single sweeping order).
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from basalt import AnalyticModule, ColumnDoc, TimeBuckets
from basalt.timebuckets import TIME_BUCKET
from basalt_preprocessors.aggressive.config import AggressiveConfig
from basalt_preprocessors.aggressive.orders import orders


class AggressiveOrderStats(AnalyticModule):
    """Aggressive orders per bucket: count, mean size, share walking > 1 level, sweep-to-fill ratio."""

    NAME = "aggressive"
    INPUTS = ("trades",)
    Config = AggressiveConfig
    config: AggressiveConfig

    def columns(self) -> list[ColumnDoc]:
        rule = (
            "Aggressive orders: runs of consecutive kept trades (Classification in "
            f"{list(self.config.classifications)}) of one listing-day on the same AggressorSide at most "
            f"{self.config.max_gap_ns} ns apart, counted in the bucket of their first fill."
        )
        src = ("trades.Price", "trades.Size", "trades.AggressorSide", "trades.TradeTimestampNanoseconds")
        return [
            ColumnDoc("AggressiveOrderCount", unit="count", definition=f"Number of aggressive orders. {rule}",
                      sources=src, dtype="Int64", additive=True),
            ColumnDoc("AggressiveOrderMeanSize", unit="shares",
                      definition=f"Mean Σ Size per aggressive order. {rule}", sources=src, dtype="Float64"),
            ColumnDoc("AggressiveOrderMultiLevelShare", unit="fraction",
                      definition=f"Share of aggressive orders whose fills have more than one distinct price "
                      f"(walked the book). {rule}", sources=src, dtype="Float64"),
            ColumnDoc("AggressiveSweepToFillRatio", unit="ratio",
                      definition=f"Orders that walked more than one level / fills of all the bucket's "
                      f"aggressive orders. {rule}", sources=src, dtype="Float64"),
        ]  # fmt: skip

    def compute(self, inputs: Mapping[str, pl.LazyFrame], buckets: TimeBuckets) -> pl.LazyFrame:
        sweep = pl.col("LevelsWalked") > 1
        return (
            orders(inputs["trades"], self.config)
            .with_columns(buckets.label(pl.col("TradeTimestamp")).alias(TIME_BUCKET))
            .group_by("ListingId", TIME_BUCKET)
            .agg(
                pl.len().cast(pl.Int64).alias("AggressiveOrderCount"),
                pl.col("Size").mean().alias("AggressiveOrderMeanSize"),
                sweep.mean().cast(pl.Float64).alias("AggressiveOrderMultiLevelShare"),
                (sweep.sum() / pl.col("Fills").sum()).cast(pl.Float64).alias("AggressiveSweepToFillRatio"),
            )
            .sort("ListingId", TIME_BUCKET)
        )


__all__ = ["AggressiveOrderStats"]
