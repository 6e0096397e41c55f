"""Scaling: wall time and peak memory vs listings and vs days, Basalt (NUM_WORKERS 1 and 2) and hand Polars.

Points: listings 20, 100, 500 over 1 day, and 20 listings over 1, 5, 20 days
(``--listings``/``--days``), all at workload ``S``'s per-listing density. Each
point is its own cached lake. Contenders take turns per round, as in the main
benchmark, and Basalt's outputs are compared with the hand query's on the first
round. Prints a table; with ``--json`` also writes a PNG chart beside the JSON
(needs matplotlib; without it, only the chart is skipped, and said so).
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path
from typing import Any

from basalt_bench import harness, workloads
from basalt_bench.cases import CASES

RUNNERS = (("basalt-w1", "basalt", 1), ("basalt-w2", "basalt", 2), ("polars", "polars", 1))
"""Label, contender, Basalt NUM_WORKERS."""
DEFAULT_CASES = ("trade-1min", "full-pass")


def points(args: argparse.Namespace) -> list[tuple[str, int, workloads.Workload]]:
    """(axis, value, workload) of every scaling point."""
    base = workloads.WORKLOADS["S"]
    venues = len(base.mics)
    out = [
        ("listings", n, workloads.scaled(base, instruments=n // venues, days=1)) for n in _ints(args.listings)
    ]
    out += [("days", d, workloads.scaled(base, days=d)) for d in _ints(args.days)]
    return out


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def run(args: argparse.Namespace, machine: dict[str, Any]) -> dict[str, Any]:
    """Measure every point; print the table; write the chart next to ``args.json``."""
    cases = args.case or list(DEFAULT_CASES)
    rows: list[dict[str, Any]] = []
    print(f"allocator: {args.allocator} ({harness.allocator_line()})")
    for axis, value, workload in points(args):
        lake = workloads.ensure(workload, args.cache)
        counts = workloads.info(workload, args.cache)["rows"]
        workloads.warm(lake)
        print(
            f"{axis} = {value}: {workload.listings} listings × {workload.days} day(s), "
            f"{counts['trades']:,} trades, {counts['l2']:,} L2 snapshots"
        )
        for name in cases:
            case = CASES[name]
            outs = args.cache / "runs" / "scaling" / workload.key() / name
            measured: dict[str, list[dict[str, float]]] = {label: [] for label, _, _ in RUNNERS}
            for round_ in range(args.repeat):
                shift = round_ % len(RUNNERS)
                for label, contender, workers in RUNNERS[shift:] + RUNNERS[:shift]:
                    result = harness.run_once(case, contender, workload, lake, outs / label, workers)
                    measured[label].append(result)
                    print(
                        f"  {name:<10} {label:<9} wall {result['wall']:7.2f} s  "
                        f"rss {result['peak_rss_mb']:6.0f} MiB"
                    )
                if round_ == 0:
                    harness.check(case, "polars", outs, reference="basalt-w1")
                    harness.check(case, "basalt", outs, reference="basalt-w1", actual_dir="basalt-w2")
            for label, results in measured.items():
                rows.append(
                    {
                        "axis": axis,
                        "value": value,
                        "case": name,
                        "contender": label,
                        "listings": workload.listings,
                        "days": workload.days,
                        "rows": counts,
                        "wall": statistics.median(r["wall"] for r in results),
                        "cpu": statistics.median(r["cpu"] for r in results),
                        "peak_rss_mb": statistics.median(r["peak_rss_mb"] for r in results),
                        "runs": results,
                    }
                )
    print()
    print(table(rows))
    memory = memory_ratios(rows)
    for line in memory:
        print(line)
    result = {
        "machine": machine,
        "allocator": args.allocator,
        "settings": {"repeat": args.repeat},
        "points": rows,
        "memory_checks": memory,
    }
    if args.json:
        chart(rows, args.json.with_suffix(".png"))
    return result


def table(rows: list[dict[str, Any]]) -> str:
    """The curves as a Markdown table."""
    lines = [
        "| axis | listings | days | case | contender | wall s | CPU s | peak RSS MiB | wall / hand |",
        "|---|---:|---:|---|---|---:|---:|---:|---:|",
    ]
    hand = {(r["axis"], r["value"], r["case"]): r["wall"] for r in rows if r["contender"] == "polars"}
    for r in rows:
        ratio = r["wall"] / hand[(r["axis"], r["value"], r["case"])]
        lines.append(
            f"| {r['axis']} | {r['listings']} | {r['days']} | {r['case']} | {r['contender']} "
            f"| {r['wall']:.2f} | {r['cpu']:.2f} | {r['peak_rss_mb']:.0f} | {ratio:.2f} |"
        )
    return "\n".join(lines)


def memory_ratios(rows: list[dict[str, Any]]) -> list[str]:
    """Peak RSS of the longest run over the shortest (days axis), per case and contender (target ≤ 1.5)."""
    out = []
    days = [r for r in rows if r["axis"] == "days"]
    if not days:
        return out
    first, last = min(r["days"] for r in days), max(r["days"] for r in days)
    for r in days:
        if r["days"] != last or last == first:
            continue
        base = next(
            b
            for b in days
            if b["days"] == first and b["case"] == r["case"] and b["contender"] == r["contender"]
        )
        ratio = r["peak_rss_mb"] / base["peak_rss_mb"]
        mark = "✓" if ratio <= 1.5 else "✗"
        out.append(
            f"peak RSS {last} days / {first} day, {r['case']} {r['contender']}: "
            f"{ratio:.2f} {mark} (target ≤ 1.5)"
        )
    return out


def chart(rows: list[dict[str, Any]], path: Path) -> None:
    """Wall time and peak RSS vs listings and vs days, one line per case × contender."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: chart skipped (pip install matplotlib)")
        return
    figure, axes = plt.subplots(2, 2, figsize=(11, 8))
    for col, axis in enumerate(("listings", "days")):
        subset = [r for r in rows if r["axis"] == axis]
        for metric, row in (("wall", 0), ("peak_rss_mb", 1)):
            ax = axes[row][col]
            for key in sorted({(r["case"], r["contender"]) for r in subset}):
                line = sorted((r["value"], r[metric]) for r in subset if (r["case"], r["contender"]) == key)
                ax.plot([x for x, _ in line], [y for _, y in line], marker="o", label=" ".join(key))
            ax.set_xlabel(axis)
            ax.set_ylabel("wall s" if metric == "wall" else "peak RSS MiB")
            ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=7)
    figure.suptitle("Basalt vs hand-written Polars: scaling")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    print(f"chart: {path}")
