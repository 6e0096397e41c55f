"""``iceberg``: one row per iceberg order detected in L3 (refills and executions beyond the display).

The detection rules are in :mod:`basalt_preprocessors.icebergs.detect`. Each
detected iceberg is a set of orders of one listing-day (the chain of its
peaks); the row summarises them. Keyed by ListingId, TradeDate and IcebergId
(the id of its first order), sorted by ListingId, TradeDate, FirstSeen.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from basalt import ColumnDoc, PreprocessorModule, TimeBuckets
from basalt_preprocessors.icebergs.config import IcebergConfig
from basalt_preprocessors.icebergs.detect import (
    _HIDDEN,
    _NS,
    _OID,
    _PX,
    _SEQ,
    DAY,
    ICEBERG,
    INSERT,
    LISTING_DAY,
    TS,
    detect,
)

_SRC_REFILL = (
    "l3.LobAction",
    "l3.OrderExecuted",
    "l3.Side",
    "l3.Price",
    "l3.OldPrice",
    "l3.TimestampNanoseconds",
)


def iceberg_table(l3: pl.LazyFrame, config: IcebergConfig) -> pl.LazyFrame:
    """The ``iceberg`` table of ``l3`` (see :class:`Icebergs` for its columns)."""
    found = detect(l3, config)
    key = [*LISTING_DAY, ICEBERG]
    orders = (
        found.frame.join(found.members, on=[*LISTING_DAY, _OID], how="inner")
        .group_by(key)
        .agg(
            pl.col("Side").sort_by(_SEQ).first(),
            pl.col(TS).min().alias("FirstSeen"),
            pl.col(TS).max().alias("LastSeen"),
            pl.col("__xs").sum().cast(pl.Int64).alias("ExecutedVolume"),
            pl.col("Size").filter(pl.col("LobAction") == INSERT).max().alias("__peak_insert"),
            pl.col("OldSize").filter(pl.col("__exec")).max().alias("__peak_exec"),
            pl.col(_OID).n_unique().cast(pl.Int64).alias("OrderCount"),
        )
    )
    refills = found.links.group_by(key).agg(
        pl.len().cast(pl.Int64).alias("RefillCount"),
        pl.col(_NS).min().alias("__refill_ns"),
        pl.col(_PX).sort_by(_SEQ).first().alias("__refill_px"),
        pl.col(TS).min().alias("__refill_ts"),
    )
    hidden = found.signals.group_by(key).agg(
        pl.len().cast(pl.Int64).alias("HiddenExecutionCount"),
        pl.col(_HIDDEN).sum().cast(pl.Int64).alias("HiddenVolume"),
        pl.col(_NS).min().alias("__hidden_ns"),
        pl.col(_PX).sort_by(_SEQ).first().alias("__hidden_px"),
        pl.col(TS).min().alias("__hidden_ts"),
    )
    refill_first = pl.col("__hidden_ns").is_null() | (pl.col("__refill_ns") <= pl.col("__hidden_ns"))
    return (
        orders.join(refills, on=key, how="left")
        .join(hidden, on=key, how="left")
        .select(
            "ListingId",
            DAY,
            ICEBERG,
            pl.col("Side").cast(pl.Int64),
            pl.when(refill_first).then("__refill_px").otherwise("__hidden_px").alias("Price"),
            "FirstSeen",
            pl.when(refill_first).then("__refill_ts").otherwise("__hidden_ts").alias("DetectedAt"),
            "LastSeen",
            pl.col("RefillCount").fill_null(0),
            pl.col("HiddenExecutionCount").fill_null(0),
            pl.col("HiddenVolume").fill_null(0),
            "ExecutedVolume",
            pl.coalesce("__peak_insert", "__peak_exec").cast(pl.Int64).alias("EstimatedPeakSize"),
            "OrderCount",
        )
        .sort("ListingId", DAY, "FirstSeen", ICEBERG)
    )


class Icebergs(PreprocessorModule):
    """Iceberg orders detected in L3: one row per iceberg, with its refills and executed volume.

    Rules (refill within ``refill_delay_ns`` of a full execution at the same side
    and price; execution larger than the displayed size) and their limits:
    :mod:`basalt_preprocessors.icebergs.detect`.
    """

    NAME = "iceberg"
    INPUTS = ("l3",)
    KEYS = ("ListingId", DAY, ICEBERG)
    Config = IcebergConfig
    config: IcebergConfig

    def columns(self) -> list[ColumnDoc]:
        when = "the detection's first signal (a refill insert, or the first execution beyond the display)"
        return [
            ColumnDoc(
                DAY,
                unit="date",
                definition="Trading day (l3.TradeDate, else the UTC date of the events).",
                sources=("l3.TradeDate",),
                dtype="Date",
            ),
            ColumnDoc(
                ICEBERG,
                unit="id",
                definition="OrderId of the iceberg's first order seen (the first peak of its refill chain).",
                sources=("l3.OrderId", "l3.OldOrderId"),
                dtype="String",
            ),
            ColumnDoc(
                "Side",
                unit="code",
                definition="Side of the iceberg's resting orders (1 bid, 2 ask; BMLL codes).",
                sources=("l3.Side",),
                dtype="Int64",
            ),
            ColumnDoc(
                "Price",
                unit="price",
                definition=f"Price at {when}.",
                sources=("l3.Price", "l3.OldPrice"),
                dtype="Float64",
            ),
            ColumnDoc(
                "FirstSeen",
                unit="timestamp",
                definition="TimestampNanoseconds of the first L3 row of any of the iceberg's orders (its "
                "first peak's insert when in the data).",
                sources=("l3.TimestampNanoseconds",),
                dtype="Datetime",
            ),
            ColumnDoc(
                "DetectedAt",
                unit="timestamp",
                definition=f"TimestampNanoseconds of {when}.",
                sources=_SRC_REFILL,
                dtype="Datetime",
            ),
            ColumnDoc(
                "LastSeen",
                unit="timestamp",
                definition="TimestampNanoseconds of the last L3 row of any of the iceberg's orders.",
                sources=("l3.TimestampNanoseconds",),
                dtype="Datetime",
            ),
            ColumnDoc(
                "RefillCount",
                unit="count",
                definition="Refills: inserts at the same side and price within refill_delay_ns of the "
                "full execution of the iceberg's previous peak.",
                sources=_SRC_REFILL,
                dtype="Int64",
                additive=True,
            ),
            ColumnDoc(
                "HiddenExecutionCount",
                unit="count",
                definition="Events in which more was executed at the iceberg's price than the book "
                "displayed there just before (or one execution exceeded the order's OldSize), "
                "attributed to this iceberg.",
                sources=("l3.ExecutionSize", "l3.OldSize", "l3.Size", "l3.EndOfEvent"),
                dtype="Int64",
                additive=True,
            ),
            ColumnDoc(
                "HiddenVolume",
                unit="shares",
                definition="Sum over those events of the volume executed beyond the displayed quantity (the "
                "larger of the level's and the order's excess; two icebergs hit at one price in one event "
                "share one signal, given to the iceberg of the last order executed).",
                sources=("l3.ExecutionSize", "l3.OldSize", "l3.Size"),
                dtype="Int64",
                additive=True,
            ),
            ColumnDoc(
                "ExecutedVolume",
                unit="shares",
                definition="Sum of ExecutionSize over the execution rows of the iceberg's orders (all "
                "its peaks).",
                sources=("l3.ExecutionSize", "l3.OrderExecuted"),
                dtype="Int64",
                additive=True,
            ),
            ColumnDoc(
                "EstimatedPeakSize",
                unit="shares",
                definition="Largest displayed size of the iceberg's orders at insert (the peak; the last "
                "refill may show less), else the largest OldSize executed.",
                sources=("l3.Size", "l3.OldSize"),
                dtype="Int64",
            ),
            ColumnDoc(
                "OrderCount",
                unit="count",
                definition="Distinct order ids of the iceberg (its peaks: 1 + refills when each refill "
                "is a new order).",
                sources=("l3.OrderId",),
                dtype="Int64",
            ),
        ]

    def compute(self, inputs: Mapping[str, pl.LazyFrame], buckets: TimeBuckets) -> pl.LazyFrame:
        return iceberg_table(inputs["l3"], self.config)
