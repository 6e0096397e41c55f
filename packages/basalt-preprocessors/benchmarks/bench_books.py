"""Benchmark: ``l2_from_l3`` vs a hand-written replay, time and peak memory, on synthetic workloads.

Workloads (the synthetic market, XLON + BATE, one listing-day = one instrument on one venue):

* ``XS``: 2 instruments × 1 day (a quick check);
* ``S``: 10 instruments × 1 day at 100,000 messages per instrument-day (tools/bench's S);
* ``M``: 50 instruments × 1 day (tools/bench's M has 5 such days; the replay is per listing-day,
  so time and memory scale per day — ``--days`` sets more).

Contenders, each in a fresh process. ``base`` is the RSS once the input is read; the peak RSS is
then reset (Linux ``clear_refs``) and read after the first run, so ``peak - base`` is what the
replay itself holds at most, its output included:

* ``basalt``: the module's lazy query collected (Numba kernel under ``map_groups`` per listing-day);
* ``basalt-nojit``: the same with ``BASALT_REPLAY_JIT=0`` (``--nojit``; slow);
* ``hand``: a straightforward hand-written replay — rows of each listing-day iterated in Python
  with a dict of orders and a dict of price levels, the top 10 sorted out at each event end.

Outputs are checked equal (every level column, the counts, times and numbering) before timing is
reported. Ratio = contender time / basalt time.

Run: ``python packages/basalt-preprocessors/benchmarks/bench_books.py [--workload S|M] [--runs R]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

LEVELS = 10
WORKLOADS = {"XS": 2, "S": 10, "M": 50}


def make_input(instruments: int, days: int, folder: Path) -> tuple[int, int]:
    """Write the workload's L3 and market state to ``folder``; (L3 rows, listing-days)."""
    from basalt.synth import SynthConfig, generate_day

    config = SynthConfig(
        start_date=dt.date(2026, 1, 5),
        end_date=dt.date(2026, 1, 5) + dt.timedelta(days=days + 2 * (days // 5)),
        listings=instruments,
        mics=("XLON", "BATE"),
        messages_per_day=100_000,
        seed=7,
    )
    l3, ms = [], []
    for day in config.trading_days()[:days]:
        frames = generate_day(config, day)
        l3.append(frames["l3"])
        ms.append(frames["marketstate"])
    l3_all, ms_all = pl.concat(l3), pl.concat(ms)
    l3_all.write_parquet(folder / "l3.parquet")
    ms_all.write_parquet(folder / "marketstate.parquet")
    return l3_all.height, l3_all.select("ListingId", "TradeDate").n_unique()


def hand_replay(l3: pl.DataFrame, ms: pl.DataFrame) -> list[tuple[object, ...]]:
    """The hand-written replay: dicts and loops per listing-day, a snapshot when the top 10 changed."""
    out: list[tuple[object, ...]] = []
    ms_ns = ms.with_columns(pl.col("TimestampNanoseconds").cast(pl.Int64).alias("ns"))
    l3 = l3.with_columns(pl.col("TimestampNanoseconds").cast(pl.Int64).alias("ns"))
    for (listing, day), rows in l3.sort("ListingId", "TradeDate", "ns", "EventNo").group_by(
        "ListingId", "TradeDate", maintain_order=True
    ):
        changes = ms_ns.filter(
            (pl.col("ListingId") == listing) & (pl.col("TimestampNanoseconds").dt.date() == day.date())
        ).sort("ns", "BMLLSequenceNo")
        pending = list(changes.select("ns", "BMLLSequenceNo", "MarketState").iter_rows())
        orders: dict[str, tuple[int, float, int]] = {}
        levels: dict[int, dict[float, list[int]]] = {1: {}, 2: {}}
        last: tuple | None = None
        number = 0

        def snap(ts: int, state: str, seq: int, *, force: bool, levels=levels, listing=listing) -> None:
            nonlocal last, number
            book = []
            for side in (1, 2):
                prices = sorted(levels[side], reverse=side == 1)[:LEVELS]
                book.append(tuple((p, levels[side][p][0], levels[side][p][1]) for p in prices))
                book.append(len(levels[side]))
            key = (*book, state)
            if force or key != last:
                number += 1
                last = key
                out.append((listing, number, ts, key))

        for ns, seq, side, action, oid, old, price, size, eoe, state in rows.select(
            "ns", "BMLLSequenceNo", "Side", "LobAction", "OrderId", "OldOrderId", "Price", "Size",
            "EndOfEvent", "MarketState",
        ).iter_rows():  # fmt: skip
            while pending and (pending[0][0], pending[0][1]) < (ns, seq):
                c_ns, c_seq, c_state = pending.pop(0)
                snap(c_ns, c_state, c_seq, force=True)
            if action in (3, 4) and old in orders:
                s, p, q = orders.pop(old)
                level = levels[s][p]
                level[0] -= q
                level[1] -= 1
                if level[1] == 0:
                    del levels[s][p]
            if action in (2, 4) and size > 0:
                key = oid or old
                orders[key] = (side, price, size)
                level = levels[side].setdefault(price, [0, 0])
                level[0] += size
                level[1] += 1
            if eoe:
                snap(ns, state, seq, force=False)
        for c_ns, c_seq, c_state in pending:
            snap(c_ns, c_state, c_seq, force=True)
    return out


def basalt_replay(l3: pl.LazyFrame, ms: pl.LazyFrame) -> pl.DataFrame:
    from basalt.timebuckets import TimeBuckets
    from basalt_preprocessors.replay.module import L2FromL3

    return L2FromL3().compute({"l3": l3, "marketstate": ms}, TimeBuckets()).collect()


def as_books(frame: pl.DataFrame) -> pl.DataFrame:
    """The module's output in the hand replay's shape (for the equality check)."""
    rows = []
    for row in frame.sort("ListingId", "TradeDate", "L2EventNo").iter_rows(named=True):
        book = []
        for side in ("Bid", "Ask"):
            book.append(
                tuple(
                    (row[f"{side}Price{k}"], row[f"{side}Quantity{k}"], row[f"{side}NumOrders{k}"])
                    for k in range(1, LEVELS + 1)
                    if row[f"{side}Price{k}"] is not None
                )
            )
            book.append(row[f"{side}LevelCount"])
        rows.append(
            (row["ListingId"], row["L2EventNo"], row["TimestampNanoseconds"], (*book, row["MarketState"]))
        )
    return rows


def _status_mib(field: str) -> float:
    """A ``/proc/self/status`` memory field (``VmRSS``, ``VmHWM``) in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise KeyError(field)


def _reset_peak() -> float:
    """Reset the process's peak RSS to its current RSS (Linux ``clear_refs`` 5); returns it in MiB.

    Reading the input has its own transient peak; resetting after it makes the peak that
    follows the replay's own. Elsewhere, the lifetime peak (``ru_maxrss``) is all there is.
    """
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return _status_mib("VmRSS")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _peak() -> float:
    """Peak RSS in MiB since :func:`_reset_peak` (or since the start, where it cannot reset)."""
    try:
        return _status_mib("VmHWM")
    except (OSError, KeyError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def contender(name: str, folder: Path, runs: int) -> None:
    """Run one contender ``runs`` times in this process; print JSON (median s, base and peak RSS MiB)."""
    l3 = pl.read_parquet(folder / "l3.parquet")
    ms = pl.read_parquet(folder / "marketstate.parquet")
    base = _reset_peak()
    times = []
    result: object = None
    peak = 0.0
    for run in range(runs):
        start = time.perf_counter()
        result = hand_replay(l3, ms) if name == "hand" else basalt_replay(l3.lazy(), ms.lazy())
        times.append(time.perf_counter() - start)
        if run == 0:  # the high-water mark of one run (later runs overlap two results in memory)
            peak = _peak()
    assert result is not None
    if name == "hand":
        check = list(result)
    else:
        ns = (
            result.sort("ListingId", "TradeDate", "L2EventNo")["TimestampNanoseconds"]
            .cast(pl.Int64)
            .to_list()
        )
        check = [(lid, no, t, book) for (lid, no, _, book), t in zip(as_books(result), ns, strict=True)]
    check.sort(key=lambda r: (r[0], r[2], r[1]))  # listing, time, number: days in order
    (folder / f"{name}.json").write_text(json.dumps([list(map(repr, c)) for c in check]))
    print(json.dumps({"median": statistics.median(times), "base": base, "peak": peak, "rows": len(check)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", choices=list(WORKLOADS), default="S")
    parser.add_argument("--days", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--nojit", action="store_true", help="also time the pure-Python kernel")
    parser.add_argument(
        "--no-hand", action="store_true", help="skip the hand-written replay (no equality check then)"
    )
    parser.add_argument("--contender", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.contender:
        contender(args.contender, Path(args.folder), args.runs)
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        n_rows, listing_days = make_input(WORKLOADS[args.workload], args.days, folder)
        print(f"workload {args.workload}: {n_rows:,} L3 rows, {listing_days} listing-days "
              f"(synthesised in {time.perf_counter() - start:.1f} s)")  # fmt: skip
        names = ["basalt"] + ([] if args.no_hand else ["hand"]) + (["basalt-nojit"] if args.nojit else [])
        results = {}
        for name in names:
            env = dict(os.environ)
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            if name == "basalt-nojit":
                env["BASALT_REPLAY_JIT"] = "0"
            runs = 1 if name != "basalt" else args.runs
            command = [sys.executable, __file__, "--contender", name.removesuffix("-nojit"), "--folder", tmp]
            done = subprocess.run([*command, "--runs", str(runs)], env=env, capture_output=True, text=True)
            if done.returncode != 0:
                raise SystemExit(done.stderr)
            results[name] = json.loads(done.stdout.strip().splitlines()[-1])
            if name == "basalt":  # keep basalt's output for the comparison before the no-JIT run rewrites it
                (folder / "basalt.json").rename(folder / "basalt-main.json")
        if not args.no_hand:
            same = (folder / "basalt-main.json").read_text() == (folder / "hand.json").read_text()
            print(f"outputs equal (basalt vs hand, {results['basalt']['rows']:,} snapshots): {same}")
            if not same:
                raise SystemExit("outputs differ")
        ref = results["basalt"]["median"]
        print(
            f"{'contender':<14}{'median s':>10}{'ratio':>8}{'base MiB':>10}{'peak MiB':>10}{'replay MiB':>12}"
        )
        for name, r in results.items():
            print(
                f"{name:<14}{r['median']:>10.2f}{r['median'] / ref:>8.2f}{r['base']:>10.0f}{r['peak']:>10.0f}"
                f"{r['peak'] - r['base']:>12.0f}"
            )


if __name__ == "__main__":
    main()
