"""Benchmark: the ``cbbo`` preprocessor vs a hand-written Polars consolidation, time and peak memory.

Data: one synthetic day of the market generator (``basalt.synth``), every listing on
three venues (XLON, BATE, CHIX), written to a temporary Parquet file. Workloads:

* ``S``: 4 instruments, 10,000 messages per instrument-day;
* ``M``: 10 instruments, 40,000 messages per instrument-day.

Contenders (each in its own fresh process, so peak RSS is its own; 3 runs, median):

* ``module``: ``ConsolidatedBook(continuous_only=True).compute(...)``, collected;
* ``hand``: written without the module's code: one ``join_asof`` per venue slot
  (venues of an instrument numbered 0..2) puts every venue's 60 level columns on each
  event row (a wide frame), then each consolidated level is the k-th distinct price of
  the 30 venue prices (``list.unique``/``sort``/``get``) with its quantity and orders
  summed by ``sum_horizontal`` over the 30 slots.

Outputs are checked equal on the book columns. The table prints seconds, the
module/hand ratio and each contender's peak RSS.

Run: ``python packages/basalt-preprocessors/benchmarks/bench_cbbo.py [--workload S|M]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

LEVELS = 10
SIDES = ("Bid", "Ask")
WORKLOADS = {"S": (4, 10_000), "M": (10, 40_000)}


def make_data(workload: str, folder: Path) -> tuple[Path, Path, int]:
    """Write the day's L2 and reference to ``folder``; returns their paths and the L2 row count."""
    from basalt.synth import SynthConfig, generate_day

    listings, messages = WORKLOADS[workload]
    config = SynthConfig(
        start_date=dt.date(2026, 1, 5),
        end_date=dt.date(2026, 1, 5),
        listings=listings,
        mics=("XLON", "BATE", "CHIX"),
        seed=11,
        messages_per_day=messages,
    )
    day = generate_day(config, config.start_date)
    l2, reference = folder / "l2.parquet", folder / "reference.parquet"
    day["l2"].write_parquet(l2)
    day["reference"].write_parquet(reference)
    return l2, reference, day["l2"].height


def module_query(l2: pl.LazyFrame, reference: pl.LazyFrame) -> pl.LazyFrame:
    from basalt import TimeBuckets
    from basalt_preprocessors.cbbo import ConsolidatedBook

    return ConsolidatedBook({"continuous_only": True}).compute(
        {"l2": l2, "reference": reference}, TimeBuckets()
    )


def hand_query(l2: pl.LazyFrame, reference: pl.LazyFrame) -> pl.LazyFrame:
    """Wide as-of per venue slot, then k-th distinct price and horizontal sums."""
    kinds = ("Price", "Quantity", "NumOrders")
    book = [f"{s}{k}{i}" for s in SIDES for k in kinds for i in range(1, LEVELS + 1)]
    live = pl.col("MarketState") == "CONTINUOUS_TRADING"
    snaps = (
        l2.join(reference.select("ListingId", "InstrumentId", "IsPrimary"), on="ListingId")
        .with_columns(
            pl.col("ListingId").rank("dense").over("InstrumentId").cast(pl.Int64).sub(1).alias("slot"),
            *(pl.when(live).then(pl.col(c)).alias(c) for c in book),
        )
        .sort("ListingId", "EventTimestamp", "L2EventNo")
        .unique(["ListingId", "EventTimestamp"], keep="last", maintain_order=True)
    )
    events = snaps.select("InstrumentId", "EventTimestamp").unique().sort("InstrumentId", "EventTimestamp")
    wide = events
    for slot in range(3):
        venue = snaps.filter(pl.col("slot") == slot).select(
            "InstrumentId", "EventTimestamp", *(pl.col(c).alias(f"{c}_{slot}") for c in book)
        )
        wide = wide.join_asof(
            venue.sort("InstrumentId", "EventTimestamp"), on="EventTimestamp", by="InstrumentId",
            check_sortedness=False,
        )  # fmt: skip
    # each side's distinct prices once, then the k-th price once, then the sums (three steps,
    # so no list expression is repeated inside the 1,200 horizontal terms)
    distinct = [
        pl.concat_list([f"{side}Price{i}_{s}" for i in range(1, LEVELS + 1) for s in range(3)])
        .list.drop_nulls()
        .list.unique()
        .list.sort(descending=side == "Bid")
        .alias(f"__{side}")
        for side in SIDES
    ]
    prices = [
        pl.col(f"__{side}").list.get(k, null_on_oob=True).alias(f"{side}Price{k + 1}")
        for side in SIDES
        for k in range(LEVELS)
    ]
    counts = [pl.col(f"__{side}").list.len().cast(pl.Int32).alias(f"{side}LevelCount") for side in SIDES]
    sums = []
    for side in SIDES:
        for k in range(1, LEVELS + 1):
            p = pl.col(f"{side}Price{k}")
            for kind, dtype in (("Quantity", pl.Int64), ("NumOrders", pl.Int32)):
                terms = [
                    pl.when(pl.col(f"{side}Price{i}_{s}") == p)
                    .then(pl.col(f"{side}{kind}{i}_{s}"))
                    .otherwise(0)
                    for i in range(1, LEVELS + 1)
                    for s in range(3)
                ]
                sums.append(pl.sum_horizontal(terms).cast(dtype).alias(f"{side}{kind}{k}"))
    names = [e.meta.output_name() for e in (*prices, *counts, *sums)]
    return (
        wide.with_columns(distinct)
        .with_columns(*prices, *counts)
        .with_columns(sums)
        .select("InstrumentId", "EventTimestamp", *names)
    )


def run_one(name: str, l2_path: str, reference_path: str, runs: int) -> None:
    """Child process: time ``runs`` collections of one contender; print JSON with its peak RSS."""
    queries = {"module": module_query, "hand": hand_query}
    times, result = [], None
    for _ in range(runs):
        query = queries[name](pl.scan_parquet(l2_path), pl.scan_parquet(reference_path))
        start = time.perf_counter()
        result = query.collect()
        times.append(time.perf_counter() - start)
    assert result is not None
    result.write_parquet(Path(l2_path).with_name(f"out-{name}.parquet"))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": statistics.median(times), "peak_mib": peak, "rows": result.height}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", choices=sorted(WORKLOADS), default="S")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", help=argparse.SUPPRESS)
    parser.add_argument("--data", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.only:
        run_one(args.only, *args.data, args.runs)
        return
    with tempfile.TemporaryDirectory() as folder:
        l2, reference, rows = make_data(args.workload, Path(folder))
        results = {}
        for name in ("module", "hand"):
            command = [
                sys.executable,
                __file__,
                "--only",
                name,
                "--runs",
                str(args.runs),
                "--data",
                str(l2),
                str(reference),
            ]
            done = subprocess.run(command, check=True, capture_output=True, text=True)
            results[name] = json.loads(done.stdout.strip().splitlines()[-1])
        module = pl.read_parquet(Path(folder) / "out-module.parquet").sort("InstrumentId", "EventTimestamp")
        hand = pl.read_parquet(Path(folder) / "out-hand.parquet").sort("InstrumentId", "EventTimestamp")
        columns = [c for c in module.columns if c.startswith(SIDES)]
        assert module.select(columns).equals(hand.select(columns)), "module and hand-written outputs differ"
    listings = WORKLOADS[args.workload][0]
    print(
        f"workload {args.workload}: {listings} instruments x 3 venues, {rows:,} L2 rows -> {module.height:,}"
    )
    print(f"{'contender':<10} {'seconds':>8} {'peak MiB':>9}")
    for name, r in results.items():
        print(f"{name:<10} {r['seconds']:>8.2f} {r['peak_mib']:>9.1f}")
    print(
        f"module/hand ratio: {results['module']['seconds'] / results['hand']['seconds']:.2f} (outputs equal)"
    )


if __name__ == "__main__":
    main()
