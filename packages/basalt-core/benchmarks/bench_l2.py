"""Benchmark: the ``l2`` and ``l2tw`` modules (default configs) vs hand-written Polars queries.

A synthetic day of 50 listings (~3M L2 snapshots, 10 levels, ~5% of snapshots
with a side shorter than 10 levels, ~1% exactly on a minute boundary) is
generated with numpy, interleaved in time as in a venue's daily file. For each
module, queries computing the same default columns (60 s buckets) run:

* ``module``: ``L2Last().compute(...)`` / ``L2TimeWeighted().compute(...)``;
* ``hand``: the fastest plain query we know, written without the module's
  code: for ``l2``, the last row and the OHLC open/close by ``max_by``/``min_by``
  on an Int128 (timestamp, L2EventNo) key, joined back to the wide rows; for
  ``l2tw``, the next snapshot by ``shift(-1).over(..., order_by=...)``, each
  interval's head piece summed in its first bucket straight from the rows and
  only intervals crossing a boundary exploded, the two partial sums added; all
  measures per piece, one Σ value·w and one Σ w per measure (the module also
  clips prices to [min, max] but shares the sums of levels and cumulative depth);
* ``naive``: the query most people write first: for ``l2`` a global sort then
  ``last()`` per bucket; for ``l2tw`` every interval exploded over its buckets.

``module`` and ``hand`` are collected 5 times, taking turns so that load from
other processes hits both alike; medians are printed with the module/hand ratio
(target ≤ 1.2). ``naive`` runs once, for scale. Results are checked equal
(exactly for ``l2``, to a relative 1e-9 for the time-weighted averages, which
the module sums differently and clips to each bucket's [min, max] of prices).

Run: ``.venv/bin/python packages/basalt-core/benchmarks/bench_l2.py [--snapshots N] [--module l2|l2tw]``
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
import polars as pl
from polars.testing import assert_frame_equal

from basalt.analytics.l2 import L2Last, L2TimeWeighted
from basalt.timebuckets import TimeBuckets

LEVELS = 10
BUCKET_NS = 60_000_000_000
SIDES = ("Bid", "Ask")


def synthetic_day(n: int, listings: int = 50, seed: int = 7) -> pl.DataFrame:
    """About ``n`` snapshots of ``listings`` listings over an 8.5-hour session, in time order."""
    rng = np.random.default_rng(seed)
    activity = rng.lognormal(0.0, 1.0, listings)
    counts = np.maximum(rng.multinomial(n, activity / activity.sum()), 2)
    n = int(counts.sum())
    firsts = np.cumsum(counts) - counts
    listing = np.repeat(np.arange(listings, dtype=np.int64) + 1000, counts)
    start = np.datetime64("2026-01-02T08:00:00", "us").astype(np.int64)
    micros = rng.integers(0, int(8.5 * 3600 * 1e6), n)
    on_edge = rng.random(n) < 0.01
    micros[on_edge] = micros[on_edge] // 60_000_000 * 60_000_000
    order = np.lexsort((micros, listing))
    micros = micros[order]
    event_no = np.arange(n, dtype=np.int64) - np.repeat(firsts, counts) + 1
    step = rng.choice([-1, 0, 0, 0, 1], n)
    step[firsts] = 0
    walk = np.cumsum(step)
    bid_ticks = (
        np.repeat(rng.integers(1000, 20000, listings), counts) + walk - np.repeat(walk[firsts], counts)
    )
    spread = rng.choice([1, 1, 1, 2, 3], n)
    columns: dict[str, object] = {
        "TradeDate": pl.Series(np.full(n, np.datetime64("2026-01-02", "ms"))),
        "EventTimestamp": pl.Series((start + micros).astype("datetime64[us]")),
        "L2EventNo": event_no,
        "ListingId": listing,
        "MarketState": pl.Series(["CONTINUOUS_TRADING"]).gather(np.zeros(n, dtype=np.int64)),
    }
    for side, sign in (("Bid", -1), ("Ask", 1)):
        depth = np.where(rng.random(n) < 0.05, rng.integers(0, LEVELS, n), LEVELS)
        ticks = bid_ticks if side == "Bid" else bid_ticks + spread
        for level in range(1, LEVELS + 1):
            absent = depth < level
            columns[f"{side}Price{level}"] = pl.Series(np.where(absent, np.nan, ticks * 0.01)).fill_nan(None)
            quantity = pl.Series(rng.integers(1, 5000, n))
            orders = pl.Series(rng.integers(1, 30, n).astype(np.int32))
            mask = pl.Series(absent)
            columns[f"{side}Quantity{level}"] = pl.select(pl.when(~mask).then(quantity)).to_series()
            columns[f"{side}NumOrders{level}"] = pl.select(pl.when(~mask).then(orders)).to_series()
            ticks = ticks + sign * rng.choice([1, 1, 2], n)
    frame = pl.DataFrame(columns)
    return frame.sort("EventTimestamp", "ListingId")  # a venue file: listings interleaved in time


# ---------------------------------------------------------------- hand-written


def _key() -> pl.Expr:
    ns = pl.col("EventTimestamp").dt.cast_time_unit("ns").cast(pl.Int64).cast(pl.Int128)
    return ns * 2**64 + (pl.col("L2EventNo").cast(pl.Int128) + 2**63)


def _snapshot_measures(microprice_levels: int = 3) -> dict[str, pl.Expr]:
    """Every default measure of one snapshot, written out plainly."""
    raw: dict[str, pl.Expr] = {}
    cum: dict[str, pl.Expr] = {}
    for side in SIDES:
        cq = cn = co = pl.lit(0)
        for level in range(1, LEVELS + 1):
            p = pl.col(f"{side}Price{level}").fill_nan(None)
            q = pl.col(f"{side}Quantity{level}")
            o = pl.col(f"{side}NumOrders{level}")
            raw[f"{side}Price{level}"], raw[f"{side}Quantity{level}"], raw[f"{side}NumOrders{level}"] = (
                p,
                q,
                o,
            )
            cq, cn, co = cq + q.fill_null(0), cn + (p * q).fill_null(0.0), co + o.cast(pl.Int64).fill_null(0)
            cum[f"{side}CumQuantity{level}"] = cq
            cum[f"{side}CumNotional{level}"] = cn
            cum[f"{side}CumOrders{level}"] = co
    m: dict[str, pl.Expr] = {}  # in the module's column order
    for level in range(1, LEVELS + 1):
        for side in SIDES:
            for field in ("Price", "Quantity", "NumOrders"):
                m[f"{side}{field}{level}"] = raw[f"{side}{field}{level}"]
    for level in range(1, LEVELS + 1):
        for side in SIDES:
            for field in ("CumQuantity", "CumNotional", "CumOrders"):
                m[f"{side}{field}{level}"] = cum[f"{side}{field}{level}"]

    def imbalance(b: pl.Expr, a: pl.Expr) -> pl.Expr:
        return pl.when(b + a != 0).then((b - a).cast(pl.Float64) / (b + a).cast(pl.Float64))

    for level in range(1, LEVELS + 1):
        for field in ("Quantity", "CumQuantity", "CumNotional", "CumOrders"):
            m[f"Imbalance{field}{level}"] = imbalance(m[f"Bid{field}{level}"], m[f"Ask{field}{level}"])
    bid, ask = m["BidPrice1"], m["AskPrice1"]
    mid = (bid + ask) / 2
    m["SpreadAbs"] = ask - bid
    m["SpreadBps"] = pl.when(mid > 0).then(1e4 * (ask - bid) / mid)
    m["Mid"] = mid

    def weighted(b_qty: pl.Expr, a_qty: pl.Expr) -> pl.Expr:
        return pl.when(b_qty + a_qty != 0).then((bid * a_qty + ask * b_qty) / (b_qty + a_qty))

    m["WeightedMid"] = weighted(m["BidQuantity1"], m["AskQuantity1"])
    depth = microprice_levels
    m["Microprice"] = weighted(m[f"BidCumQuantity{depth}"], m[f"AskCumQuantity{depth}"])
    return m


def hand_l2(l2: pl.LazyFrame) -> pl.LazyFrame:
    """Last snapshot per bucket and OHLC bars, tuned by hand."""
    ns = pl.col("EventTimestamp").dt.cast_time_unit("ns").cast(pl.Int64)
    bid, ask = pl.col("BidPrice1").fill_nan(None), pl.col("AskPrice1").fill_nan(None)
    bq, aq = pl.col("BidQuantity1"), pl.col("AskQuantity1")
    series = {
        "Mid": (bid + ask) / 2,
        "Bid": bid,
        "Ask": ask,
        "WeightedMid": pl.when(bq + aq != 0).then((bid * aq + ask * bq) / (bq + aq)),
    }
    rows = l2.with_row_index("row")
    narrow = rows.select(
        "row",
        "ListingId",
        (-((-ns) // BUCKET_NS) * BUCKET_NS).cast(pl.Datetime("ns")).alias("TimeBucket"),
        _key().alias("key"),
        *(e.alias(name) for name, e in series.items()),
    )
    aggs = [pl.col("row").max_by("key")]
    for name in series:
        key = pl.when(pl.col(name).is_not_null()).then(pl.col("key"))
        aggs += [
            pl.col(name).min_by(key).alias(f"{name}Open"),
            pl.col(name).max().alias(f"{name}High"),
            pl.col(name).min().alias(f"{name}Low"),
            pl.col(name).max_by(key).alias(f"{name}Close"),
        ]
    bars = narrow.group_by("ListingId", "TimeBucket").agg(aggs)
    last = bars.join(rows, on="row").drop("ListingId_right", strict=False)
    measures = _snapshot_measures()
    bar_columns = [f"{name}{bar}" for name in series for bar in ("Open", "High", "Low", "Close")]
    return last.select(
        "ListingId", "TimeBucket", *(e.alias(name) for name, e in measures.items()), *bar_columns
    ).sort("ListingId", "TimeBucket")


def naive_l2(l2: pl.LazyFrame) -> pl.LazyFrame:
    """The first query most people write: sort everything, take the last row per bucket."""
    ns = pl.col("EventTimestamp").dt.cast_time_unit("ns").cast(pl.Int64)
    bid, ask = pl.col("BidPrice1").fill_nan(None), pl.col("AskPrice1").fill_nan(None)
    bq, aq = pl.col("BidQuantity1"), pl.col("AskQuantity1")
    series = {
        "Mid": (bid + ask) / 2,
        "Bid": bid,
        "Ask": ask,
        "WeightedMid": pl.when(bq + aq != 0).then((bid * aq + ask * bq) / (bq + aq)),
    }
    raw = [c for c in l2.collect_schema().names() if c.startswith(SIDES)]
    bars = [
        agg
        for name in series
        for agg in (
            pl.col(name).drop_nulls().first().alias(f"{name}Open"),
            pl.col(name).max().alias(f"{name}High"),
            pl.col(name).min().alias(f"{name}Low"),
            pl.col(name).drop_nulls().last().alias(f"{name}Close"),
        )
    ]
    measures = _snapshot_measures()
    return (
        l2.sort("ListingId", "EventTimestamp", "L2EventNo")
        .with_columns(
            (-((-ns) // BUCKET_NS) * BUCKET_NS).cast(pl.Datetime("ns")).alias("TimeBucket"),
            *(e.alias(name) for name, e in series.items()),
        )
        .group_by("ListingId", "TimeBucket")
        .agg(pl.col(raw).last(), *bars)
        .select(
            "ListingId",
            "TimeBucket",
            *(e.alias(name) for name, e in measures.items()),
            *(b.meta.output_name() for b in bars),
        )
        .sort("ListingId", "TimeBucket")
    )


def _sums(pieces: pl.LazyFrame) -> pl.LazyFrame:
    """Σ value·w and Σ w (non-null values) per (listing, bucket index ``k``) over weighted pieces."""
    measures = _snapshot_measures()
    w = pl.col("w")
    return (
        pieces.with_columns(e.alias(name) for name, e in measures.items())
        .group_by("ListingId", "k")
        .agg(
            *((pl.col(n).cast(pl.Float64) * w.cast(pl.Float64)).sum().alias(f"n{n}") for n in measures),
            *(pl.when(pl.col(n).is_not_null()).then(w).sum().alias(f"d{n}") for n in measures),
        )
    )


def _twa(sums: pl.LazyFrame) -> pl.LazyFrame:
    measures = _snapshot_measures()
    return sums.select(
        "ListingId",
        ((pl.col("k") + 1) * BUCKET_NS).cast(pl.Datetime("ns")).alias("TimeBucket"),
        *(
            pl.when(pl.col(f"d{n}") > 0).then(pl.col(f"n{n}") / pl.col(f"d{n}")).alias(f"{n}TWA")
            for n in measures
        ),
    ).sort("ListingId", "TimeBucket")


def _intervals(l2: pl.LazyFrame) -> pl.LazyFrame:
    """Each snapshot with ``t`` (ns) and the ``end`` of its time in force."""
    t = pl.col("t")
    following = t.shift(-1).over("ListingId", "TradeDate", order_by="key")
    return l2.with_columns(
        pl.col("EventTimestamp").dt.cast_time_unit("ns").cast(pl.Int64).alias("t"), _key().alias("key")
    ).with_columns(pl.coalesce(following, -((-t) // BUCKET_NS) * BUCKET_NS).alias("end"))


def hand_l2tw(l2: pl.LazyFrame) -> pl.LazyFrame:
    """Time-weighted averages, tuned by hand: only intervals crossing a boundary are exploded."""
    t, end = pl.col("t"), pl.col("end")
    timed = _intervals(l2).with_columns((t // BUCKET_NS).alias("k"))
    boundary = (pl.col("k") + 1) * BUCKET_NS
    heads = timed.with_columns((pl.min_horizontal(end, boundary) - t).alias("w")).filter(pl.col("w") > 0)
    rests = (
        timed.filter(end > boundary)
        .with_columns(pl.int_ranges(pl.col("k") + 1, (end - 1) // BUCKET_NS + 1).alias("k"))
        .explode("k")
        .with_columns(
            (pl.min_horizontal(end, (pl.col("k") + 1) * BUCKET_NS) - pl.col("k") * BUCKET_NS).alias("w")
        )
    )
    partial = pl.concat([_sums(heads), _sums(rests)], how="vertical")
    return _twa(partial.group_by("ListingId", "k").agg(pl.exclude("ListingId", "k").sum()))


def naive_l2tw(l2: pl.LazyFrame) -> pl.LazyFrame:
    """The first query most people write: every interval exploded over the buckets it covers."""
    t, end = pl.col("t"), pl.col("end")
    pieces = (
        _intervals(l2)
        .with_columns(pl.int_ranges(t // BUCKET_NS, (end - 1) // BUCKET_NS + 1).alias("k"))
        .explode("k")
        .with_columns(
            (
                pl.min_horizontal(end, (pl.col("k") + 1) * BUCKET_NS)
                - pl.max_horizontal(t, pl.col("k") * BUCKET_NS)
            ).alias("w")
        )
        .filter(pl.col("w") > 0)
    )
    return _twa(_sums(pieces))


# -------------------------------------------------------------------- driver


def _race(queries: dict[str, Callable[[], pl.LazyFrame]], runs: int) -> tuple[dict, dict]:
    times: dict[str, list[float]] = {name: [] for name in queries}
    results: dict[str, pl.DataFrame] = {}
    for _ in range(runs):
        for name, build in queries.items():
            start = time.perf_counter()
            results[name] = build().collect()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(v) for name, v in times.items()}, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--snapshots", type=int, default=3_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--module", choices=("l2", "l2tw", "both"), default="both")
    args = parser.parse_args()

    start = time.perf_counter()
    day = synthetic_day(args.snapshots)
    print(
        f"synthetic day: {day.height:,} snapshots, {day.width} columns ({time.perf_counter() - start:.1f} s)"
    )
    buckets = TimeBuckets(seconds=BUCKET_NS / 1e9)

    if args.module in ("l2", "both"):
        queries = {
            "module": lambda: L2Last().compute({"l2": day.lazy()}, buckets),
            "hand": lambda: hand_l2(day.lazy()),
        }
        medians, results = _race(queries, args.runs)
        assert_frame_equal(results["module"], results["hand"], check_exact=True)
        start = time.perf_counter()
        naive = naive_l2(day.lazy()).collect()
        naive_time = time.perf_counter() - start
        assert_frame_equal(results["module"], naive, check_exact=True)
        ratio = medians["module"] / medians["hand"]
        print(
            f"l2   ({results['module'].height:,} rows x {results['module'].width}): "
            f"module {medians['module']:.3f} s, hand {medians['hand']:.3f} s, ratio {ratio:.2f}; "
            f"naive {naive_time:.3f} s (once)"
        )

    if args.module in ("l2tw", "both"):
        queries = {
            "module": lambda: L2TimeWeighted().compute({"l2": day.lazy()}, buckets),
            "hand": lambda: hand_l2tw(day.lazy()),
        }
        medians, results = _race(queries, args.runs)
        assert_frame_equal(results["module"], results["hand"], check_exact=False, rel_tol=1e-9, abs_tol=1e-9)
        start = time.perf_counter()
        naive = naive_l2tw(day.lazy()).collect()
        naive_time = time.perf_counter() - start
        assert_frame_equal(results["module"], naive, check_exact=False, rel_tol=1e-9, abs_tol=1e-9)
        ratio = medians["module"] / medians["hand"]
        print(
            f"l2tw ({results['module'].height:,} rows x {results['module'].width}): "
            f"module {medians['module']:.3f} s, hand {medians['hand']:.3f} s, ratio {ratio:.2f}; "
            f"naive {naive_time:.3f} s (once)"
        )


if __name__ == "__main__":
    main()
