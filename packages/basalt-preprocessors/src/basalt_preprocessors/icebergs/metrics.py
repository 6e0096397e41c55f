"""``iceberg_metrics``: per listing and time bucket, how much volume executed against detected icebergs.

Detection is that of the ``iceberg`` preprocessor
(:mod:`basalt_preprocessors.icebergs.detect`), run on the same ``l3`` input
over each whole listing-day: an order counts as an iceberg's from its first
row, also before its refills revealed it (ex-post classification, as in
Frey & Sandås 2017 — a real-time reader would know it only at the first
refill).

Rows are sparse: a (ListingId, TimeBucket) appears when an execution or a
refill falls in it (bucketed by ``TimestampNanoseconds`` under the pass's
time-bucket rules). Volumes and counts with nothing in the bucket are 0; the
share is null when nothing executed.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from basalt import AnalyticModule, ColumnDoc, TimeBuckets
from basalt.timebuckets import TIME_BUCKET
from basalt_preprocessors.icebergs.config import IcebergMetricsConfig
from basalt_preprocessors.icebergs.detect import _EXEC, _OID, _XS, ICEBERG, LISTING_DAY, TS, detect

_ICE = "__ice"


class IcebergMetrics(AnalyticModule):
    """Volume executed against iceberg orders, its share of L3 executed volume, refills and icebergs hit."""

    NAME = "iceberg_metrics"
    INPUTS = ("l3",)
    Config = IcebergMetricsConfig
    config: IcebergMetricsConfig

    def columns(self) -> list[ColumnDoc]:
        src = (
            "l3.ExecutionSize",
            "l3.OrderExecuted",
            "l3.OrderId",
            "l3.OldOrderId",
            "l3.TimestampNanoseconds",
        )
        ice = "orders of icebergs detected by the iceberg preprocessor's rules in the listing-day"
        docs = [
            ColumnDoc(
                "IcebergExecutedVolume",
                unit="shares",
                definition=f"Sum of ExecutionSize of the bucket's L3 execution rows against {ice}.",
                sources=src,
                dtype="Int64",
                additive=True,
            ),
        ]
        for side, code in (("Bid", 1), ("Ask", 2)):
            docs.append(
                ColumnDoc(
                    f"Iceberg{side}ExecutedVolume",
                    unit="shares",
                    definition=f"IcebergExecutedVolume against resting {side.lower()} icebergs (Side "
                    f"{code}).",
                    pattern="Iceberg{Side}ExecutedVolume",
                    sources=(*src, "l3.Side"),
                    dtype="Int64",
                    additive=True,
                )
            )
        docs += [
            ColumnDoc(
                "IcebergVolumeShare",
                unit="fraction",
                definition="IcebergExecutedVolume / the sum of ExecutionSize of every L3 execution row "
                "in the "
                "bucket; null when nothing executed.",
                sources=src,
                dtype="Float64",
            ),
            ColumnDoc(
                "IcebergRefillCount",
                unit="count",
                definition="Refill inserts in the bucket (an insert at the same side and price within "
                "refill_delay_ns of the full execution of a resting order).",
                sources=("l3.LobAction", "l3.Side", "l3.Price", "l3.OldPrice", "l3.TimestampNanoseconds"),
                dtype="Int64",
                additive=True,
            ),
            ColumnDoc(
                "IcebergCount",
                unit="count",
                definition="Distinct icebergs with at least one execution in the bucket.",
                sources=src,
                dtype="Int64",
                additive=False,
            ),
        ]
        return docs

    def compute(self, inputs: Mapping[str, pl.LazyFrame], buckets: TimeBuckets) -> pl.LazyFrame:
        found = detect(inputs["l3"], self.config)
        bucket = buckets.label(pl.col(TS)).alias(TIME_BUCKET)
        executions = (
            found.frame.filter(pl.col(_EXEC) & (pl.col(_XS) > 0))
            .join(found.members.rename({ICEBERG: _ICE}), on=[*LISTING_DAY, _OID], how="left")
            .select(
                "ListingId",
                bucket,
                pl.col(_XS).cast(pl.Int64).alias("__all"),
                pl.when(pl.col(_ICE).is_not_null())
                .then(pl.col(_XS))
                .otherwise(0)
                .cast(pl.Int64)
                .alias("__v"),
                pl.when(pl.col(_ICE).is_not_null() & (pl.col("Side") == 1))
                .then(pl.col(_XS))
                .otherwise(0)
                .cast(pl.Int64)
                .alias("__b"),
                pl.when(pl.col(_ICE).is_not_null() & (pl.col("Side") == 2))
                .then(pl.col(_XS))
                .otherwise(0)
                .cast(pl.Int64)
                .alias("__a"),
                pl.lit(0, dtype=pl.Int64).alias("__r"),
                pl.concat_str(pl.col(LISTING_DAY[1]).cast(pl.String), pl.col(_ICE), separator="|").alias(
                    _ICE
                ),
            )
        )
        refills = found.links.select(
            "ListingId",
            bucket,
            *(pl.lit(0, dtype=pl.Int64).alias(c) for c in ("__all", "__v", "__b", "__a")),
            pl.lit(1, dtype=pl.Int64).alias("__r"),
            pl.lit(None, dtype=pl.String).alias(_ICE),
        )
        return (
            pl.concat([executions, refills])
            .group_by("ListingId", TIME_BUCKET)
            .agg(
                pl.col("__v").sum().alias("IcebergExecutedVolume"),
                pl.col("__b").sum().alias("IcebergBidExecutedVolume"),
                pl.col("__a").sum().alias("IcebergAskExecutedVolume"),
                pl.when(pl.col("__all").sum() > 0)
                .then(pl.col("__v").sum() / pl.col("__all").sum())
                .alias("IcebergVolumeShare"),
                pl.col("__r").sum().alias("IcebergRefillCount"),
                pl.col(_ICE).drop_nulls().n_unique().cast(pl.Int64).alias("IcebergCount"),
            )
            .sort("ListingId", TIME_BUCKET)
        )
