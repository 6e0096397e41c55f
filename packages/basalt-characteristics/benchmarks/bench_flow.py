"""Benchmark: the flow modules (classification, vpin, trade and L3 characteristics) vs hand-written Polars.

Synthetic trades, level-1 L2 snapshots and L3 order lifecycles are generated with numpy
for workload S (5 listings, 1 day) and M (20 listings, 1 day; ~10x S), written to
Parquet once and read back into memory. For each module two lazy queries compute the
same numbers under the default configuration (60 s buckets):

* ``module``: ``Module().compute(...)``;
* ``hand``: the query a quant would write for exactly these numbers with no framework
  (``_flow_hand.py``: one sort, one as-of join, one group_by; no configurability).

After one untimed warm-up collection each, both are collected ``--runs`` times taking
turns (medians compared: module / hand, target ≤ 1.2), and their results are checked
equal. Peak memory is measured separately, each query in its own child process: the
child loads the inputs, resets the kernel's peak-RSS counter (``/proc/self/clear_refs``),
collects once and reports ``VmHWM − VmRSS before``.

Run: ``python packages/basalt-characteristics/benchmarks/bench_flow.py [--workloads S M] [--runs 5]``
"""

from __future__ import annotations

import argparse
import json
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
from basalt_characteristics.classification import ClassificationModule
from basalt_characteristics.l3_lifecycle import L3CharacteristicsModule
from basalt_characteristics.trades import TradeCharacteristicsModule
from basalt_characteristics.vpin import VPINModule

sys.path.insert(0, str(Path(__file__).parent))
from _flow_hand import HAND

WORKLOADS = {"S": (5, 40_000), "M": (20, 100_000)}
"""Workload → (listings, trades per listing-day); L2 snapshots and L3 orders alike."""
DAY = np.datetime64("2024-03-05T00:00:00", "us")
OPEN_US = 8 * 3600 * 10**6
SESSION_US = int(8.5 * 3600 * 10**6)
BUCKETS = TimeBuckets(seconds=60)
MODULES: dict[str, Callable[[], object]] = {
    "classification": ClassificationModule,
    "vpin": VPINModule,
    "trade_characteristics": TradeCharacteristicsModule,
    "l3_characteristics": L3CharacteristicsModule,
}


def generate(listings: int, per_listing: int, seed: int = 11) -> dict[str, pl.DataFrame]:
    """Trades, L2 and L3 of one day: per listing, ``per_listing`` trades, snapshots and orders."""
    rng = np.random.default_rng(seed)
    n = listings * per_listing
    listing = np.repeat(np.arange(1, listings + 1), per_listing)
    tick_walk = np.cumsum(rng.choice([-1, 0, 0, 1], n)).reshape(listings, per_listing)
    base = rng.integers(1000, 20000, listings)[:, None]
    mid_ticks = (base + tick_walk).ravel()
    micros = np.sort(rng.integers(0, SESSION_US, (listings, per_listing)), axis=1).ravel()
    stamp = DAY + (OPEN_US + micros).astype("timedelta64[us]")
    date = np.full(n, DAY.astype("datetime64[ms]"))
    side = rng.choice([1, 2, 0], n, p=[0.47, 0.47, 0.06])
    price = (mid_ticks + np.where(side == 1, 1, np.where(side == 2, -1, 0))) / 100.0
    trades = pl.DataFrame(
        {
            "ListingId": listing,
            "TradeDate": date,
            "TradeTimestamp": stamp,
            "InstrumentCurrencyPrice": price,
            "Size": rng.integers(1, 2000, n).astype(np.float64),
            "AggressorSide": side,
            "Classification": rng.choice(["LIT_CONTINUOUS", "DARK_BELOW_LIS"], n, p=[0.9, 0.1]),
            "LotType": rng.choice(["ROUND", "ODD", "MIXED"], n, p=[0.7, 0.2, 0.1]),
        }
    )
    l2_micros = np.sort(rng.integers(0, SESSION_US, (listings, per_listing)), axis=1).ravel()
    spread = rng.integers(1, 4, n)
    l2 = pl.DataFrame(
        {
            "ListingId": listing,
            "TradeDate": date,
            "EventTimestamp": DAY + (OPEN_US + l2_micros).astype("timedelta64[us]"),
            "L2EventNo": np.tile(np.arange(per_listing), listings),
            "BidPrice1": (mid_ticks - spread // 2 - 1) / 100.0,
            "AskPrice1": (mid_ticks + (spread + 1) // 2) / 100.0,
        }
    )
    insert_ns = (OPEN_US + micros) * 1000 + DAY.astype("int64") * 1000
    end_ns = insert_ns + rng.exponential(3e9, n).astype(np.int64)
    fate = rng.random(n)  # < 0.6 cancel, < 0.8 full fill, else alive at the end
    ids = np.char.add("o", np.arange(n).astype(str))
    order_side = rng.integers(1, 3, n)
    order_price = (mid_ticks + np.where(order_side == 1, -1, 1) * rng.integers(0, 5, n)) / 100.0
    size = rng.integers(1, 5000, n)
    ends = fate < 0.8
    mods = rng.random(n) < 0.2
    l3 = pl.concat(
        [
            pl.DataFrame(
                {
                    "i": np.arange(n),
                    "t": insert_ns,
                    "LobAction": 2,
                    "OrderExecuted": False,
                    "ExecutionSize": 0,
                }
            ),
            pl.DataFrame(
                {
                    "i": np.arange(n)[mods],
                    "t": (insert_ns + (end_ns - insert_ns) // 2)[mods],
                    "LobAction": 4,
                    "OrderExecuted": False,
                    "ExecutionSize": 0,
                }
            ),
            pl.DataFrame(
                {
                    "i": np.arange(n)[ends],
                    "t": end_ns[ends],
                    "LobAction": 3,
                    "OrderExecuted": fate[ends] >= 0.6,
                    "ExecutionSize": np.where(fate[ends] >= 0.6, size[ends], 0),
                }
            ),
        ],
        how="vertical_relaxed",
    )
    l3 = l3.sort("t")
    i = l3["i"].to_numpy()
    l3 = pl.DataFrame(
        {
            "ListingId": listing[i],
            "TradeDate": date[i],
            "TimestampNanoseconds": l3["t"].cast(pl.Datetime("ns")),
            "Side": order_side[i],
            "LobAction": l3["LobAction"],
            "OrderExecuted": l3["OrderExecuted"],
            "OriginalOrderId": ids[i],
            "OldPrice": pl.Series(order_price[i]).set(l3["LobAction"] == 2, None),
            "Size": size[i],
            "ExecutionSize": l3["ExecutionSize"],
        }
    )
    return {"trades": trades, "l2": l2, "l3": l3}


def queries(name: str, frames: dict[str, pl.DataFrame]) -> dict[str, pl.LazyFrame]:
    """The module's query and the hand-written one, over the same in-memory frames."""
    module = MODULES[name]()
    inputs = {key: frames[key].lazy() for key in module.input_names()}
    return {"module": module.compute(inputs, BUCKETS), "hand": HAND[name](inputs, BUCKETS)}


def load(folder: Path) -> dict[str, pl.DataFrame]:
    return {path.stem: pl.read_parquet(path) for path in folder.glob("*.parquet")}


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1]) * 1024
    raise RuntimeError(field)


def child(folder: Path, name: str, contender: str) -> None:
    """One collection in a fresh process: print the peak memory it added, in bytes."""
    frames = load(folder)
    query = queries(name, frames)[contender]
    Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
    before = _status("VmRSS:")
    query.collect()
    print(json.dumps({"peak": _status("VmHWM:") - before}))


def peak_memory(folder: Path, name: str, contender: str) -> int:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(folder), name, contender],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(json.loads(out.stdout.strip().splitlines()[-1])["peak"])


def bench(workload: str, runs: int) -> list[dict[str, object]]:
    listings, per_listing = WORKLOADS[workload]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for table, frame in generate(listings, per_listing).items():
            frame.write_parquet(folder / f"{table}.parquet")
        frames = load(folder)
        sizes = ", ".join(f"{k} {v.height:,}" for k, v in sorted(frames.items()))
        print(f"workload {workload}: {listings} listings, 1 day ({sizes} rows)", flush=True)
        for name in MODULES:
            contenders = queries(name, frames)
            times: dict[str, list[float]] = {c: [] for c in contenders}
            results = {c: query.collect() for c, query in contenders.items()}  # warm-up, not timed
            for _ in range(runs):
                for contender, query in contenders.items():
                    start = time.perf_counter()
                    results[contender] = query.collect()
                    times[contender].append(time.perf_counter() - start)
            assert_frame_equal(results["module"], results["hand"], check_exact=False, rel_tol=1e-9)
            medians = {c: statistics.median(t) for c, t in times.items()}
            memory = {c: peak_memory(folder, name, c) for c in contenders}
            rows.append(
                {
                    "workload": workload,
                    "module": name,
                    "rows out": results["module"].height,
                    "module s": medians["module"],
                    "hand s": medians["hand"],
                    "ratio": medians["module"] / medians["hand"],
                    "module MiB": memory["module"] / 2**20,
                    "hand MiB": memory["hand"] / 2**20,
                }
            )
            row = rows[-1]
            print(
                f"  {name:22s} module {row['module s']:.3f} s  hand {row['hand s']:.3f} s  "
                f"ratio {row['ratio']:.2f}  peak MiB {row['module MiB']:.0f} / {row['hand MiB']:.0f}",
                flush=True,
            )
    return rows


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(Path(sys.argv[2]), sys.argv[3], sys.argv[4])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", nargs="+", default=["S", "M"], choices=sorted(WORKLOADS))
    parser.add_argument("--runs", type=int, default=5, help="collections per contender (median taken)")
    args = parser.parse_args()
    rows = [row for workload in args.workloads for row in bench(workload, args.runs)]
    print("\n| workload | module | rows out | module s | hand s | module / hand | peak MiB (module / hand) |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['workload']} | {r['module']} | {r['rows out']:,} | {r['module s']:.3f} | "
            f"{r['hand s']:.3f} | {r['ratio']:.2f} | {r['module MiB']:.0f} / {r['hand MiB']:.0f} |"
        )


if __name__ == "__main__":
    main()
