"""Benchmark: the ``trade`` module (default config) vs hand-written Polars queries.

A synthetic day of 50 listings (~2M trades, unsorted within listings to mimic
several source files) is generated with numpy. Three queries compute the same
default columns (Volume, Count, Notional, NotionalEUR, NotionalUSD, VWAP, OHLC
for Bid/Ask/Total/Unknown over lit continuous trades, 60 s buckets):

* ``module``: ``TradeModule().compute(...)``;
* ``hand``: the fastest plain query we know: masked columns, one group_by,
  Open/Close by ``min_by``/``max_by`` on an Int128 (timestamp, row) key;
* ``naive``: the query most people write first (filters inside ``agg``, a
  global sort for OHLC).

``module`` and ``hand`` are collected 5 times, taking turns so that load from
other processes hits both alike; the medians are printed with the module/hand
ratio (target ≤ 1.2). ``naive`` runs once, for scale. Results are checked equal.

Run: ``.venv/bin/python packages/basalt-core/benchmarks/bench_trade.py [--trades N]``
"""

from __future__ import annotations

import argparse

import numpy as np
import polars as pl
from _timing import timed
from polars.testing import assert_frame_equal

from basalt.analytics.trade import TradeModule
from basalt.timebuckets import TimeBuckets

SIDES = {"Bid": 2, "Ask": 1}


def synthetic_day(n: int, listings: int = 50, seed: int = 7) -> pl.DataFrame:
    """``n`` trades over one 8.5-hour session; rows sorted by listing, shuffled in time within halves."""
    rng = np.random.default_rng(seed)
    listing = rng.integers(1, listings + 1, n)
    start = np.datetime64("2024-03-05T08:00:00", "us")
    micros = rng.integers(0, int(8.5 * 3600 * 1e6), n)
    on_edge = rng.random(n) < 0.01  # some trades exactly on a bucket boundary
    micros[on_edge] = micros[on_edge] // 60_000_000 * 60_000_000
    order = np.lexsort((rng.random(n), listing))  # sorted by listing only: time unsorted
    listing, micros = listing[order], micros[order]
    base = rng.uniform(10, 500, listings + 1)[listing]
    price = np.round(base * np.exp(rng.normal(0, 0.002, n)), 2)
    size = rng.integers(1, 2000, n).astype(np.float64)
    return pl.DataFrame(
        {
            "ListingId": listing.astype(np.int64),
            "TradeTimestamp": start + micros.astype("timedelta64[us]"),
            "AggressorSide": rng.choice([0, 1, 2], n, p=[0.1, 0.45, 0.45]).astype(np.int64),
            "Price": price,
            "InstrumentCurrencyPrice": price,
            "Size": size,
            "TradeNotional": price * size,
            "TradeNotionalEUR": price * size * 1.17,
            "TradeNotionalUSD": price * size * 1.27,
            "Classification": rng.choice(
                ["LIT_CONTINUOUS", "DARK_BELOW_LIS", "OFF_BOOK_ON_EXCHANGE", "SI_ADDRESSABLE_BELOW_LIS"],
                n,
                p=[0.7, 0.1, 0.1, 0.1],
            ),
            "MarketState": "CONTINUOUS_TRADING",
        }
    )


def _label(buckets: TimeBuckets) -> pl.Expr:
    ns = pl.col("TradeTimestamp").dt.cast_time_unit("ns").cast(pl.Int64)
    size = buckets.nanoseconds
    return (-((-ns) // size) * size).cast(pl.Datetime("ns")).alias("TimeBucket")


def hand(trades: pl.LazyFrame, buckets: TimeBuckets) -> pl.LazyFrame:
    """Tuned hand-written query: masked helper columns, one group_by, OHLC by min_by/max_by."""
    side = pl.col("AggressorSide")
    masks = {"Bid": side == 2, "Ask": side == 1, "Unknown": ~side.is_in([1, 2]).fill_null(False)}
    p, s = pl.col("InstrumentCurrencyPrice"), pl.col("Size")
    ns = pl.col("TradeTimestamp").dt.cast_time_unit("ns").cast(pl.Int64).cast(pl.Int128)
    t = ns * 2**64 + pl.col("_row").cast(pl.Int128)  # trade order: time, then input row
    helpers = [(s * p).alias("_N"), pl.when(p.is_not_null()).then(s).alias("_W")]
    helpers.append(pl.when(p.is_not_null()).then(t).alias("_T"))
    for name, m in masks.items():
        helpers += [
            m.fill_null(False).alias(f"_{name}_m"),
            pl.when(m).then(s).alias(f"_{name}_S"),
            pl.when(m).then(s * p).alias(f"_{name}_N"),
            pl.when(m & p.is_not_null()).then(s).alias(f"_{name}_W"),
            pl.when(m).then(pl.col("TradeNotionalEUR")).alias(f"_{name}_EUR"),
            pl.when(m).then(pl.col("TradeNotionalUSD")).alias(f"_{name}_USD"),
            pl.when(m).then(p).alias(f"_{name}_P"),
            pl.when(m & p.is_not_null()).then(t).alias(f"_{name}_T"),
        ]
    aggs, post = [], []
    for name in ("Bid", "Ask", "Total", "Unknown"):
        total = name == "Total"

        def c(what: str, raw: str, *, total: bool = total, name: str = name) -> pl.Expr:
            return pl.col(raw if total else f"_{name}_{what}")

        prices, times = c("P", "InstrumentCurrencyPrice"), c("T", "_T")
        aggs += [
            c("S", "Size").sum().alias(f"Trade{name}Volume"),
            (pl.len() if total else c("m", "").sum()).cast(pl.Int64).alias(f"Trade{name}Count"),
            c("N", "_N").sum().alias(f"Trade{name}Notional"),
            c("EUR", "TradeNotionalEUR").sum().alias(f"Trade{name}NotionalEUR"),
            c("USD", "TradeNotionalUSD").sum().alias(f"Trade{name}NotionalUSD"),
            c("W", "_W").sum().alias(f"_{name}_den"),
            prices.min_by(times).alias(f"Trade{name}Open"),
            prices.max().alias(f"Trade{name}High"),
            prices.min().alias(f"Trade{name}Low"),
            prices.max_by(times).alias(f"Trade{name}Close"),
        ]
        den = pl.col(f"_{name}_den")
        post.append(pl.when(den > 0).then(pl.col(f"Trade{name}Notional") / den).alias(f"Trade{name}VWAP"))
    return (
        trades.filter(pl.col("Classification") == "LIT_CONTINUOUS")
        .with_row_index("_row")
        .with_columns(_label(buckets), *helpers)
        .group_by("ListingId", "TimeBucket")
        .agg(aggs)
        .with_columns(post)
        .drop(pl.selectors.starts_with("_"))
        .sort("ListingId", "TimeBucket")
    )


def naive(trades: pl.LazyFrame, buckets: TimeBuckets) -> pl.LazyFrame:
    """The first query people write: a global sort, then filters inside agg."""
    side = pl.col("AggressorSide")
    masks = {
        "Bid": side == 2,
        "Ask": side == 1,
        "Total": pl.lit(True),
        "Unknown": ~side.is_in([1, 2]).fill_null(False),
    }
    aggs = []
    for name, m in masks.items():
        p, s = pl.col("InstrumentCurrencyPrice").filter(m), pl.col("Size").filter(m)
        aggs += [
            s.sum().alias(f"Trade{name}Volume"),
            s.len().cast(pl.Int64).alias(f"Trade{name}Count"),
            (p * s).sum().alias(f"Trade{name}Notional"),
            pl.col("TradeNotionalEUR").filter(m).sum().alias(f"Trade{name}NotionalEUR"),
            pl.col("TradeNotionalUSD").filter(m).sum().alias(f"Trade{name}NotionalUSD"),
            pl.when(s.sum() > 0).then((p * s).sum() / s.sum()).alias(f"Trade{name}VWAP"),
            p.first().alias(f"Trade{name}Open"),
            p.max().alias(f"Trade{name}High"),
            p.min().alias(f"Trade{name}Low"),
            p.last().alias(f"Trade{name}Close"),
        ]
    return (
        trades.filter(pl.col("Classification") == "LIT_CONTINUOUS")
        .sort("ListingId", "TradeTimestamp", maintain_order=True)
        .group_by("ListingId", _label(buckets))
        .agg(aggs)
        .sort("ListingId", "TimeBucket")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trades", type=int, default=2_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    trades = synthetic_day(args.trades).lazy()
    buckets = TimeBuckets()
    module = TradeModule()
    queries = {
        "module": module.compute({"trades": trades}, buckets),
        "hand": hand(trades, buckets),
        "naive": naive(trades, buckets),
    }
    naive_query = queries.pop("naive")
    results = timed(queries, args.runs)
    results |= timed({"naive": naive_query}, 1)
    reference = results["module"][1]
    for name in ("hand", "naive"):
        assert_frame_equal(reference, results[name][1].select(reference.columns), rel_tol=1e-9)
    print(
        f"{args.trades:,} trades, 50 listings, {reference.height:,} output rows × {reference.width} columns"
    )
    for name, (seconds, _) in results.items():
        print(f"  {name:7s} {'1 run' if name == 'naive' else f'median of {args.runs}'}: {seconds:.3f} s")
    ratio = results["module"][0] / results["hand"][0]
    print(f"  module / hand  = {ratio:.2f}  (target ≤ 1.2)")
    print(f"  module / naive = {results['module'][0] / results['naive'][0]:.2f}")


if __name__ == "__main__":
    main()
