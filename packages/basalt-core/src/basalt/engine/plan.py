"""The run plan: built once, in the parent, from the resolved pipeline; immutable; what runs.

    ResolvedPipeline ─► build_plan ─► RunPlan(config, plugin set, universe per day,
    jobs per stage, passes, fingerprint) ─► runner: plan.task(job) per worker ─►
    worker: PluginSet.build() + resolve(config) ─► run_partition / run_panel_partition

A worker, a Dagster op or a remote job receives its :class:`BatchTask` slice and
rebuilds exactly the parent's world from it — the same plugins (by name and
version, or importable reference), the same listings per day (so a
``get_universe`` defined in a Python pipeline works everywhere), the same
configuration — without reading the pipeline file again. Building the plan
reads no market data rows: only the reference table (the universe) and
Parquet footers (symbol-batch estimates for ``--dry-run``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

from basalt.engine.batching import SymbolBatch
from basalt.engine.calendar import DateBatch, date_batches, trading_days
from basalt.engine.jobs import Job, Stage
from basalt.engine.panel import lookback_of
from basalt.engine.partition import Universe, plan_symbol_batches, universe_for
from basalt.engine.resolve import ResolvedPipeline
from basalt.plugins.pluginset import PluginSet

EXECUTION_KEYS = frozenset(
    {
        "NUM_WORKERS",
        "BATCH_FREQ",
        "BATCH_TIMEOUT",
        "MAX_RETRIES",
        "TEMP_DIR",
        "LOGGING_LEVEL",
        "PREPARE_DATA_MODE",
        "MAX_ROWS_PER_TABLE",
        "WORKER_MEMORY_MB",
    }
)
"""Settings that change how a run executes but never what it writes (left out of its fingerprint)."""


@dataclass(frozen=True)
class PlannedBatch:
    """One date batch and the symbol batches of its first day (an estimate, for ``--dry-run``)."""

    batch: DateBatch
    listings: int
    symbol_batches: list[SymbolBatch]


@dataclass(frozen=True)
class BatchTask:
    """A worker's slice of the plan: everything it needs, as picklable data."""

    config: dict[str, Any]
    plugins: PluginSet
    universes: dict[date, pl.DataFrame]
    job: Job


@dataclass(frozen=True)
class RunPlan:
    """What a run will do, decided once; :meth:`task` slices it for a worker."""

    dataset: str
    config: dict[str, Any]
    """The resolved configuration (JSON form): what workers validate and resolve again."""
    plugins: PluginSet
    universes: dict[date, pl.DataFrame]
    """Each trading day's listings (empty frames for days with none)."""
    jobs: tuple[Job, ...]
    """Every job of the run, day stage first."""
    batches: list[PlannedBatch] = field(default_factory=list)
    passes: list[dict[str, Any]] = field(default_factory=list)
    fingerprint: dict[str, str] = field(default_factory=dict)
    """Digest of each thing that determines the output (see :func:`fingerprint_of`)."""

    @property
    def days(self) -> list[date]:
        """The run's trading days."""
        return sorted(self.universes)

    def task(self, job: Job) -> BatchTask:
        """The slice of the plan one worker needs for ``job`` (its days' universes only)."""
        return BatchTask(self.config, self.plugins, {d: self.universes[d] for d in job.batch.days}, job)

    def digest(self) -> str:
        """One hex digest of the whole fingerprint."""
        return _digest(self.fingerprint)

    def to_dict(self) -> dict[str, Any]:
        """JSON form (``--dry-run --json``)."""
        return {
            "dataset": self.dataset,
            "fingerprint": self.digest(),
            "plugins": self.plugins.describe(),
            "passes": self.passes,
            "jobs": [job.key for job in self.jobs],
            "date_batches": [
                {
                    "key": planned.batch.key,
                    "days": [d.isoformat() for d in planned.batch.days],
                    "listings": planned.listings,
                    "symbol_batches": [
                        {
                            "listings": len(s.listing_ids),
                            "mics": list(s.mics),
                            "estimated_rows": s.estimated_rows,
                        }
                        for s in planned.symbol_batches
                    ],
                }
                for planned in self.batches
            ],
        }


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def fingerprint_of(
    config: dict[str, Any], plugins: PluginSet, universes: dict[date, pl.DataFrame]
) -> dict[str, str]:
    """Digests of what determines a run's output, by part, so a mismatch can be named.

    Parts: the dates, the passes (modules, settings, buckets), each output target,
    the source, other output-relevant settings, the plugin set (names and versions),
    and the universe (every day's listing ids).
    """
    relevant = {k: v for k, v in config.items() if k not in EXECUTION_KEYS}
    parts: dict[str, Any] = {
        "dates": [relevant.pop("START_DATE", None), relevant.pop("END_DATE", None)],
        "passes": relevant.pop("PASSES", None),
        "output": relevant.pop("OUTPUT_TARGET", None),
        "source": relevant.pop("SOURCE", None),
        "plugins": plugins.to_dict(),
        "universe": {
            day.isoformat(): frame.get_column("ListingId").sort().to_list() if frame.height else []
            for day, frame in sorted(universes.items())
        },
    }
    parts["settings"] = relevant
    return {name: _digest(value) for name, value in parts.items()}


def build_plan(
    resolved: ResolvedPipeline,
    universe: Universe | None = None,
    *,
    plugins: PluginSet | None = None,
    estimate_symbol_batches: bool = True,
) -> RunPlan:
    """Plan a run of ``resolved``: plugin set, universe per day, jobs, passes and fingerprint.

    Args:
        resolved: The resolved pipeline (its manager gives the plugin set).
        universe: Listings to use instead of the pipeline's own (frame, callable or spec).
        plugins: The plugin set (default: the resolving manager's).
        estimate_symbol_batches: Read Parquet footers to show symbol batches (``--dry-run``).

    Raises:
        PluginShipError: A plugin registered in code cannot be loaded by a worker.
    """
    config = resolved.config
    if plugins is None:
        manager = resolved.manager
        if manager is None:
            from basalt.plugins.manager import get_plugin_manager

            manager = get_plugin_manager()
        plugins = manager.plugin_set()
    days = trading_days(config.START_DATE, config.END_DATE, exclude_weekends=config.EXCLUDE_WEEKENDS)
    universes = {day: universe_for(resolved, universe, day) for day in days}
    batches = date_batches(days, config.BATCH_FREQ, config.NUM_WORKERS)
    stages = [s for s in Stage if any(p.scope == s.value for p in resolved.passes)]
    jobs = tuple(Job(batch, stage) for stage in stages for batch in batches)
    planned = []
    if estimate_symbol_batches:
        for batch in batches:
            listings = universes[batch.start]
            symbol_batches = (
                plan_symbol_batches(resolved, listings, list(batch.days)) if listings.height else []
            )
            planned.append(PlannedBatch(batch, listings.height, symbol_batches))
    passes = [
        {
            "name": resolved_pass.name,
            "modules": [m.name for m in resolved_pass.modules],
            "inputs": sorted({str(ref) for m in resolved_pass.modules for ref in m.inputs.values()}),
            "time_bucket_seconds": resolved_pass.buckets.seconds,
            "timeline_mode": resolved_pass.config.timeline_mode,
            "scope": resolved_pass.scope,
            "lookback_days": lookback_of(resolved_pass) if resolved_pass.scope == "panel" else 0,
            "output": resolved_pass.output_location(config.DATASETNAME, config.START_DATE),
        }
        for resolved_pass in resolved.passes
    ]
    raw = config.model_dump(mode="json")
    return RunPlan(
        dataset=config.DATASETNAME,
        config=raw,
        plugins=plugins,
        universes=universes,
        jobs=jobs,
        batches=planned,
        passes=passes,
        fingerprint=fingerprint_of(raw, plugins, universes),
    )


__all__ = ["BatchTask", "PlannedBatch", "RunPlan", "build_plan", "fingerprint_of"]
