"""Time-weighted averages of a piecewise-constant state, per group and time bucket.

The rule is the core ``l2tw``'s (``basalt.analytics.l2.time_weighted``): each
row of a group is *in force* from its time until the group's next row of the
same trading day; the day's last row stays in force until the end of its
bucket (the bucket its time falls in under the pass's ``closed`` rule, so with
``closed="right"`` a last row exactly on a boundary weighs nothing). Time before
the day's first row does not count.

A bucket's TWA of a value is ``Σ v·w / Σ w`` over the rows in force during the
bucket, ``w`` the integer nanoseconds each was in force inside it, leaving rows
whose value is null out of both sums; null when no non-null value was in force.
One output row per group and bucket in which some row was in force.

Intervals are split on bucket boundaries arithmetically: each interval's head
goes to the bucket it starts in; only intervals crossing a boundary are
exploded over the further buckets they cover (at most one per boundary per
group-day).
"""

from __future__ import annotations

import polars as pl

from basalt import TimeBuckets

T = "__t"
"""Int64 nanoseconds of each row (the caller adds it)."""

_START, _END, _K, _W = "__a", "__b", "__k", "__w"


def time_weighted(
    frame: pl.LazyFrame, values: list[str], buckets: TimeBuckets, *, group: str, day: str, bucket_column: str
) -> pl.LazyFrame:
    """The TWA of each column of ``values`` per ``group`` and bucket, named as the value.

    Args:
        frame: One row per state change: ``group``, ``day``, ``T`` (Int64 ns,
            unique within a group-day) and the ``values`` (numeric, nullable).
        values: Columns to average.
        buckets: The pass's buckets (size, anchor, closed).
        group: The group column (``ListingId``).
        day: The trading-day column: nothing carries across days.
        bucket_column: Name of the label column of the output.
    """
    size = buckets.nanoseconds
    t = pl.col(T)
    following = t.shift(-1).over([group, day], order_by=T)
    own_end = -((-t) // size) * size if buckets.closed == "right" else (t // size + 1) * size
    timed = frame.with_columns(t.alias(_START), pl.coalesce(following, own_end).alias(_END)).with_columns(
        (pl.col(_START) // size).alias(_K)
    )
    first_boundary = (pl.col(_K) + 1) * size
    heads = timed.with_columns(
        (pl.min_horizontal(pl.col(_END), first_boundary) - pl.col(_START)).alias(_W)
    ).filter(pl.col(_W) > 0)
    rests = (
        timed.filter(pl.col(_END) > first_boundary)
        .with_columns(pl.int_ranges(pl.col(_K) + 1, (pl.col(_END) - 1) // size + 1).alias(_K))
        .explode(_K)
        .with_columns(
            (pl.min_horizontal(pl.col(_END), (pl.col(_K) + 1) * size) - pl.col(_K) * size).alias(_W)
        )
    )
    w = pl.col(_W)
    sums = [(pl.col(v).cast(pl.Float64) * w.cast(pl.Float64)).sum().alias(f"__n_{v}") for v in values]
    weights = [pl.when(pl.col(v).is_not_null()).then(w).sum().alias(f"__d_{v}") for v in values]
    pieces = pl.concat([heads, rests], how="diagonal_relaxed").group_by(group, _K).agg(*sums, *weights)
    label = (pl.col(_K) + 1) * size if buckets.anchor == "end" else pl.col(_K) * size
    averages = [
        pl.when(pl.col(f"__d_{v}") > 0)
        .then(pl.col(f"__n_{v}") / pl.col(f"__d_{v}").cast(pl.Float64))
        .alias(v)
        for v in values
    ]
    return pieces.select(group, label.cast(pl.Datetime("ns")).alias(bucket_column), *averages).sort(
        group, bucket_column
    )
