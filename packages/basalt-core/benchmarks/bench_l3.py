"""Benchmark: the ``l3`` module vs hand-written Polars queries computing the same columns.

A synthetic day of 50 listings is generated with numpy: orders are inserted
through an 8.5-hour session and then cancelled (many within 100 ms), fully
executed, partially executed then cancelled, or updated then cancelled; a few
removals hit orders from before the data starts. Rows are sorted by listing and
time, as the engine hands them over.

Two configurations are timed, each against a hand-written query of the same columns:

* ``basic``: the default config — {Insert,Remove,Update,Execute}{Count,Volume}{Bid,Ask};
* ``advanced``: the default columns plus every advanced metric.

Each query is collected ``--runs`` times (default 5, taking turns); the median is
printed with the module/hand ratio (target ≤ 1.2). Results are checked equal first.

Run: ``.venv/bin/python packages/basalt-core/benchmarks/bench_l3.py [--events N] [--runs R]``
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import polars as pl
from _timing import timed
from polars.testing import assert_frame_equal

from basalt.analytics.l3 import L3Module
from basalt.timebuckets import TimeBuckets

ADVANCED = [
    "ArrivalFlowImbalance",
    "CancelToTradeRatio",
    "AvgQueuePosition",
    "AvgRestingTime",
    "FleetingLiquidityRatio",
    "AvgReplacementLatency",
]
SESSION_NS = int(8.5 * 3600 * 1e9)
START = np.datetime64("2024-03-05T08:00:00", "ns").astype(np.int64)


def synthetic_day(events: int, listings: int = 50, seed: int = 11) -> pl.DataFrame:
    """About ``events`` L3 rows of one day (BMLL columns the module reads, plus a few others)."""
    rng = np.random.default_rng(seed)
    n = int(events / 2.25)
    listing = rng.integers(1, listings + 1, n)
    side = rng.integers(1, 3, n)
    insert = START + rng.integers(0, SESSION_NS, n)
    size = rng.integers(1, 100, n) * 10
    ahead = rng.integers(0, 50_000, n)
    life = np.where(rng.random(n) < 0.3, rng.exponential(60e6, n), rng.lognormal(np.log(5e9), 1.5, n)).astype(
        np.int64
    )
    fate = rng.choice(4, n, p=[0.65, 0.15, 0.10, 0.10])  # cancel, full fill, partial+cancel, update+cancel
    mid = insert + life // 3
    end = insert + life + 1
    ids = np.arange(n) + 10_000_000

    parts: list[dict[str, np.ndarray]] = []

    def add(mask: np.ndarray, ts: np.ndarray, action: int, executed: bool, size_col, old_size, exec_size):
        keep = mask & (ts < START + SESSION_NS)
        parts.append(
            {
                "ListingId": listing[keep],
                "TimestampNanoseconds": ts[keep],
                "Side": side[keep],
                "LobAction": np.full(keep.sum(), action),
                "OrderExecuted": np.full(keep.sum(), executed),
                "Size": np.broadcast_to(size_col, n)[keep],
                "OldSize": np.broadcast_to(old_size, n)[keep],
                "ExecutionSize": np.broadcast_to(exec_size, n)[keep],
                "SizeAhead": np.where(action == 2, ahead, 0)[keep],
                "Id": ids[keep],
            }
        )

    everyone = np.ones(n, dtype=bool)
    half = np.maximum(size // 20 * 10, 10)
    add(everyone, insert, 2, False, size, 0, 0)
    add(fate == 0, end, 3, False, 0, size, 0)
    add(fate == 1, end, 3, True, 0, size, size)
    add(fate == 2, mid, 4, True, size - half, size, half)
    add(fate == 2, end, 3, False, 0, size - half, 0)
    add(fate == 3, mid, 4, False, size + 10, size, 0)
    add(fate == 3, end, 3, False, 0, size + 10, 0)
    stale = rng.random(n) < 0.02  # removals of orders inserted before the data starts
    parts.append(
        {
            "ListingId": listing[stale],
            "TimestampNanoseconds": insert[stale],
            "Side": side[stale],
            "LobAction": np.full(stale.sum(), 3),
            "OrderExecuted": np.zeros(stale.sum(), dtype=bool),
            "Size": np.zeros(stale.sum(), dtype=np.int64),
            "OldSize": size[stale],
            "ExecutionSize": np.zeros(stale.sum(), dtype=np.int64),
            "SizeAhead": np.zeros(stale.sum(), dtype=np.int64),
            "Id": ids[stale] + 1_000_000_000,
        }
    )
    data = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    frame = (
        pl.DataFrame(data)
        .with_columns(
            pl.col("TimestampNanoseconds").cast(pl.Datetime("ns")),
            pl.col("Id").cast(pl.String).alias("OriginalOrderId"),
            pl.lit("CONTINUOUS_TRADING").alias("MarketState"),
            pl.lit(np.datetime64("2024-03-05", "ms")).cast(pl.Datetime("ms")).alias("TradeDate"),
        )
        .drop("Id")
        .sort("ListingId", "TimestampNanoseconds", maintain_order=True)
    )
    return frame


def _label(buckets: TimeBuckets) -> pl.Expr:
    ns = pl.col("TimestampNanoseconds").dt.cast_time_unit("ns").cast(pl.Int64)
    size = buckets.nanoseconds
    return (-((-ns) // size) * size).cast(pl.Datetime("ns")).alias("TimeBucket")


def hand(l3: pl.LazyFrame, buckets: TimeBuckets, advanced: bool) -> pl.LazyFrame:
    """The fastest plain query we know for the same columns.

    Class and volume per row; a first group_by per (listing, bucket, side*4+class) cell, a second
    per (listing, bucket) picking each cell. Advanced: insert/cancel times by a group_by of the
    orders joined back, the next same-side insert by a time-sorted as-of join of the cancels.
    """
    executed = pl.col("OrderExecuted").fill_null(False)
    action, side = pl.col("LobAction"), pl.col("Side")
    klass = (
        pl.when(executed)
        .then(3)
        .when(action == 2)
        .then(0)
        .when(action == 3)
        .then(1)
        .when(action == 4)
        .then(2)
    )
    c = pl.col("c")
    volume = (
        pl.when(c == 0)
        .then(pl.col("Size"))
        .when(c == 1)
        .then(pl.col("OldSize"))
        .when(c == 2)
        .then((pl.col("Size") - pl.col("OldSize")).abs())
        .when(c == 3)
        .then(pl.col("ExecutionSize"))
    )
    rows = l3.with_columns(klass.alias("c"))
    if advanced:
        rows = rows.with_columns(
            pl.col("TimestampNanoseconds").cast(pl.Int64).alias("ns"),
            pl.col("TradeDate").cast(pl.Date).alias("d"),
        )
    kept = rows.filter(c.is_not_null(), side.is_in([1, 2])).with_columns(
        volume.alias("v"), _label(buckets), (side * 4 + c).alias("cell")
    )
    keys = ["ListingId", "TimeBucket", "cell"]
    first = [pl.len().alias("n"), pl.col("v").sum().alias("vs")]
    if advanced:
        key = pl.when(pl.col("OriginalOrderId") != "").then(pl.col("OriginalOrderId")).alias("k")
        orders = (
            rows.with_columns(key)
            .filter(pl.col("k").is_not_null(), c.is_in([0, 1]))
            .group_by("ListingId", "d", "k")
            .agg(
                pl.col("ns").filter(c == 0).min().alias("ins"), pl.col("ns").filter(c == 1).min().alias("cxl")
            )
        )
        kept = kept.with_columns(key).join(orders, on=["ListingId", "d", "k"], how="left")
        rest = (action == 3) & (pl.col("ins") <= pl.col("ns"))
        delay = pl.col("cxl") - pl.col("ns")
        first += [
            pl.col("SizeAhead").sum().alias("aq"),
            pl.col("SizeAhead").count().alias("aqn"),
            (pl.col("ns") - pl.col("ins")).filter(rest).sum().alias("rt"),
            rest.sum().alias("rtn"),
            ((delay >= 0) & (delay <= 100_000_000)).sum().alias("fl"),
        ]
    cells = kept.group_by(keys).agg(first)
    if advanced:
        inserts = rows.filter(c == 0).select("ListingId", "d", "Side", pl.col("ns").alias("nx")).sort("nx")
        gap = pl.col("nx") - pl.col("ns")
        gaps = (
            kept.filter(c == 1)
            .select("ListingId", "d", "Side", "TimeBucket", "cell", "ns")
            .sort("ns")
            .join_asof(
                inserts,
                left_on="ns",
                right_on="nx",
                by=["ListingId", "d", "Side"],
                strategy="forward",
                check_sortedness=False,
            )
            .group_by(keys)
            .agg(gap.filter(gap <= 1_000_000_000).sum().alias("gs"), (gap <= 1_000_000_000).sum().alias("gn"))
        )
        cells = cells.join(gaps, on=keys, how="left")
    aggs, post = [], []
    for side_name, code in (("Bid", 1), ("Ask", 2)):
        for name, k in (("Insert", 0), ("Remove", 1), ("Update", 2), ("Execute", 3)):
            m = pl.col("cell") == code * 4 + k
            aggs += [
                pl.col("n").filter(m).sum().cast(pl.Int64).alias(f"{name}Count{side_name}"),
                pl.col("vs").filter(m).sum().alias(f"{name}Volume{side_name}"),
            ]
        if advanced:
            ins, cxl, any_ = (
                pl.col("cell") == code * 4,
                pl.col("cell") == code * 4 + 1,
                pl.col("cell") // 4 == code,
            )
            aggs += [
                pl.col("aq").filter(ins).sum().alias(f"_aq{side_name}"),
                pl.col("aqn").filter(ins).sum().alias(f"_aqn{side_name}"),
                pl.col("rt").filter(any_).sum().alias(f"_rt{side_name}"),
                pl.col("rtn").filter(any_).sum().alias(f"_rtn{side_name}"),
                pl.col("fl").filter(ins).sum().alias(f"_fl{side_name}"),
                pl.col("gs").filter(cxl).sum().alias(f"_gs{side_name}"),
                pl.col("gn").filter(cxl).sum().alias(f"_gn{side_name}"),
            ]

            def ratio(a: str, b: str) -> pl.Expr:
                return pl.when(pl.col(b) > 0).then(pl.col(a) / pl.col(b))

            post += [
                ratio(f"RemoveCount{side_name}", f"ExecuteCount{side_name}").alias(
                    f"CancelToTradeRatio{side_name}"
                ),
                ratio(f"_aq{side_name}", f"_aqn{side_name}").alias(f"AvgQueuePosition{side_name}"),
                (ratio(f"_rt{side_name}", f"_rtn{side_name}") / 1e9).alias(f"AvgRestingTime{side_name}"),
                ratio(f"_fl{side_name}", f"InsertCount{side_name}").alias(
                    f"FleetingLiquidityRatio{side_name}"
                ),
                (ratio(f"_gs{side_name}", f"_gn{side_name}") / 1e9).alias(
                    f"AvgReplacementLatency{side_name}"
                ),
            ]
    if advanced:
        bid, ask = pl.col("InsertVolumeBid"), pl.col("InsertVolumeAsk")
        post.append(pl.when(bid + ask > 0).then((bid - ask) / (bid + ask)).alias("ArrivalFlowImbalance"))
    return (
        cells.group_by("ListingId", "TimeBucket")
        .agg(aggs)
        .with_columns(post)
        .drop(pl.selectors.starts_with("_"))
        .sort("ListingId", "TimeBucket")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--configs", nargs="+", default=["basic", "advanced"], choices=["basic", "advanced"])
    args = parser.parse_args()
    start = time.perf_counter()
    day = synthetic_day(args.events)
    print(f"{day.height:,} L3 rows, 50 listings (generated in {time.perf_counter() - start:.1f} s)")
    l3 = day.lazy()
    buckets = TimeBuckets()
    for name in args.configs:
        advanced = name == "advanced"
        module = L3Module({"advanced": ADVANCED} if advanced else {})
        queries = {"module": module.compute({"l3": l3}, buckets), "hand": hand(l3, buckets, advanced)}
        results = timed(queries, args.runs)
        reference = results["module"][1]
        assert_frame_equal(reference, results["hand"][1].select(reference.columns), rel_tol=1e-9)
        print(f"[{name}] {reference.height:,} output rows × {reference.width} columns")
        for query, (seconds, _) in results.items():
            print(f"  {query:7s} median of {args.runs}: {seconds:.3f} s")
        print(f"  module / hand = {results['module'][0] / results['hand'][0]:.2f}  (target ≤ 1.2)")


if __name__ == "__main__":
    main()
