"""The unit of work: one universe × one date range, computed and written.

``run_partition`` is what ``basalt pipeline run`` calls for every date batch
(inside a worker process) and what an orchestrator such as Dagster calls per
partition. It knows nothing of the CLI, processes or the run ledger::

    universe (per day) ─► symbol batches (Parquet row counts) ─► per batch:
    load tables (naive scans | shredded files) ─► passes 1..n ─► writers
"""

from __future__ import annotations

import contextlib
import resource
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from basalt.engine.batching import SymbolBatch, instrument_order, pack_symbol_batches, per_listing_rows
from basalt.engine.calendar import trading_days
from basalt.engine.config import AnalyticsConfig
from basalt.engine.errors import ConfigError
from basalt.engine.loader import Pipeline, load_pipeline
from basalt.engine.passes import pass_keys, run_pass
from basalt.engine.prepare import Shredder, naive_loader
from basalt.engine.quality import check_quality
from basalt.engine.resolve import ResolvedPass, ResolvedPipeline, resolve
from basalt.engine.scratch import scratch_folder
from basalt.engine.state import PassStates, is_stateful
from basalt.plugins.manager import PluginManager, get_plugin_manager
from basalt.plugins.pluginset import PluginSet
from basalt.universe import GetUniverse, UniverseSpec, reference_for, resolve_universe
from basalt.writers.base import OutputPartition

Universe = UniverseSpec | GetUniverse | pl.DataFrame | Mapping[date, pl.DataFrame]
"""Listings to run: one frame for every day, ``get_universe(date)``, a spec, or a frame per day."""
Plugins = PluginSet | PluginManager | None
"""The plugins a partition runs with: a run plan's set, a manager, or None for the installed ones."""
EventSink = Callable[[str, dict[str, Any]], None]


@dataclass
class PartitionResult:
    """What one partition computed and wrote."""

    start: date
    end: date
    days: list[date] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    """Rows written per pass."""
    symbol_batches: int = 0
    seconds: float = 0.0
    peak_rss_mb: float = 0.0


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def universe_for(resolved: ResolvedPipeline, universe: Universe | None, day: date) -> pl.DataFrame:
    """The listings of ``day``: a given frame, a frame per day, a callable, a spec, or the pipeline's own."""
    if isinstance(universe, pl.DataFrame):
        return universe
    if isinstance(universe, Mapping):
        found = universe.get(day)
        return found if found is not None else pl.DataFrame(schema={"ListingId": pl.Int64, "MIC": pl.String})
    chosen = universe or resolved.pipeline.get_universe or resolved.config.UNIVERSE
    return resolve_universe(chosen, day, resolved.source)


def file_rows(resolved: ResolvedPipeline, mics: list[str], days: list[date]) -> dict[tuple[str, str], int]:
    """(table, MIC) → rows in the files of ``days`` of every table the run loads, from Parquet footers."""
    source = resolved.source
    return {
        (name, mic): sum(source.row_count(table, mic, day) for day in days)
        for name, table in resolved.tables.items()
        for mic in mics
    }


def reference_counts(resolved: ResolvedPipeline, day: date, mics: list[str]) -> dict[str, int]:
    """MIC → listings the reference knows on ``day`` (what a MIC's file rows are spread over)."""
    return {mic: reference_for(resolved.source, day, [mic]).height for mic in mics}


def plan_symbol_batches(
    resolved: ResolvedPipeline, listings: pl.DataFrame, days: list[date], *, exact: bool = True
) -> list[SymbolBatch]:
    """Symbol batches for ``days`` from Parquet row counts (no data rows read).

    ``exact=False`` (a run's day, where only the listings of each batch matter): when every
    table's files hold at most ``MAX_ROWS_PER_TABLE`` rows, all the listings make one batch
    without reading the reference to spread the rows over them (its ``estimated_rows`` are
    then the files' totals, an upper bound). No batch can then hold more rows than the limit,
    so one is right; the exact plan gives the same one (the same listings, in the same order)
    whenever it counts every listing of the universe in the reference. ~5 ms a day less.
    """
    mics = sorted(set(listings["MIC"].to_list()))
    rows = file_rows(resolved, mics, days)
    limit = resolved.config.MAX_ROWS_PER_TABLE
    if not exact and mics:
        totals = {name: sum(rows[(name, mic)] for mic in mics) for name in resolved.tables}
        if all(total <= limit for total in totals.values()):
            return [SymbolBatch(0, tuple(instrument_order(listings)), tuple(mics), totals)]
    counts = reference_counts(resolved, days[0], mics)
    return pack_symbol_batches(listings, per_listing_rows(rows, counts), limit)


PipelineLike = ResolvedPipeline | Pipeline | AnalyticsConfig | Mapping[str, Any] | Path | str


def manager_of(plugins: Plugins) -> PluginManager:
    """The manager for ``plugins``: rebuilt from a plan's set, as given, or the installed plugins."""
    if isinstance(plugins, PluginSet):
        return plugins.build()
    return plugins or get_plugin_manager()


def as_resolved(pipeline: PipelineLike, plugins: Plugins = None) -> ResolvedPipeline:
    """Accept a resolved pipeline, a loaded one, a config, a raw mapping or a pipeline file path.

    A resolved pipeline is used as it is (it was resolved with its own plugins);
    anything else is resolved with ``plugins``.
    """
    if isinstance(pipeline, ResolvedPipeline):
        return pipeline
    if isinstance(pipeline, AnalyticsConfig):
        pipeline = Pipeline(config=pipeline)
    elif isinstance(pipeline, (str, Path)):
        pipeline = load_pipeline(Path(pipeline))
    elif isinstance(pipeline, Mapping):
        pipeline = load_pipeline(data=pipeline)
    return resolve(pipeline, manager_of(plugins))


def run_partition(
    pipeline: PipelineLike,
    universe: Universe | None,
    start: date,
    end: date,
    *,
    plugins: Plugins = None,
    limit_rows: int | None = None,
    on_event: EventSink | None = None,
) -> PartitionResult:
    """Compute every day pass for ``universe`` over the trading days in ``[start, end]`` and write them.

    Days run one at a time, so memory is bounded by one day of one symbol batch.
    Panel passes (``scope: panel``) are left to :func:`basalt.engine.panel.run_panel_partition`,
    which reads what this wrote.
    Each (pass, day, symbol batch) is written atomically by the pass's writer,
    replacing exactly what an earlier run wrote for it.

    Args:
        pipeline: The pipeline: resolved (:func:`basalt.engine.resolve.resolve`), loaded,
            an :class:`AnalyticsConfig`, a raw mapping or a pipeline file path.
        universe: A frame of listings, a frame per date (a run plan's), ``get_universe(date)``,
            a :class:`UniverseSpec`, or None for the pipeline's own.
        start: First date (inclusive).
        end: Last date (inclusive).
        plugins: The plugin set to resolve with: a run plan's :class:`PluginSet`, a
            :class:`PluginManager`, or None for the installed plugins (ignored when
            ``pipeline`` is already resolved).
        limit_rows: Read at most this many rows per table and batch (smoke runs).
        on_event: Called with ``(event, fields)`` at pass and day boundaries.
    """
    resolved = as_resolved(pipeline, plugins)
    config = resolved.config
    emit = on_event or (lambda event, fields: None)
    result = PartitionResult(start=start, end=end)
    began = time.perf_counter()
    # Panel passes run later, over every day's stored output (basalt.engine.panel).
    day_passes = [p for p in resolved.passes if p.scope == "day"]
    days = trading_days(start, end, exclude_weekends=config.EXCLUDE_WEEKENDS) if day_passes else []
    # Stateful passes carry each listing's state from day to day (basalt.engine.state).
    states = {p.name: PassStates(resolved, p) for p in day_passes if is_stateful(p)}
    warmup = warmup_days(resolved, universe, states, days)
    lock = next(iter(states.values())).lock if states else None
    if states and days:  # where each stateful pass starts from, for the ledger
        first = universe_for(resolved, universe, days[0])
        first_ids = first.get_column("ListingId").to_list() if first.height else []
        for name, pass_states in states.items():
            stored = pass_states.stored_before(days[0], first_ids)
            emit(
                "state_loaded",
                {"pass": name, "day": days[0].isoformat(), "stored": stored and stored.isoformat()},
            )
    if warmup:
        emit("warmup_started", {"first": warmup[0].isoformat(), "days": len(warmup)})
    for day in [*warmup, *days]:
        warming = day < start
        listings = universe_for(resolved, universe, days[0] if warming else day)
        if listings.height == 0:
            emit("day_skipped", {"day": day.isoformat(), "reason": "empty universe"})
            continue
        batches = plan_symbol_batches(resolved, listings, [day], exact=False)
        if len(batches) > 1:
            refuse_cross_batch_groups(day_passes, day, len(batches))
        if not warming:
            result.days.append(day)
            result.symbol_batches += len(batches)
        with scratch_folder(config, day, batches, resolved.tables) as workdir:  # kept if the day fails
            shredder = None
            if config.PREPARE_DATA_MODE == "shredding":
                shredder = Shredder(resolved.source, resolved.tables, Path(workdir))
                shredder.shred(day, batches)
            for batch in batches:
                load = (
                    shredder.loader(batch, limit_rows=limit_rows)
                    if shredder
                    else naive_loader(resolved.source, resolved.tables, day, batch, limit_rows=limit_rows)
                )
                context: dict[str, pl.DataFrame] = {}
                for resolved_pass in day_passes:
                    emit(
                        "pass_started",
                        {"pass": resolved_pass.name, "day": day.isoformat(), "symbol_batch": batch.index},
                    )
                    t0 = time.perf_counter()
                    carried = states.get(resolved_pass.name)
                    new_states: dict[str, pl.DataFrame] = {}
                    output = run_pass(
                        resolved_pass,
                        day,
                        list(batch.listing_ids),
                        load,
                        context,
                        states=carried.before(day, batch.listing_ids) if carried else None,
                        new_states=new_states,
                    )
                    context[resolved_pass.name] = output
                    if warming:  # warm-up: only the state goes on, nothing is written
                        if carried:
                            carried.after(day, batch.listing_ids, new_states, store=False)
                        continue
                    key = pass_keys(resolved_pass)[0]
                    ids = (
                        batch.listing_ids
                        if key == "ListingId"
                        else tuple(sorted(output.get_column(key).drop_nulls().unique().to_list()))
                    )
                    partition = OutputPartition(
                        dataset=config.DATASETNAME,
                        pass_name=resolved_pass.name,
                        day=day,
                        listing_ids=ids,
                        key_column=key,
                        universe=universe_label(universe, config.UNIVERSE),
                        start_date=start,
                        end_date=end,
                    )
                    check_quality(resolved_pass, config.DATASETNAME, output, day, batch, emit)
                    # Listing shards of a stateful run write the same day folders: one at a time.
                    with lock(day) if lock else contextlib.nullcontext():
                        written = resolved_pass.writer.write(output, partition)
                        if carried:  # after the output: the stored state is the day's commit
                            carried.after(day, batch.listing_ids, new_states, store=True)
                    result.rows[resolved_pass.name] = result.rows.get(resolved_pass.name, 0) + written
                    emit(
                        "pass_finished",
                        {
                            "pass": resolved_pass.name,
                            "day": day.isoformat(),
                            "symbol_batch": batch.index,
                            "rows": written,
                            "seconds": round(time.perf_counter() - t0, 4),
                        },
                    )
    result.seconds = time.perf_counter() - began
    result.peak_rss_mb = peak_rss_mb()
    return result


BATCH_ALIGNED_KEYS = ("ListingId", "InstrumentId")
"""Keys a day pass may group by: symbol batches never split a listing or an instrument."""


def refuse_cross_batch_groups(day_passes: list[ResolvedPass], day: date, batch_count: int) -> None:
    """Refuse day passes whose groups can span symbol batches (e.g. by MIC): they would come out
    as one partial row per batch, each replacing the other's.

    Raises:
        ConfigError: Naming each such pass, its keys, and what to do.
    """
    problems = [
        f"pass {resolved_pass.name!r} (scope: day) groups by "
        f"{pass_keys(resolved_pass)}, and {day} is computed in {batch_count} symbol batches, so each "
        "group would be split into partial rows; make it a panel pass (scope: panel), which sees the "
        "whole universe, or raise MAX_ROWS_PER_TABLE so a day fits one batch"
        for resolved_pass in day_passes
        if pass_keys(resolved_pass)[0] not in BATCH_ALIGNED_KEYS
    ]
    if problems:
        raise ConfigError(problems)


def warmup_days(
    resolved: ResolvedPipeline, universe: Universe | None, states: Mapping[str, PassStates], days: list[date]
) -> list[date]:
    """Trading days to compute (and not write) before ``days[0]`` so stateful passes start warm.

    From the earliest ``warmup_start`` of a stateful pass that has no state stored
    before ``days[0]`` for any listing of that day; none when every such pass has.
    """
    if not states or not days:
        return []
    listings = universe_for(resolved, universe, days[0])
    ids = listings.get_column("ListingId").to_list() if listings.height else []
    starts = [
        warmup
        for resolved_pass in resolved.passes
        if resolved_pass.name in states
        and (warmup := getattr(resolved_pass.config, "warmup_start", None)) is not None
        and warmup < days[0]
        and not states[resolved_pass.name].has_stored_before(days[0], ids)
    ]
    if not starts:
        return []
    return trading_days(
        min(starts), days[0] - timedelta(days=1), exclude_weekends=resolved.config.EXCLUDE_WEEKENDS
    )


def universe_label(universe: Universe | None, default: UniverseSpec) -> str:
    """The ``{universe}`` value of output path templates."""
    if isinstance(universe, UniverseSpec):
        return universe.describe()
    if universe is None or isinstance(universe, Mapping):  # a plan's frames resolve the pipeline's own
        return default.describe()
    return "custom"


__all__ = ["PartitionResult", "Plugins", "Universe", "as_resolved", "manager_of", "run_partition"]
