"""Timing shared by the module benchmarks: contenders take turns, medians are compared."""

from __future__ import annotations

import statistics
import time

import polars as pl


def timed(queries: dict[str, pl.LazyFrame], runs: int) -> dict[str, tuple[float, pl.DataFrame]]:
    """Median wall time of ``runs`` collections of each query (taking turns), and its result."""
    times: dict[str, list[float]] = {name: [] for name in queries}
    results = {}
    for _ in range(runs):
        for name, query in queries.items():
            start = time.perf_counter()
            results[name] = query.collect()
            times[name].append(time.perf_counter() - start)
    return {name: (statistics.median(times[name]), results[name]) for name in queries}
