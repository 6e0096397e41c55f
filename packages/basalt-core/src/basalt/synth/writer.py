"""Write a synthetic lake: every table, per MIC and date, through ``sources.layout.write_partition``.

With several workers, two parallel stages run over a pool of *spawned*
processes (forking a process that runs Polars' thread pool can deadlock):

1. simulate each (day, instrument) and stage its tables as Arrow IPC files,
   one per (table, MIC), in a hidden folder under the lake root;
2. for each (day, table, MIC), concatenate the staged parts in instrument
   order (which is ``ListingId`` order) and write the partition file.

With one worker the same happens in this process, a day at a time, without
staging. Tasks depend only on the configuration, never on which process runs
them or when, so the files are byte-identical whatever ``workers`` is.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import shutil
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from basalt.sources.layout import LayoutName, PartitionWriter
from basalt.synth._procs import init_worker
from basalt.synth.config import SynthConfig
from basalt.synth.day import TABLES, InstrumentDay, simulate_instrument_day, sort_table
from basalt.synth.icebergs import write_truth
from basalt.synth.reference import instruments, reference_frame

STAGING = ".synth-staging"
ProgressCallback = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: stage is ``"simulate"`` or ``"write"``."""


@dataclass
class LakeSummary:
    """What ``write_lake`` wrote, and how fast."""

    root: Path
    layout: str
    days: list[dt.date]
    workers: int
    rows: dict[str, int] = field(default_factory=dict)
    """Rows written per table."""
    files: int = 0
    messages: int = 0
    """Order-book messages simulated."""
    l3_events: int = 0
    l2_snapshots: int = 0
    simulate_seconds: float = 0.0
    """CPU seconds spent simulating and building tables, summed over workers."""
    seconds: float = 0.0
    """Wall-clock time of the whole write (Parquet compression included)."""
    icebergs: list[pl.DataFrame] = field(default_factory=list)
    """Planted icebergs of every instrument-day (``SynthConfig.iceberg_rate`` > 0), in task order."""

    @property
    def events_per_cpu_second(self) -> float:
        """L3 events simulated (L2 and all tables built) per CPU second."""
        return self.l3_events / self.simulate_seconds if self.simulate_seconds > 0 else 0.0

    def add(self, result: InstrumentDay, cpu_seconds: float) -> None:
        """Count one simulated instrument-day."""
        self.messages += result.messages
        self.l3_events += result.l3_rows
        self.l2_snapshots += result.l2_rows
        self.simulate_seconds += cpu_seconds
        if result.icebergs is not None:
            self.icebergs.append(result.icebergs)


def default_workers() -> int:
    """``min(2, cpu count)``."""
    return max(1, min(2, os.cpu_count() or 1))


def _partitions(config: SynthConfig) -> list[tuple[str, str]]:
    """Every (table, MIC) written per day: all tables on all MICs, CBBO on the primary only."""
    return [
        (name, mic) for name in TABLES for mic in config.mics if name != "cbbo" or mic == config.primary_mic
    ]


def _simulate(config: SynthConfig, day: dt.date, index: int) -> tuple[InstrumentDay, float]:
    start = time.process_time()
    result = simulate_instrument_day(
        config, day, instruments(config.seed, config.listings, config.primary_mic)[index]
    )
    return result, time.process_time() - start


class _OrderedParts:
    """Appends a partition's per-instrument parts to its writer, checking they come in listing order.

    Each part is sorted by the table's keys, which start with ``ListingId``, and
    instruments come in ``ListingId`` order, so appending part after part writes
    the same rows in the same order as sorting the whole partition, without ever
    holding it (a day of L2 for 250 instruments is ~17 GB in memory).
    """

    def __init__(self, table: str, writer: PartitionWriter) -> None:
        self.table, self.writer, self.last_listing = table, writer, None

    def append(self, part: pl.DataFrame) -> None:
        if part.height == 0:
            return
        part = sort_table(self.table, part)
        first = part.get_column("ListingId")[0]
        if self.last_listing is not None and first < self.last_listing:
            raise RuntimeError(
                f"synth: {self.table} parts out of ListingId order ({first} after {self.last_listing})"
            )
        self.last_listing = part.get_column("ListingId")[-1]
        self.writer.append(part)


def _finish(config: SynthConfig, day: dt.date, table: str, mic: str, writer: PartitionWriter) -> int:
    """Close one partition's file (the reference table is written whole here); returns its rows."""
    if table == "reference":
        writer.append(reference_frame(config, day).filter(pl.col("MIC") == mic))
    writer.close()
    return writer.rows


def _stage_path(staging: Path, day: dt.date, table: str, mic: str, index: int) -> Path:
    return staging / f"{day:%Y%m%d}" / table / mic / f"{index:05d}.arrow"


def _simulate_task(
    config: SynthConfig, day: dt.date, index: int, staging: Path
) -> tuple[InstrumentDay, float]:
    """Worker: simulate one instrument-day and stage its frames; returns the counts (frames dropped)."""
    result, cpu = _simulate(config, day, index)
    for table, by_mic in result.frames.items():
        for mic, frame in by_mic.items():
            path = _stage_path(staging, day, table, mic, index)
            path.parent.mkdir(parents=True, exist_ok=True)
            frame.write_ipc(path, compression="uncompressed")
    return InstrumentDay({}, result.messages, result.l3_rows, result.l2_rows, result.icebergs), cpu


def _write_task(
    config: SynthConfig, day: dt.date, table: str, mic: str, staging: Path, root: Path, layout: LayoutName
) -> int:
    """Worker: write one partition from the staged parts, one part in memory at a time; returns its rows."""
    with PartitionWriter(root, TABLES[table], mic, day, layout) as writer:
        parts = _OrderedParts(table, writer)
        for index in range(config.listings if table != "reference" else 0):
            path = _stage_path(staging, day, table, mic, index)
            if path.exists():
                parts.append(pl.read_ipc(path))
        return _finish(config, day, table, mic, writer)


def _in_process(config: SynthConfig, root: Path, layout: LayoutName, summary: LakeSummary) -> Iterator[str]:
    """One worker: simulate a day instrument by instrument, appending to its open partition files."""
    for day in summary.days:
        writers = {
            key: PartitionWriter(root, TABLES[key[0]], key[1], day, layout) for key in _partitions(config)
        }
        try:
            parts = {(table, mic): _OrderedParts(table, writer) for (table, mic), writer in writers.items()}
            for index in range(config.listings):
                result, cpu = _simulate(config, day, index)
                summary.add(result, cpu)
                for table, by_mic in result.frames.items():
                    for mic, frame in by_mic.items():
                        if (table, mic) in parts:
                            parts[(table, mic)].append(frame)
                yield "simulate"
            for (table, mic), writer in writers.items():
                summary.rows[table] = summary.rows.get(table, 0) + _finish(config, day, table, mic, writer)
                summary.files += 1
                yield "write"
        finally:  # a failure (or a closed generator) leaves no half-written file behind
            for writer in writers.values():
                writer.abort()


def _in_pool(config: SynthConfig, root: Path, layout: LayoutName, summary: LakeSummary) -> Iterator[str]:
    """Several workers: the two staged stages over a spawned process pool."""
    staging = root / STAGING
    shutil.rmtree(staging, ignore_errors=True)
    threads = max(1, (os.cpu_count() or 1) // summary.workers)
    pool = ProcessPoolExecutor(
        max_workers=summary.workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=init_worker,
        initargs=(threads,),
    )
    try:
        with pool:
            sims = [
                pool.submit(_simulate_task, config, day, i, staging)
                for day in summary.days
                for i in range(config.listings)
            ]
            for future in sims:  # in submission order, so counts add up the same way every time
                summary.add(*future.result())
                yield "simulate"
            tasks = [(day, table, mic) for day in summary.days for table, mic in _partitions(config)]
            writes = [pool.submit(_write_task, config, d, t, m, staging, root, layout) for d, t, m in tasks]
            for (_, table, _), future in zip(tasks, writes, strict=True):
                summary.rows[table] = summary.rows.get(table, 0) + future.result()
                summary.files += 1
                yield "write"
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def write_lake(
    config: SynthConfig,
    out_dir: str | Path,
    layout: LayoutName = "bmll",
    workers: int | None = None,
    progress: ProgressCallback | None = None,
) -> LakeSummary:
    """Generate every trading day of ``config`` and write all tables under ``out_dir``.

    Writes, per date and MIC, trades, L2, L3, market state, reference and
    imbalance (empty on venues without auctions); CBBO under the primary MIC;
    with ``iceberg_rate`` > 0, the planted icebergs to ``_truth/icebergs.parquet``.
    Existing files of the same partitions are replaced.

    Args:
        config: What to generate.
        out_dir: Lake root (created if missing).
        layout: ``bmll`` (BMLL's own folders) or ``hive``.
        workers: Processes to use (default ``min(2, cpu count)``); 1 runs in this process.
        progress: Called after every finished task with the stage, tasks done and total.
    """
    started = time.perf_counter()
    root = Path(out_dir)
    root.mkdir(parents=True, exist_ok=True)
    summary = LakeSummary(
        root=root, layout=layout, days=config.trading_days(), workers=workers or default_workers()
    )
    totals = {
        "simulate": len(summary.days) * config.listings,
        "write": len(summary.days) * len(_partitions(config)),
    }
    done = dict.fromkeys(totals, 0)
    stages = _in_process if summary.workers <= 1 else _in_pool
    for stage in stages(config, root, layout, summary):
        done[stage] += 1
        if progress is not None:
            progress(stage, done[stage], totals[stage])
    if config.iceberg_rate > 0:
        write_truth(root, summary.icebergs)
    summary.seconds = time.perf_counter() - started
    return summary
