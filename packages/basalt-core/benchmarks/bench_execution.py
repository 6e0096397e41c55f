"""Benchmark: the ``execution`` module (default config) vs hand-written Polars queries.

A synthetic day of 50 listings is generated with numpy: ~2M trades-plus rows
(lit continuous, dark and off-book, all aggressor sides, quotes) and ~2M L3
rows (about half of them executions). Three queries compute the same default
columns (L3 execution Volume/Count/VWAP per resting side; lit/dark × side
Volume, VWAP, PricePlacement; trade imbalances), 60 s buckets:

* ``module``: ``ExecutionModule().compute(...)``;
* ``hand``: a tuned plain query (masked columns, one group_by per input, a
  full join; VWAP over all of a side's Size, as no price is null here);
* ``naive``: filters inside ``agg``.

``module`` and ``hand`` are collected 5 times, taking turns so that load from
other processes hits both alike; the medians are printed with the module/hand
ratio (target ≤ 1.2). ``naive`` runs once, for scale. Results are checked equal.

Run: ``.venv/bin/python packages/basalt-core/benchmarks/bench_execution.py [--rows N]``
"""

from __future__ import annotations

import argparse

import numpy as np
import polars as pl
from _timing import timed
from polars.testing import assert_frame_equal

from basalt.analytics.execution import ExecutionModule
from basalt.timebuckets import TimeBuckets

DARK = ["DARK_BELOW_LIS", "DARK_ABOVE_LIS", "DARK_CONDITIONAL_BELOW_LIS", "DARK_CONDITIONAL_ABOVE_LIS"]
KEYS = ["ListingId", "TimeBucket"]


def synthetic_day(n: int, listings: int = 50, seed: int = 7) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(l3, trades) of one 8.5-hour session, ``n`` rows each, sorted by listing only."""
    rng = np.random.default_rng(seed)
    start = np.datetime64("2024-03-05T08:00:00", "ns")
    session_ns = int(8.5 * 3600 * 1e9)

    def times(count: int) -> tuple[np.ndarray, np.ndarray]:
        listing = np.sort(rng.integers(1, listings + 1, count))
        ns = rng.integers(0, session_ns, count)
        edge = rng.random(count) < 0.01
        ns[edge] = ns[edge] // 60_000_000_000 * 60_000_000_000
        return listing.astype(np.int64), ns

    base = rng.uniform(10, 500, listings + 1)
    listing, ns = times(n)
    mid = np.round(base[listing] * np.exp(rng.normal(0, 0.002, n)), 2)
    half = rng.choice([0.005, 0.01, 0.02], n)
    bid, ask = mid - half, mid + half
    price = np.round(rng.choice([0, 0.5, 1.0], n) * (ask - bid) + bid, 3)
    size = rng.integers(1, 2000, n).astype(np.float64)
    trades = pl.DataFrame(
        {
            "ListingId": listing,
            "TradeTimestamp": (start + ns.astype("timedelta64[ns]")).astype("datetime64[us]"),
            "AggressorSide": rng.choice([0, 1, 2], n, p=[0.2, 0.4, 0.4]).astype(np.int64),
            "Price": price,
            "InstrumentCurrencyPrice": price,
            "Size": size,
            "Classification": rng.choice(
                ["LIT_CONTINUOUS", "DARK_BELOW_LIS", "DARK_ABOVE_LIS", "OFF_BOOK_ON_EXCHANGE"],
                n,
                p=[0.7, 0.1, 0.05, 0.15],
            ),
            "BestBidPrice": bid,
            "BestAskPrice": ask,
        }
    )
    listing, ns = times(n)
    executed = rng.random(n) < 0.5
    l3 = pl.DataFrame(
        {
            "ListingId": listing,
            "TimestampNanoseconds": start + ns.astype("timedelta64[ns]"),
            "Side": rng.choice([1, 2], n).astype(np.int64),
            "OrderExecuted": executed,
            "ExecutionSize": np.where(executed, rng.integers(1, 1000, n), 0).astype(np.int64),
            "ExecutionPrice": np.where(executed, np.round(base[listing], 2), np.nan),
            "MarketState": "CONTINUOUS_TRADING",
        }
    ).with_columns(pl.col("ExecutionPrice").fill_nan(None))
    return l3, trades


def _label(column: str, buckets: TimeBuckets) -> pl.Expr:
    ns = pl.col(column).dt.cast_time_unit("ns").cast(pl.Int64)
    size = buckets.nanoseconds
    return (-((-ns) // size) * size).cast(pl.Datetime("ns")).alias("TimeBucket")


def hand(l3: pl.LazyFrame, trades: pl.LazyFrame, buckets: TimeBuckets) -> pl.LazyFrame:
    """Tuned hand-written query: masked helper columns, one group_by per input, a full join."""
    size, price = pl.col("ExecutionSize").cast(pl.Float64), pl.col("ExecutionPrice")
    l3_helpers, l3_aggs, l3_post = [], [], []
    for name, mask in (("Bid", pl.col("Side") == 1), ("Ask", pl.col("Side") == 2), ("Total", pl.lit(True))):
        l3_helpers += [
            pl.when(mask).then(size).alias(f"_{name}_S"),
            pl.when(mask).then(size * price).alias(f"_{name}_N"),
            pl.when(mask & price.is_not_null()).then(size).alias(f"_{name}_W"),
            mask.alias(f"_{name}_m"),
        ]
        l3_aggs += [
            pl.col(f"_{name}_S").sum().alias(f"ExecutionL3{name}Volume"),
            pl.col(f"_{name}_m").sum().cast(pl.Int64).alias(f"ExecutionL3{name}Count"),
            pl.col(f"_{name}_N").sum(),
            pl.col(f"_{name}_W").sum(),
        ]
        w = pl.col(f"_{name}_W")
        l3_post.append(pl.when(w > 0).then(pl.col(f"_{name}_N") / w).alias(f"ExecutionL3{name}VWAP"))
    l3_part = (
        l3.filter(pl.col("OrderExecuted"))
        .with_columns(_label("TimestampNanoseconds", buckets), *l3_helpers)
        .group_by(KEYS)
        .agg(l3_aggs)
        .with_columns(l3_post)
        .drop(pl.selectors.starts_with("_"))
    )
    s, p = pl.col("Size"), pl.col("InstrumentCurrencyPrice")
    bid, ask = pl.col("BestBidPrice"), pl.col("BestAskPrice")
    placement = pl.when(ask - bid > 0).then((p - bid) / (ask - bid))
    side = pl.col("AggressorSide")
    sides = {"Bid": side == 2, "Ask": side == 1, "Unknown": ~side.is_in([1, 2]), "Total": pl.lit(True)}
    lit = pl.col("Classification") == "LIT_CONTINUOUS"
    helpers, aggs, post = [], [], []
    for venue, in_venue in (("Lit", lit), ("Dark", ~lit)):
        for name, m in sides.items():
            mask, key = in_venue & m, f"Execution{venue}{name}"
            helpers += [
                pl.when(mask).then(s).alias(f"_{key}_S"),
                pl.when(mask).then(s * p).alias(f"_{key}_N"),
                pl.when(mask).then(s * placement).alias(f"_{key}_PN"),
                pl.when(mask & placement.is_not_null()).then(s).alias(f"_{key}_PW"),
            ]
            aggs += [pl.col(f"_{key}_{x}").sum() for x in ("S", "N", "PN", "PW")]
            volume, pw = pl.col(f"_{key}_S"), pl.col(f"_{key}_PW")
            post += [
                volume.alias(f"{key}Volume"),
                pl.when(volume > 0).then(pl.col(f"_{key}_N") / volume).alias(f"{key}VWAP"),
                pl.when(pw > 0).then(pl.col(f"_{key}_PN") / pw).alias(f"{key}PricePlacement"),
            ]
    buy_sell = []
    for venue in ("Lit", "Dark"):
        buy, sell = pl.col(f"_Execution{venue}Ask_S"), pl.col(f"_Execution{venue}Bid_S")
        buy_sell.append((buy, sell))
        post.append(
            pl.when(buy + sell > 0).then((buy - sell) / (buy + sell)).alias(f"Execution{venue}TradeImbalance")
        )
    buy, sell = buy_sell[0][0] + buy_sell[1][0], buy_sell[0][1] + buy_sell[1][1]
    post.append(pl.when(buy + sell > 0).then((buy - sell) / (buy + sell)).alias("ExecutionTradeImbalance"))
    trade_part = (
        trades.filter(pl.col("Classification").is_in(["LIT_CONTINUOUS", *DARK]))
        .with_columns(_label("TradeTimestamp", buckets), *helpers)
        .group_by(KEYS)
        .agg(aggs)
        .with_columns(post)
        .drop(pl.selectors.starts_with("_"))
    )
    joined = l3_part.join(trade_part, on=KEYS, how="full", coalesce=True)
    return joined.with_columns(pl.col("^.*(Volume|Count)$").fill_null(0)).sort(KEYS)


def naive(l3: pl.LazyFrame, trades: pl.LazyFrame, buckets: TimeBuckets) -> pl.LazyFrame:
    """Filters inside agg, one per column."""
    l3_aggs = []
    for name, mask in (("Bid", pl.col("Side") == 1), ("Ask", pl.col("Side") == 2), ("Total", pl.lit(True))):
        size, price = (
            pl.col("ExecutionSize").filter(mask).cast(pl.Float64),
            pl.col("ExecutionPrice").filter(mask),
        )
        l3_aggs += [
            size.sum().alias(f"ExecutionL3{name}Volume"),
            size.len().cast(pl.Int64).alias(f"ExecutionL3{name}Count"),
            pl.when(size.sum() > 0).then((size * price).sum() / size.sum()).alias(f"ExecutionL3{name}VWAP"),
        ]
    l3_part = (
        l3.filter(pl.col("OrderExecuted"))
        .group_by("ListingId", _label("TimestampNanoseconds", buckets))
        .agg(l3_aggs)
    )
    side = pl.col("AggressorSide")
    sides = {"Bid": side == 2, "Ask": side == 1, "Unknown": ~side.is_in([1, 2]), "Total": pl.lit(True)}
    lit = pl.col("Classification") == "LIT_CONTINUOUS"
    aggs = []
    for venue, in_venue in (("Lit", lit), ("Dark", ~lit)):
        for name, m in sides.items():
            mask, key = in_venue & m, f"Execution{venue}{name}"
            s, p = pl.col("Size").filter(mask), pl.col("InstrumentCurrencyPrice").filter(mask)
            bid, ask = pl.col("BestBidPrice").filter(mask), pl.col("BestAskPrice").filter(mask)
            valid = (ask - bid) > 0
            pp = ((p - bid) / (ask - bid)).filter(valid)
            sv = s.filter(valid)
            aggs += [
                s.sum().alias(f"{key}Volume"),
                pl.when(s.sum() > 0).then((s * p).sum() / s.sum()).alias(f"{key}VWAP"),
                pl.when(sv.sum() > 0).then((sv * pp).sum() / sv.sum()).alias(f"{key}PricePlacement"),
            ]
    for venue, in_venue in (("Lit", lit), ("Dark", ~lit), ("", pl.lit(True))):
        buy = pl.col("Size").filter(in_venue & (side == 1)).sum()
        sell = pl.col("Size").filter(in_venue & (side == 2)).sum()
        aggs.append(
            pl.when(buy + sell > 0).then((buy - sell) / (buy + sell)).alias(f"Execution{venue}TradeImbalance")
        )
    trade_part = (
        trades.filter(pl.col("Classification").is_in(["LIT_CONTINUOUS", *DARK]))
        .group_by("ListingId", _label("TradeTimestamp", buckets))
        .agg(aggs)
    )
    joined = l3_part.join(trade_part, on=KEYS, how="full", coalesce=True)
    return joined.with_columns(pl.col("^.*(Volume|Count)$").fill_null(0)).sort(KEYS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000, help="trades rows, and L3 rows")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    l3, trades = synthetic_day(args.rows)
    inputs = {"l3": l3.lazy(), "trades": trades.lazy()}
    buckets = TimeBuckets()
    queries = {
        "module": ExecutionModule().compute(inputs, buckets),
        "hand": hand(inputs["l3"], inputs["trades"], buckets),
        "naive": naive(inputs["l3"], inputs["trades"], buckets),
    }
    naive_query = queries.pop("naive")
    results = timed(queries, args.runs)
    results |= timed({"naive": naive_query}, 1)
    reference = results["module"][1]
    for name in ("hand", "naive"):
        assert_frame_equal(reference, results[name][1].select(reference.columns), rel_tol=1e-9)
    print(
        f"{args.rows:,} trades + {args.rows:,} L3 rows, 50 listings, "
        f"{reference.height:,} output rows × {reference.width} columns"
    )
    for name, (seconds, _) in results.items():
        print(f"  {name:7s} {'1 run' if name == 'naive' else f'median of {args.runs}'}: {seconds:.3f} s")
    print(f"  module / hand  = {results['module'][0] / results['hand'][0]:.2f}  (target ≤ 1.2)")
    print(f"  module / naive = {results['module'][0] / results['naive'][0]:.2f}")


if __name__ == "__main__":
    main()
