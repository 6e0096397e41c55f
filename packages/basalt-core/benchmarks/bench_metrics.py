"""Benchmark: a module declared with the metric API vs the ``trade`` module and hand-written Polars.

Same synthetic day as ``bench_trade.py`` (50 listings, unsorted within
listings). Four contenders compute per-side (Bid/Ask/Unknown/Total) Volume,
Count and Notional over lit continuous trades in 60 s buckets:

* ``metrics``: three ``@metric`` declarations in a ``metric_module``, written
  the obvious way (``pl.col("Size").filter(side.mask).sum()``);
* ``metrics_when``: the same, written with ``side.where(...)`` (``pl.when(mask).then(...)``);
* ``trade``: ``TradeModule(measures=[Volume, Count, Notional])``, which builds
  masked helper columns before its one ``group_by``;
* ``hand``: the fastest plain query we know (masked helper columns, one group_by).

Each is collected ``--runs`` times, taking turns; medians and ratios to ``hand``
are printed. Results are checked equal.

Run: ``python packages/basalt-core/benchmarks/bench_metrics.py [--trades N] [--runs R]``
"""

from __future__ import annotations

import argparse

import polars as pl
from _timing import timed
from bench_trade import synthetic_day
from polars.testing import assert_frame_equal

from basalt.analytics.trade import TradeModule
from basalt.metrics import SIDES, Choice, metric, metric_module
from basalt.timebuckets import TimeBuckets

LIT = {"trades": pl.col("Classification") == "LIT_CONTINUOUS"}
PRICE = pl.col("InstrumentCurrencyPrice")


@metric("trades", pattern="Trade{side}Volume", unit="shares", params={"side": SIDES}, additive=True)
def volume(side: Choice) -> pl.Expr:
    """Sum of Size over {side.text}."""
    return pl.col("Size").filter(side.mask).sum()


@metric("trades", pattern="Trade{side}Count", unit="count", params={"side": SIDES}, dtype="Int64")
def count(side: Choice) -> pl.Expr:
    """Number of {side.text}."""
    return side.mask.sum()


@metric("trades", pattern="Trade{side}Notional", unit="currency", params={"side": SIDES})
def notional(side: Choice) -> pl.Expr:
    """Sum of Size × price over {side.text}."""
    return (pl.col("Size") * PRICE).filter(side.mask).sum()


@metric("trades", pattern="Trade{side}Volume", unit="shares", params={"side": SIDES}, additive=True)
def volume_when(side: Choice) -> pl.Expr:
    """Sum of Size over {side.text}."""
    return side.where(pl.col("Size")).sum()


@metric("trades", pattern="Trade{side}Notional", unit="currency", params={"side": SIDES})
def notional_when(side: Choice) -> pl.Expr:
    """Sum of Size × price over {side.text}."""
    return side.where(pl.col("Size") * PRICE).sum()


def hand(trades: pl.LazyFrame, buckets: TimeBuckets) -> pl.LazyFrame:
    """Masked helper columns, one group_by."""
    side = pl.col("AggressorSide")
    masks = {"Bid": side == 2, "Ask": side == 1, "Unknown": ~side.is_in([1, 2]).fill_null(False)}
    helpers = []
    for name, m in masks.items():
        m = m.fill_null(False)
        helpers += [
            m.alias(f"_{name}_m"),
            pl.when(m).then(pl.col("Size")).alias(f"_{name}_S"),
            pl.when(m).then(pl.col("_N")).alias(f"_{name}_N"),
        ]
    aggs = []
    for name in ("Bid", "Ask", "Unknown", "Total"):
        total = name == "Total"
        aggs += [
            pl.col("Size" if total else f"_{name}_S").sum().alias(f"Trade{name}Volume"),
            (pl.len() if total else pl.col(f"_{name}_m").sum()).cast(pl.Int64).alias(f"Trade{name}Count"),
            pl.col("_N" if total else f"_{name}_N").sum().alias(f"Trade{name}Notional"),
        ]
    label = buckets.label(pl.col("TradeTimestamp")).alias("TimeBucket")
    return (
        trades.filter(LIT["trades"])
        .with_columns(label, (pl.col("Size") * PRICE).alias("_N"))
        .with_columns(helpers)
        .group_by("ListingId", "TimeBucket")
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
    plain = metric_module("bench_metrics", volume, count, notional, WHERE=LIT)
    when = metric_module("bench_metrics_when", volume_when, count, notional_when, WHERE=LIT)
    trade = TradeModule({"measures": ["Volume", "Count", "Notional"], "classifications": ["lit_continuous"]})
    queries = {
        "metrics": plain().compute({"trades": trades}, buckets),
        "metrics_when": when().compute({"trades": trades}, buckets),
        "trade": trade.compute({"trades": trades}, buckets),
        "hand": hand(trades, buckets),
    }
    results = timed(queries, args.runs)
    reference = results["hand"][1]
    for name in ("metrics", "metrics_when", "trade"):
        assert_frame_equal(reference, results[name][1].select(reference.columns), rel_tol=1e-9)
    print(f"{args.trades:,} trades, {reference.height:,} output rows × {reference.width} columns")
    for name, (seconds, _) in results.items():
        ratio = seconds / results["hand"][0]
        print(f"  {name:13s} median of {args.runs}: {seconds:.3f} s   / hand = {ratio:.2f}")


if __name__ == "__main__":
    main()
