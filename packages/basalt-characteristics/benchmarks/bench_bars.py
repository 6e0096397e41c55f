"""Benchmark: the ``bars`` module vs hand-written Polars (tick and time bars) and vs a plain loop.

Synthetic lit trades (numpy) for workload S (5 listings × 40,000 trades, one day) and M
(20 × 100,000). Tick and time bars have an exact vectorised form — a bar is ``trade index
// N`` or ``timestamp // T`` within the listing-day — so a quant would write them as one
``group_by``: that query (``hand``) is timed against the module and the results checked
equal. Volume and imbalance bars are sequential (a bar's end depends on where the last
one ended), so there the module (Numba loop) is timed against the same loop run as plain
Python (``BASALT_BARS_JIT=0``, a child process), results checked equal.

Medians of ``--runs`` collections after one warm-up each (ratio module / other).

Run: ``python packages/basalt-characteristics/benchmarks/bench_bars.py [--workloads S M] [--runs 3]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl
from polars.testing import assert_frame_equal

from basalt.timebuckets import TimeBuckets
from basalt_characteristics.bars import BarsModule

WORKLOADS = {"S": (5, 40_000), "M": (20, 100_000)}
BUCKETS = TimeBuckets(seconds=60)
DAY = np.datetime64("2024-03-05T08:00:00", "us")
CONFIGS = {
    "tick": {"bar_type": "tick", "ticks_per_bar": 100},
    "time": {"bar_type": "time", "bar_seconds": 60},
    "volume": {"bar_type": "volume", "volume_per_bar": 50_000},
    "tick_imbalance": {
        "bar_type": "tick_imbalance",
        "initial_expected_ticks": 50,
        "initial_expected_imbalance": 0.2,
    },
}


def generate(listings: int, per_listing: int, seed: int = 3) -> pl.DataFrame:
    """Random-walk lit trades over 8.5 hours, sorted by time within each listing."""
    rng = np.random.default_rng(seed)
    frames = []
    for listing in range(listings):
        offsets = np.sort(rng.integers(0, int(8.5 * 3600 * 10**6), per_listing))
        prices = 100 + np.cumsum(rng.choice([-0.01, 0.0, 0.01], per_listing))
        frames.append(
            pl.DataFrame(
                {
                    "ListingId": np.full(per_listing, 1000 + listing),
                    "TradeTimestamp": DAY + offsets.astype("timedelta64[us]"),
                    "InstrumentCurrencyPrice": prices.round(2),
                    "Size": rng.choice([100.0, 200.0, 500.0, 37.0], per_listing),
                    "AggressorSide": rng.choice([0, 1, 2], per_listing),
                    "Classification": np.full(per_listing, "LIT_CONTINUOUS"),
                }
            )
        )
    return pl.concat(frames)


def hand(trades: pl.LazyFrame, kind: str) -> pl.LazyFrame:
    """Tick or time bars as one group_by: what one would write without a framework."""
    t = trades.with_row_index("row").sort("ListingId", "TradeTimestamp", "row")
    ns = pl.col("TradeTimestamp").dt.cast_time_unit("ns").cast(pl.Int64)
    if kind == "tick":
        bar = pl.int_range(pl.len()).over("ListingId") // 100
    else:
        bar = ns // (60 * 10**9)
    price, size = pl.col("InstrumentCurrencyPrice"), pl.col("Size")
    logp = price.log()
    return (
        t.with_columns(bar.alias("bar"), ns.alias("ns"))
        .group_by("ListingId", "bar", maintain_order=True)
        .agg(
            pl.col("ns").first().cast(pl.Datetime("ns")).alias("BarStart"),
            pl.col("ns").last().cast(pl.Datetime("ns")).alias("BarEnd"),
            price.first().alias("Open"),
            price.max().alias("High"),
            price.min().alias("Low"),
            price.last().alias("Close"),
            size.sum().alias("Volume"),
            (price * size).sum().alias("Notional"),
            pl.len().cast(pl.Int64).alias("TradeCount"),
            (logp.diff().pow(2).sum()).alias("RealizedVariance"),
        )
        .with_columns((pl.col("Notional") / pl.col("Volume")).alias("VWAP"))
        .sort("ListingId", "BarEnd")
    )


def timed(query: Callable[[], pl.LazyFrame], runs: int) -> tuple[float, pl.DataFrame]:
    result = query().collect()
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        query().collect()
        times.append(time.perf_counter() - began)
    return statistics.median(times), result


def plain_loop_seconds(path: str, kind: str, runs: int) -> tuple[float, str]:
    """The module with the loop as plain Python, in a child process (``BASALT_BARS_JIT=0``)."""
    code = (
        "import json, sys, time, statistics, polars as pl\n"
        "from basalt.timebuckets import TimeBuckets\n"
        "from basalt_characteristics.bars import BarsModule\n"
        f"cfg = json.loads({json.dumps(json.dumps(CONFIGS[kind]))})\n"
        f"t = pl.read_parquet({path!r}).lazy()\n"
        "q = lambda: BarsModule(cfg).compute({'trades': t}, TimeBuckets(seconds=60))\n"
        "r = q().collect()\n"
        f"ts = []\nfor _ in range({max(1, runs // 2)}):\n"
        "    b = time.perf_counter(); q().collect(); ts.append(time.perf_counter() - b)\n"
        f"r.write_parquet({path!r} + '.{kind}.plain.parquet')\n"
        "print(statistics.median(ts))\n"
    )
    env = {**os.environ, "BASALT_BARS_JIT": "0"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return float(out.stdout.strip().splitlines()[-1]), f"{path}.{kind}.plain.parquet"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", nargs="+", default=["S", "M"], choices=sorted(WORKLOADS))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for workload in args.workloads:
            trades = generate(*WORKLOADS[workload])
            path = str(Path(folder) / f"{workload}.parquet")
            trades.write_parquet(path)
            lazy = pl.read_parquet(path).lazy()
            for kind, cfg in CONFIGS.items():
                module_s, got = timed(
                    lambda cfg=cfg, lazy=lazy: BarsModule(cfg).compute({"trades": lazy}, BUCKETS), args.runs
                )
                if kind in ("tick", "time"):
                    other_s, want = timed(lambda kind=kind, lazy=lazy: hand(lazy, kind), args.runs)
                    columns = [c for c in want.columns if c != "bar"]
                    assert_frame_equal(
                        got.select(columns), want.select(columns), check_exact=False, rel_tol=1e-9
                    )
                    against = "hand Polars"
                else:
                    other_s, result_path = plain_loop_seconds(path, kind, args.runs)
                    assert_frame_equal(got, pl.read_parquet(result_path))
                    against = "plain-Python loop"
                rows.append((workload, kind, trades.height, got.height, module_s, against, other_s))
    print(
        f"{'wl':<3}{'bars':<16}{'trades':>9}{'rows':>11}{'module s':>10}  "
        f"{'vs':<18}{'other s':>9}{'ratio':>7}"
    )
    for workload, kind, n, bars, module_s, against, other_s in rows:
        print(
            f"{workload:<3}{kind:<16}{n:>9,}{bars:>11,}{module_s:>10.3f}  {against:<18}{other_s:>9.3f}"
            f"{module_s / other_s:>7.2f}"
        )


if __name__ == "__main__":
    main()
