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
from functools import cached_property
from typing import Any

import polars as pl

from basalt.engine.batching import SymbolBatch
from basalt.engine.calendar import DateBatch, date_batches, trading_days_of
from basalt.engine.errors import ConfigError
from basalt.engine.executor import pass_keys
from basalt.engine.jobs import Job, Stage
from basalt.engine.panel import lookback_of
from basalt.engine.partition import Universe, plan_symbol_batches, universe_for
from basalt.engine.resolve import ResolvedPass, ResolvedPipeline
from basalt.engine.sizing import WorkerSizing, size_workers
from basalt.engine.state import StateStore, describe_state_source, is_stateful, state_modules, state_root
from basalt.plugins.pluginset import PluginSet

GATE_KEYS = frozenset({"quality"})
"""Pass keys that decide whether a batch is accepted, not what it writes: a resume may change them."""

EXECUTION_KEYS = frozenset(
    {
        "NUM_WORKERS",
        "MIN_ROWS_PER_WORKER",
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
    stateful: tuple[str, ...] = ()
    """Day passes carrying module state across days: their jobs of a shard run in date order."""
    workers: WorkerSizing = field(default_factory=lambda: WorkerSizing(1, None, "one (not sized)"))
    """Worker processes the run uses (``NUM_WORKERS`` at most, fewer for small work), and why."""

    @property
    def days(self) -> list[date]:
        """The run's trading days."""
        return sorted(self.universes)

    def task(self, job: Job) -> BatchTask:
        """The slice of the plan one worker needs for ``job`` (its days' universes, its shard's listings)."""
        universes = {d: self.universes[d] for d in job.batch.days}
        if job.shards > 1:
            mine = [i for i, shard in self._shard_of.items() if shard == job.shard]
            universes = {d: u.filter(pl.col("ListingId").is_in(mine)) for d, u in universes.items()}
        return BatchTask(self.config, self.plugins, universes, job)

    @cached_property
    def _shard_of(self) -> dict[int, int]:
        """Listing shard of every listing of the run: its rank among all of them, modulo the shards."""
        shards = max((job.shards for job in self.jobs), default=1)
        ids = sorted({i for u in self.universes.values() if u.height for i in u.get_column("ListingId")})
        return {listing: rank % shards for rank, listing in enumerate(ids)}

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
            "workers": {
                "count": self.workers.count,
                "estimated_rows": self.workers.estimated_rows,
                "reason": self.workers.reason,
            },
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
        "passes": [{k: v for k, v in p.items() if k not in GATE_KEYS} for p in relevant.pop("PASSES", [])],
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
    days = trading_days_of(config)
    universes = {day: universe_for(resolved, universe, day) for day in days}
    stateful = stateful_passes(resolved)
    shards = listing_shards(resolved) if stateful else 1
    workers = size_workers(resolved, universes, shards=shards if stateful else None)
    # A stateful run parallelises across listing shards; its date batches of a shard run in order.
    batches = date_batches(days, config.BATCH_FREQ, 1 if stateful else workers.count)
    stages = [s for s in Stage if any(p.scope == s.value for p in resolved.passes)]
    jobs = tuple(
        Job(batch, stage, shard, shards if stage is Stage.DAY else 1)
        for stage in stages
        for batch in batches
        for shard in range(shards if stage is Stage.DAY else 1)
    )
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
            "stateful": resolved_pass.name in stateful,
            "state": (
                state_source(resolved, resolved_pass, universes, days)
                if resolved_pass.name in stateful and estimate_symbol_batches
                else None
            ),
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
        stateful=tuple(stateful),
        workers=workers,
    )


def stateful_passes(resolved: ResolvedPipeline) -> list[str]:
    """Names of the day passes with a stateful module.

    Raises:
        ConfigError: A stateful module in a panel pass (which re-reads history instead),
            or in a pass not keyed by ``ListingId`` (state is one row per listing).
    """
    names, problems = [], []
    for resolved_pass in resolved.passes:
        if not is_stateful(resolved_pass):
            continue
        modules = [m.name for m in state_modules(resolved_pass)]
        if resolved_pass.scope == "panel":
            problems.append(
                f"pass {resolved_pass.name!r}: stateful module(s) {modules} cannot run in a panel pass "
                "(it re-reads history instead of carrying state): make it a day pass (scope: day)"
            )
        elif pass_keys(resolved_pass)[0] != "ListingId":
            problems.append(
                f"pass {resolved_pass.name!r}: stateful module(s) {modules} keep one state per listing, "
                f"but the pass is keyed by {pass_keys(resolved_pass)}"
            )
        else:
            try:
                state_root(resolved, resolved_pass)
            except ValueError as exc:
                problems.append(str(exc))
                continue
            names.append(resolved_pass.name)
    if problems:
        raise ConfigError(problems)
    return names


def listing_shards(resolved: ResolvedPipeline) -> int:
    """How many listing shards a stateful run's day jobs are cut into: one per worker.

    One when a day pass is keyed other than by listing (a shard could split its groups).
    """
    day_passes = [p for p in resolved.passes if p.scope == "day"]
    if any(pass_keys(p)[0] != "ListingId" for p in day_passes):
        return 1
    return resolved.config.NUM_WORKERS


def state_source(
    resolved: ResolvedPipeline,
    resolved_pass: ResolvedPass,
    universes: dict[date, pl.DataFrame],
    days: list[date],
) -> str:
    """Where a stateful pass's state at the run's first day comes from, in words (``--dry-run``)."""
    if not days:
        return "no trading days"
    try:
        root = state_root(resolved, resolved_pass)
    except ValueError as exc:
        return str(exc)
    stores = {
        m.name: StateStore(root, resolved.config.DATASETNAME, resolved_pass.name, m)
        for m in state_modules(resolved_pass)
    }
    first = universes[days[0]]
    ids = first.get_column("ListingId").to_list() if first.height else []
    warmup = getattr(resolved_pass.config, "warmup_start", None)
    text = f"{describe_state_source(stores, days[0], ids, warmup)}; stored in {root}"
    later = sorted({d for store in stores.values() for d in store.days() if d > days[-1]})
    if later:  # their states were computed from what this run will rewrite
        text += (
            f"; note: {len(later)} day(s) after END_DATE have stored state ({later[0]} … {later[-1]}), "
            "computed from the state this run rewrites: run them again after it"
        )
    return text


__all__ = [
    "BatchTask",
    "PlannedBatch",
    "RunPlan",
    "build_plan",
    "fingerprint_of",
    "listing_shards",
    "stateful_passes",
]
