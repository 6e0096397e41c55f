"""Benchmark: the book modules (ofi, microprice, volatility, liquidity) vs hand-written Polars queries.

Workloads are numpy-generated frames written once to Parquet (the same way the core's module
benchmarks build theirs), listings interleaved in time as in a venue's daily file:

* ``S``: 20 listings × 1 day, ~400k L2 snapshots (5 levels) and ~150k trades;
* ``M``: 100 listings × 2 days, ~3M snapshots and ~1M trades.

(``tools/bench``'s S and M are lakes from the full market generator; M takes ~40 GB of staging to
synthesise, too heavy for this shared machine, so these are module-level workloads of the same
listing counts' order.)

For each module, two queries computing the same columns under the config below, 60 s buckets:

* ``module``: ``Module(config).compute(...)`` on ``scan_parquet`` inputs;
* ``hand``: the query a quant would write by hand without the module's code: sort, ``shift``/
  ``diff`` ``.over(listing, day[, bucket])``, ``group_by``; for Stoikov's micro-price the same
  numpy solve per listing-day, written inline.

Each contender runs in a fresh process (``spawn``): the median of ``--runs`` collections (taking
turns is impossible across processes, so the pair is run twice, interleaved) and the process's
peak RSS (``ru_maxrss``). Outputs are checked equal (rel 1e-9, same nulls). microprice is measured
with ``weighted_mid: false``: its weighted-mid columns are the core's ``l2``/``l2tw``, benchmarked
in ``packages/basalt-core/benchmarks/bench_l2.py``.

Run: ``python packages/basalt-characteristics/benchmarks/bench_book.py [--workload S M] [--runs 3]``
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from _book_hand import HAND, LEVELS

CONFIGS: dict[str, dict[str, Any]] = {
    "ofi": {"levels": 5, "depth_normalised": True},
    "microprice": {"weighted_mid": False},
    "volatility": {"kernel_max_lag": 30},
    "liquidity": {"amihud_interval_seconds": 10.0},
}
WORKLOADS = {"S": (20, 1, 20_000, 7_500), "M": (100, 2, 15_000, 5_000)}
"""name → (listings, days, snapshots per listing-day, trades per listing-day)."""


# ------------------------------------------------------------------ workloads


def _times(rng: np.random.Generator, counts: np.ndarray, day: np.datetime64) -> np.ndarray:
    start = (day + np.timedelta64(8, "h")).astype("datetime64[us]").astype(np.int64)
    micros = rng.integers(0, int(8.5 * 3600 * 1e6), int(counts.sum()))
    listing = np.repeat(np.arange(len(counts)), counts)
    return start + micros[np.lexsort((micros, listing))]


def make_workload(name: str, folder: Path, seed: int = 7) -> tuple[Path, Path]:
    """Write the workload's l2 and trades Parquet files under ``folder``; return their paths."""
    listings, days, per_l2, per_trade = WORKLOADS[name]
    rng = np.random.default_rng(seed)
    l2_parts, trade_parts = [], []
    for d in range(days):
        day = np.datetime64("2026-01-05") + np.timedelta64(d, "D")
        counts = rng.poisson(per_l2, listings)
        n = int(counts.sum())
        firsts = np.cumsum(counts) - counts
        step = rng.choice([-1, 0, 0, 0, 1], n)
        step[firsts] = 0
        walk = np.cumsum(step) - np.repeat(np.cumsum(step)[firsts], counts)
        bid = np.repeat(rng.integers(1000, 20000, listings), counts) + walk
        spread = rng.choice([1, 1, 1, 2, 3], n)
        cols: dict[str, Any] = {
            "ListingId": np.repeat(np.arange(listings, dtype=np.int64) + 1000, counts),
            "TradeDate": np.full(n, day.astype("datetime64[ms]")),
            "EventTimestamp": _times(rng, counts, day).astype("datetime64[us]"),
            "L2EventNo": np.arange(n, dtype=np.int64),
            "MarketState": np.where(rng.random(n) < 0.98, "CONTINUOUS_TRADING", "AUCTION"),
        }
        for side, sign in (("Bid", -1), ("Ask", 1)):
            ticks = bid if side == "Bid" else bid + spread
            for level in range(1, LEVELS + 1):
                absent = rng.random(n) < 0.02 * level
                cols[f"{side}Price{level}"] = np.where(absent, np.nan, ticks * 0.01)
                cols[f"{side}Quantity{level}"] = rng.integers(1, 5000, n)
                ticks = ticks + sign * rng.choice([1, 1, 2], n)
        l2_parts.append(pl.DataFrame(cols).with_columns(pl.col("^.*Price\\d$").fill_nan(None)))
        counts = rng.poisson(per_trade, listings)
        n = int(counts.sum())
        firsts = np.cumsum(counts) - counts
        step = rng.choice([-2, -1, 0, 0, 1, 2], n)
        step[firsts] = 0
        walk = np.cumsum(step) - np.repeat(np.cumsum(step)[firsts], counts)
        trade_parts.append(
            pl.DataFrame(
                {
                    "ListingId": np.repeat(np.arange(listings, dtype=np.int64) + 1000, counts),
                    "TradeDate": np.full(n, day.astype("datetime64[ms]")),
                    "TradeTimestamp": _times(rng, counts, day).astype("datetime64[us]"),
                    "Price": (np.repeat(rng.integers(1000, 20000, listings), counts) + walk) * 0.01,
                    "Size": rng.choice([1.0, 50.0, 100.0, 250.0, 1000.0], n),
                    "AggressorSide": rng.choice([0, 1, 2], n, p=[0.05, 0.5, 0.45]),
                    "Classification": np.where(rng.random(n) < 0.9, "LIT_CONTINUOUS", "OFF_BOOK_ON_EXCHANGE"),
                }
            )
        )
    l2_path, trades_path = folder / f"{name}-l2.parquet", folder / f"{name}-trades.parquet"
    pl.concat(l2_parts).sort("EventTimestamp").write_parquet(l2_path)
    pl.concat(trade_parts).sort("TradeTimestamp").write_parquet(trades_path)
    return l2_path, trades_path


# ------------------------------------------------------------------ harness


def _query(module: str, contender: str, l2_path: str, trades_path: str) -> pl.LazyFrame:
    l2, trades = pl.scan_parquet(l2_path), pl.scan_parquet(trades_path)
    frame = trades if module == "liquidity" else l2
    if contender == "hand":
        return HAND[module](frame)
    # The classes straight from the catalogue: the plugin manager would import every installed
    # plugin (Dagster, ...) and inflate this process's memory.
    from basalt.timebuckets import TimeBuckets
    from basalt_characteristics.catalog_book import MODULES

    cls = {m.NAME: m for m in MODULES}[module]
    instance = cls(CONFIGS[module])
    return instance.compute({"l2": l2, "trades": trades}, TimeBuckets(seconds=60))


def _child(
    module: str, contender: str, l2_path: str, trades_path: str, runs: int, out: str
) -> dict[str, float]:
    query = _query(module, contender, l2_path, trades_path)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = query.collect()
        times.append(time.perf_counter() - start)
    result.sort("ListingId", "TimeBucket").write_parquet(out)
    return {"seconds": statistics.median(times), "peak_mb": peak_rss_mb()}


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM, MB).

    Not ``ru_maxrss``: Linux keeps that high-water mark across fork and exec, so a spawned child
    would report its parent's peak.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _baseline(l2_path: str) -> dict[str, float]:
    """Peak memory of a child that only imports Polars and Basalt and reads the input's schema."""
    import basalt_characteristics.catalog_book  # noqa: F401

    pl.scan_parquet(l2_path).collect_schema()
    return {"seconds": 0.0, "peak_mb": peak_rss_mb()}


def run_isolated(*args: Any) -> dict[str, float]:
    """``_child`` in a fresh spawned process (its own peak RSS)."""
    with ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("spawn")) as pool:
        return pool.submit(_child, *args).result()


def check_equal(module_out: pl.DataFrame, hand_out: pl.DataFrame) -> None:
    """Same keys, same nulls, values within rel 1e-9."""
    assert module_out.height == hand_out.height, (module_out.height, hand_out.height)
    joined = module_out.join(hand_out, on=["ListingId", "TimeBucket"], suffix="_hand")
    assert joined.height == module_out.height
    for column in module_out.columns:
        if column in ("ListingId", "TimeBucket"):
            continue
        a, b = joined[column].cast(pl.Float64), joined[f"{column}_hand"].cast(pl.Float64)
        assert (a.is_null() == b.is_null()).all(), column
        both = a.is_not_null()
        diff = ((a - b).abs() <= 1e-9 * b.abs() + 1e-18).filter(both)
        assert diff.all(), (column, joined.filter(both & ~((a - b).abs() <= 1e-9 * b.abs() + 1e-18)).head(3))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", nargs="+", default=["S", "M"], choices=list(WORKLOADS))
    parser.add_argument("--module", nargs="+", default=list(HAND), choices=list(HAND))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rows = []
    baselines: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-book-") as tmp:
        folder = Path(tmp)
        for workload in args.workload:
            l2_path, trades_path = make_workload(workload, folder)
            sizes = (
                pl.scan_parquet(l2_path).select(pl.len()).collect().item(),
                pl.scan_parquet(trades_path).select(pl.len()).collect().item(),
            )
            with ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("spawn")) as pool:
                base = pool.submit(_baseline, str(l2_path)).result()["peak_mb"]
            print(json.dumps({"workload": workload, "baseline_peak_mb": base}), flush=True)
            baselines[workload] = base
            for module in args.module:
                results: dict[str, list[dict[str, float]]] = {"module": [], "hand": []}
                for _ in range(2):  # interleaved, so load from other processes hits both alike
                    for contender in ("module", "hand"):
                        out = str(folder / f"{module}-{contender}.parquet")
                        results[contender].append(
                            run_isolated(module, contender, str(l2_path), str(trades_path), args.runs, out)
                        )
                check_equal(
                    pl.read_parquet(folder / f"{module}-module.parquet"),
                    pl.read_parquet(folder / f"{module}-hand.parquet"),
                )
                best = {name: min(r["seconds"] for r in runs) for name, runs in results.items()}
                peak = {name: max(r["peak_mb"] for r in runs) for name, runs in results.items()}
                rows.append(
                    (workload, module, sizes, best["module"], best["hand"], peak["module"], peak["hand"])
                )
                print(
                    json.dumps({"workload": workload, "module": module, "seconds": best, "peak_mb": peak}),
                    flush=True,
                )
    print()
    for workload, base in baselines.items():
        print(f"Workload {workload}: a child that only imports Polars and Basalt peaks at {base:.0f} MB.")
    print()
    print(
        "| workload | module | l2 rows | trades | module s | hand s | ratio | module peak MB | hand peak MB |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for workload, module, (n_l2, n_tr), ms, hs, mm, hm in rows:
        print(
            f"| {workload} | {module} | {n_l2:,} | {n_tr:,} | {ms:.3f} | {hs:.3f} | {ms / hs:.2f} | "
            f"{mm:.0f} | {hm:.0f} |"
        )


if __name__ == "__main__":
    main()
