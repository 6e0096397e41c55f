"""Summaries of measured runs: medians, ratios to the hand-written Polars query, Markdown and JSON."""

from __future__ import annotations

import os
import platform
import statistics
import sys
from importlib import metadata
from typing import Any

TARGETS = {"trade-1min": 1.2, "l2-1min": 1.2, "full-pass": 1.5}
"""Case → the Basalt / hand-Polars wall-time ratio issue #7 aims for (on workload M)."""


def summarise(runs: dict[str, dict[str, list[dict[str, float]]]]) -> dict[str, dict[str, dict[str, Any]]]:
    """Case → contender → medians of its runs and its ratios to the ``polars`` contender."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for case, contenders in runs.items():
        medians = {
            name: {
                metric: statistics.median(r[metric] for r in measured)
                for metric in ("wall", "cpu", "peak_rss_mb", "inner")
                if all(r.get(metric) is not None for r in measured)
            }
            for name, measured in contenders.items()
        }
        hand = medians.get("polars", {})
        out[case] = {}
        for name, median in medians.items():
            entry: dict[str, Any] = {
                "runs": contenders[name],
                **{f"median_{k}": v for k, v in median.items()},
            }
            for metric in ("wall", "cpu", "peak_rss_mb"):
                if hand.get(metric):
                    entry[f"ratio_{metric}"] = median[metric] / hand[metric]
            out[case][name] = entry
    return out


def markdown(summary: dict[str, dict[str, dict[str, Any]]], agreed: dict[str, dict[str, bool | None]]) -> str:
    """The results as a Markdown table (one row per case × contender)."""
    lines = [
        "| case | contender | wall s | CPU s | peak RSS MiB | wall / hand | RSS / hand | own s | output |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for case, contenders in summary.items():
        for name, entry in contenders.items():
            ratio = entry.get("ratio_wall")
            target = TARGETS.get(case) if name == "basalt" else None
            mark = "" if target is None or ratio is None else (" ✓" if ratio <= target else f" ✗ (>{target})")
            verdict = {True: "= basalt", False: "MISMATCH", None: "—"}[agreed.get(case, {}).get(name)]
            if name == "basalt":
                verdict = "reference"
            inner = entry.get("median_inner")
            lines.append(
                f"| {case} | {name} | {entry['median_wall']:.2f} | {entry['median_cpu']:.2f} "
                f"| {entry['median_peak_rss_mb']:.0f} | {_fmt(ratio)}{mark} "
                f"| {_fmt(entry.get('ratio_peak_rss_mb'))} "
                f"| {'' if inner is None else f'{inner:.2f}'} | {verdict} |"
            )
    return "\n".join(lines)


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def machine() -> dict[str, Any]:
    """Where the benchmark ran: CPUs, memory, CPU model, Python and library versions."""
    model = ""
    try:
        with open("/proc/cpuinfo") as stream:
            model = next((ln.split(":", 1)[1].strip() for ln in stream if ln.startswith("model name")), "")
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    versions = {}
    for dist in ("polars", "duckdb", "pandas", "pyarrow", "bmll-basalt"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(memory, 1),
        "cpu_model": model,
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        **versions,
    }


def machine_line(info: dict[str, Any]) -> str:
    """One line describing the machine."""
    return (
        f"{info['cpus']} CPUs ({info['cpu_model'] or 'unknown model'}), {info['memory_gib']} GiB RAM, "
        f"Python {info['python']}, Polars {info['polars']}, DuckDB {info['duckdb']}, pandas {info['pandas']}"
    )
