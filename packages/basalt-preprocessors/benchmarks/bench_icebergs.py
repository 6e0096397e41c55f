"""Benchmark: the ``iceberg`` preprocessor vs a hand-written detector, time and peak memory.

Workloads (the synthetic market with icebergs planted at the default rate, XLON + BATE, one
day at 100,000 messages per instrument-day):

* ``S``: 10 instruments (20 listing-days);
* ``M``: 50 instruments (100 listing-days).

Contenders, each in a fresh process (``base`` is the RSS after reading the input; the peak is
the process's high-water mark ``VmHWM``, reset there through ``/proc/self/clear_refs``, so
``peak - base`` is what detection itself holds; Linux only):

* ``basalt``: the module's lazy query collected (Polars; the chain-root loop under Numba);
* ``hand``: a straightforward hand-written detector — each listing-day's rows iterated in Python
  with a dict of displayed quantities per (side, price), the last full execution per level, and
  a dict of chain roots; a summary per iceberg at the end (one listing-day's rows at a time).

Outputs are checked equal (every iceberg's id, side, price, refills, hidden volume, executed
volume, peak and order count) before timing is reported; the precision and recall against the
planted truth are printed too. Ratio = contender time / basalt time.

Run: ``python packages/basalt-preprocessors/benchmarks/bench_icebergs.py [--workload S|M] [--runs R]
[--data DIR]`` (``--data`` keeps the generated workload for the next run).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import polars as pl

WORKLOADS = {"S": 10, "M": 50}
DELAY_NS = 1_000_000
CHECKED = ["ListingId", "IcebergId", "Side", "Price", "RefillCount", "HiddenVolume", "ExecutedVolume",
           "EstimatedPeakSize", "OrderCount"]  # fmt: skip


def make_input(instruments: int, folder: Path) -> int:
    """Write the workload's L3 and planted truth to ``folder``; returns the L3 rows."""
    from basalt.synth import SynthConfig, generate_day
    from basalt.synth.day import simulate_instrument_day
    from basalt.synth.icebergs import DEFAULT_RATE
    from basalt.synth.reference import instruments as all_instruments

    config = SynthConfig(
        start_date=dt.date(2026, 1, 5),
        end_date=dt.date(2026, 1, 5),
        listings=instruments,
        mics=("XLON", "BATE"),
        messages_per_day=100_000,
        iceberg_rate=DEFAULT_RATE,
        seed=7,
    )
    day = config.start_date
    l3 = generate_day(config, day)["l3"]
    truth = [
        simulate_instrument_day(config, day, item).icebergs
        for item in all_instruments(config.seed, config.listings, config.primary_mic)
    ]
    l3.write_parquet(folder / "l3.parquet")
    pl.concat([t for t in truth if t is not None]).write_parquet(folder / "truth.parquet")
    return l3.height


def hand_detect(l3: pl.DataFrame) -> pl.DataFrame:
    """The same rules, written the obvious way: one Python pass per listing-day with dicts."""
    out: list[dict[str, Any]] = []
    days = l3.with_columns(pl.col("TimestampNanoseconds").cast(pl.Int64).alias("__t")).partition_by(
        "ListingId", "TradeDate", as_dict=True
    )
    for (listing, _), part in days.items():  # one listing-day in memory as Python rows at a time
        rows = [(r["__t"], r) for r in part.iter_rows(named=True)]
        rows.sort(key=lambda item: item[1]["EventNo"])
        qty: dict[tuple[int, float], int] = defaultdict(int)
        bad: set[tuple[int, float]] = set()
        seen: set[str] = set()
        last_fill: dict[tuple[int, float], tuple[int, int, str]] = {}
        used: set[int] = set()
        root: dict[str, str] = {}
        links: list[tuple[str, str, float, int]] = []
        signals: list[tuple[str, int, float, int]] = []
        shown: dict[tuple[int, float], int] = {}
        done: dict[tuple[int, float], list[dict[str, Any]]] = defaultdict(list)
        for t, r in rows:
            side, action = r["Side"], r["LobAction"]
            oid = r["OrderId"] or r["OldOrderId"]
            old = r["OldOrderId"] or r["OrderId"]
            if action in (3, 4) and r["OldPrice"] is not None:
                level = (side, r["OldPrice"])
                shown.setdefault(level, qty[level])
                if old not in seen:
                    bad.add(level)
                qty[level] -= r["OldSize"]
            if action in (2, 4) and r["Price"] is not None:
                level = (side, r["Price"])
                shown.setdefault(level, qty[level])
                qty[level] += r["Size"]
            if action == 2:
                seen.add(oid)
                fill = last_fill.get((side, r["Price"]))
                if fill is not None and fill[0] not in used and t - fill[1] <= DELAY_NS:
                    used.add(fill[0])
                    root[oid] = root.get(fill[2], fill[2])
                    links.append((fill[2], oid, r["Price"], t))
            if r["OrderExecuted"] and r["ExecutionSize"] > 0:
                r["__t"], r["__oid"] = t, oid
                done[(side, r["OldPrice"] if r["OldPrice"] is not None else r["Price"])].append(r)
                if action == 3:
                    last_fill[(side, r["OldPrice"])] = (r["EventNo"], t, old)
            if r["EndOfEvent"]:
                for level, fills in done.items():
                    total = sum(f["ExecutionSize"] for f in fills)
                    excess = [
                        f["ExecutionSize"] - f["OldSize"] for f in fills if f["ExecutionSize"] > f["OldSize"]
                    ]
                    if level not in bad and shown[level] >= fills[0]["OldSize"] and total > shown[level]:
                        excess.append(total - shown[level])
                    if excess:
                        signals.append((fills[-1]["__oid"], max(excess), level[1], fills[0]["__t"]))
                shown, done = {}, defaultdict(list)
        member = {p: root.get(p, p) for p, _, _, _ in links} | {c: root[c] for _, c, _, _ in links}
        for o, _, _, _ in signals:
            member.setdefault(o, o)
        ice: dict[str, dict[str, Any]] = {
            i: {"ListingId": listing, "IcebergId": i, "Side": None, "RefillCount": 0, "HiddenVolume": 0,
                "ExecutedVolume": 0, "__peak": None, "__exec_peak": None, "__orders": set(), "__first": None}
            for i in member.values()
        }  # fmt: skip
        for _, r in rows:
            o = r["OrderId"] or r["OldOrderId"]
            if o in member:
                d = ice[member[o]]
                d["Side"] = d["Side"] or r["Side"]
                d["__orders"].add(o)
                if r["OrderExecuted"]:
                    d["ExecutedVolume"] += r["ExecutionSize"]
                    d["__exec_peak"] = max(d["__exec_peak"] or 0, r["OldSize"])
                if r["LobAction"] == 2:
                    d["__peak"] = max(d["__peak"] or 0, r["Size"])
        for p, _, price, t in links:
            d = ice[member[p]]
            d["RefillCount"] += 1
            if d["__first"] is None or t < d["__first"][0]:
                d["__first"] = (t, price)
        for o, volume, price, t in signals:
            d = ice[member[o]]
            d["HiddenVolume"] += volume
            if d["__first"] is None or t < d["__first"][0]:
                d["__first"] = (t, price)
        for d in ice.values():
            d["Price"] = d.pop("__first")[1]
            peak, exec_peak = d.pop("__peak"), d.pop("__exec_peak")
            d["EstimatedPeakSize"] = peak if peak is not None else exec_peak
            d["OrderCount"] = len(d.pop("__orders"))
            out.append(d)
    return pl.DataFrame(out).select(CHECKED)


def _status_mib(field: str) -> float:
    """A memory field of ``/proc/self/status`` in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def contender(name: str, folder: Path, runs: int) -> None:
    """Run one contender ``runs`` times in this process; print JSON (median s, base and peak RSS MiB)."""
    l3 = pl.read_parquet(folder / "l3.parquet")
    Path("/proc/self/clear_refs").write_text("5")  # reset the high-water mark to the current RSS
    base = _status_mib("VmRSS")
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        if name == "basalt":
            from basalt_preprocessors.icebergs.config import IcebergConfig
            from basalt_preprocessors.icebergs.module import iceberg_table

            result = iceberg_table(l3.lazy(), IcebergConfig(refill_delay_ns=DELAY_NS)).collect()
        else:
            result = hand_detect(l3)
        times.append(time.perf_counter() - start)
    peak = _status_mib("VmHWM")
    assert result is not None
    result.select(CHECKED).sort("ListingId", "IcebergId").write_parquet(folder / f"{name}.parquet")
    if name == "basalt":
        result.write_parquet(folder / "detected.parquet")
    print(json.dumps({"median": statistics.median(times), "base": base, "peak": peak, "rows": result.height}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", choices=sorted(WORKLOADS), default="S")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--data", help="Folder keeping the generated workload (reused when present).")
    parser.add_argument("--contender", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.contender:
        contender(args.contender, Path(args.folder), args.runs)
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.data or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        tmp = str(folder)
        started = time.perf_counter()
        if (folder / "l3.parquet").exists():
            rows = pl.scan_parquet(folder / "l3.parquet").select(pl.len()).collect().item()
        else:
            rows = make_input(WORKLOADS[args.workload], folder)
        print(f"workload {args.workload}: {rows:,} L3 rows, ready in {time.perf_counter() - started:.0f} s")
        results = {}
        for name in ("basalt", "hand"):
            proc = subprocess.run(
                [sys.executable, __file__, "--contender", name, "--folder", tmp, "--runs", str(args.runs)],
                capture_output=True,
                text=True,
                check=False,
            )
            if proc.returncode != 0:
                raise SystemExit(f"{name} failed ({proc.returncode}): {proc.stderr[-2000:]}")
            results[name] = json.loads(proc.stdout.strip().splitlines()[-1])
        ours, theirs = pl.read_parquet(folder / "basalt.parquet"), pl.read_parquet(folder / "hand.parquet")
        if not ours.equals(theirs.sort("ListingId", "IcebergId")):
            raise SystemExit("outputs differ: basalt and hand-written detections disagree")
        from basalt_preprocessors.icebergs.evaluate import score

        print(
            score(
                pl.read_parquet(folder / "detected.parquet"), pl.read_parquet(folder / "truth.parquet")
            ).table()
        )
        print(f"outputs equal: {ours.height} icebergs")
        ref = results["basalt"]["median"]
        print(
            f"{'contender':<12}{'median s':>10}{'ratio':>8}{'base MiB':>10}{'peak MiB':>10}{'detect MiB':>12}"
        )
        for name, r in results.items():
            print(
                f"{name:<12}{r['median']:>10.2f}{r['median'] / ref:>8.2f}{r['base']:>10.0f}{r['peak']:>10.0f}"
                f"{r['peak'] - r['base']:>12.0f}"
            )


if __name__ == "__main__":
    main()
