"""The assets: one per pass, materialised through Basalt's own unit of work.

Day passes of a pipeline run together — a pass reading ``pass:bars`` reads the
bars of the same day and symbol batch from memory — so they form one Dagster
multi-asset (one asset per pass, dependencies following ``module_inputs``),
whose step calls :func:`basalt.run_partition` for exactly one trading date and
one universe. Panel passes form a second multi-asset whose step calls
:func:`basalt.run_panel_partition` for that date; it depends on the day passes'
assets of the date and of the ``lookback_days`` trading days before it.

Each step records per pass: rows written, where (writer and location), the
Dagster run id, days and symbol batches, duration and peak memory; the asset
checks (rows > 0, no duplicate keys, null rates) read back what was written.
"""

# No `from __future__ import annotations`: Dagster reads the step's `context` annotation at runtime.
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import dagster as dg
import polars as pl
from dagster import AssetExecutionContext

from basalt import UniverseSpec, run_panel_partition, run_partition
from basalt.engine import ResolvedPipeline, load_pipeline
from basalt.engine.resolve import resolve  # `basalt.engine.resolve` is also the submodule's name
from basalt.universe import resolve_universe
from basalt.writers.base import OutputPartition
from basalt_dagster.partitions import DATE_DIMENSION, UNIVERSE_DIMENSION, lookback_mapping
from basalt_dagster.pipeline import BasaltProject, PassInfo

IO_MANAGER_KEY = "basalt_io_manager"
"""Resource key of :class:`basalt_dagster.io.BasaltIOManager`, the loader of every Basalt asset."""


class PassFailedError(RuntimeError):
    """A Basalt pass raised while Dagster materialised it; names the pass, date and universe."""


@dataclass(frozen=True)
class AssetLayout:
    """How passes become asset keys, partitions and checks."""

    project: BasaltProject
    key_prefix: tuple[str, ...]
    days: list[date]
    universes: dict[str, UniverseSpec]
    max_null_rate: float
    group_name: str
    op_tags: dict[str, Any] | None = None
    """Tags of both steps (e.g. ``dagster-k8s/config`` resources for the Kubernetes executor)."""

    def key(self, pass_name: str) -> dg.AssetKey:
        """The asset key of a pass: ``prefix/pass``."""
        return dg.AssetKey([*self.key_prefix, pass_name])


def _spec(layout: AssetLayout, info: PassInfo, partitions: dg.PartitionsDefinition) -> dg.AssetSpec:
    scope_of = {p.name: p.scope for p in layout.project.passes}
    deps = []
    for name in info.reads:
        mapping = None
        if info.scope == "panel" and scope_of[name] == "day" and info.lookback_days:
            mapping = lookback_mapping(layout.days, info.lookback_days)
        deps.append(dg.AssetDep(layout.key(name), partition_mapping=mapping))
    return dg.AssetSpec(
        key=layout.key(info.name),
        deps=deps,
        description=f"Basalt {info.scope} pass {info.name!r} of {layout.project.dataset} → {info.output}",
        group_name=layout.group_name,
        kinds={"basalt", "polars"},
        partitions_def=partitions,
        metadata={
            "basalt/pass": info.name,
            "basalt/scope": info.scope,
            "basalt/output": info.output,
            "basalt/keys": ",".join(info.keys),
            "basalt/lookback_days": info.lookback_days,
        },
    ).with_io_manager_key(IO_MANAGER_KEY)


def _check_specs(layout: AssetLayout, info: PassInfo) -> list[dg.AssetCheckSpec]:
    key = layout.key(info.name)
    return [
        dg.AssetCheckSpec("rows_written", asset=key, description="The partition wrote at least one row."),
        dg.AssetCheckSpec(
            "unique_keys",
            asset=key,
            description=f"No two rows share the key columns ({', '.join(info.keys)}, Date).",
        ),
        dg.AssetCheckSpec(
            "null_rates",
            asset=key,
            description=f"No output column is null in more than {layout.max_null_rate:.0%} of the rows.",
        ),
    ]


def partition_of(context: dg.AssetExecutionContext) -> tuple[date, str]:
    """The trading date and universe name of the step's partition."""
    key = context.partition_key
    if isinstance(key, dg.MultiPartitionKey):
        keys = key.keys_by_dimension
        return date.fromisoformat(keys[DATE_DIMENSION]), keys[UNIVERSE_DIMENSION]
    # A run launched by tag (a backfill, a run launcher) holds the string form: dimensions by name.
    day, _, universe = str(key).partition("|")
    return date.fromisoformat(day), universe


def written_rows(
    resolved: ResolvedPipeline, pass_name: str, day: date, listings: pl.DataFrame
) -> pl.DataFrame:
    """What ``pass_name`` stored for ``day`` (the universe's listings only, when keyed by listing)."""
    resolved_pass = next(p for p in resolved.passes if p.name == pass_name)
    like = OutputPartition(resolved.config.DATASETNAME, pass_name, day, ())
    frame = resolved_pass.writer.read_days(like, day, day)
    if "ListingId" in frame.columns:
        frame = frame.filter(pl.col("ListingId").is_in(listings.get_column("ListingId").to_list()))
    return frame


def check_results(layout: AssetLayout, info: PassInfo, frame: pl.DataFrame) -> Iterator[dg.AssetCheckResult]:
    """The three checks of one pass over one partition's stored rows."""
    key = layout.key(info.name)
    yield dg.AssetCheckResult(
        asset_key=key, check_name="rows_written", passed=frame.height > 0, metadata={"rows": frame.height}
    )
    keys = [c for c in (*info.keys, "Date") if c in frame.columns]
    duplicates = frame.height - frame.select(keys).unique().height if keys and frame.height else 0
    yield dg.AssetCheckResult(
        asset_key=key,
        check_name="unique_keys",
        passed=duplicates == 0,
        metadata={"duplicate_rows": duplicates, "key_columns": ",".join(keys)},
    )
    rates = {c: s for c, s in frame.null_count().row(0, named=True).items()} if frame.height else {}
    rates = {c: n / frame.height for c, n in rates.items()}
    worst = max(rates.items(), key=lambda item: item[1], default=("", 0.0))
    too_null = sorted(c for c, r in rates.items() if r > layout.max_null_rate)
    yield dg.AssetCheckResult(
        asset_key=key,
        check_name="null_rates",
        passed=not too_null,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "max_null_rate": layout.max_null_rate,
            "worst_column": worst[0],
            "worst_null_rate": float(worst[1]),
            "columns_over_limit": ",".join(too_null),
        },
    )


def _uri(location: str) -> dg.MetadataValue:
    """A local path as a path, anything else (``sqlite:///…``, ``s3://…``) as a URL."""
    return dg.MetadataValue.url(location) if "://" in location else dg.MetadataValue.path(location)


def _run(
    layout: AssetLayout,
    context: dg.AssetExecutionContext,
    infos: list[PassInfo],
    runner: Callable[..., Any],
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    """Run ``runner`` (run_partition or run_panel_partition) for the step's partition; report per pass."""
    project = layout.project
    day, universe_name = partition_of(context)
    spec = layout.universes[universe_name]
    manager = project.plugins.build()
    pipeline = load_pipeline(data=project.config)
    default = pipeline.config.UNIVERSE
    universe: Any = spec
    if project.get_universe is not None and spec == default:
        universe = {day: project.get_universe(day)}  # a Python pipeline's own get_universe(date)
    current: dict[str, str] = {}

    def on_event(event: str, fields: dict[str, Any]) -> None:
        if event == "pass_started":
            current["pass"] = str(fields.get("pass"))
        if event == "pass_finished":
            context.log.info(
                f"basalt: pass {fields.get('pass')} {fields.get('day')}: {fields.get('rows')} rows"
            )

    began = time.perf_counter()
    try:
        result = runner(pipeline, universe, day, day, plugins=manager, on_event=on_event)
    except Exception as exc:
        where = f"pass {current['pass']!r}" if "pass" in current else "before any pass started"
        raise PassFailedError(
            f"Basalt {where} of {project.dataset} failed for date={day} universe={universe_name}: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    seconds = time.perf_counter() - began
    resolved = resolve(pipeline, manager)
    listings = universe[day] if isinstance(universe, dict) else resolve_universe(spec, day, resolved.source)
    for info in infos:
        resolved_pass = next(p for p in resolved.passes if p.name == info.name)
        partition = OutputPartition(
            project.dataset, info.name, day, (), universe=spec.describe(), start_date=day, end_date=day
        )
        yield dg.MaterializeResult(
            asset_key=layout.key(info.name),
            metadata={
                "rows": dg.MetadataValue.int(int(result.rows.get(info.name, 0))),
                "writer": resolved_pass.writer.NAME,
                "output_uri": _uri(resolved_pass.writer.location(partition)),
                "dagster_run_id": context.run.run_id,
                "trading_days": len(result.days),
                "symbol_batches": result.symbol_batches,
                "listings": listings.height,
                "duration_s": dg.MetadataValue.float(round(seconds, 4)),
                "peak_rss_mb": dg.MetadataValue.float(round(result.peak_rss_mb, 1)),
                "plugins": ", ".join(project.plugins.describe()),
            },
        )
        yield from check_results(layout, info, written_rows(resolved, info.name, day, listings))


def _step(
    layout: AssetLayout, infos: list[PassInfo], runner: Callable[..., Any]
) -> Callable[[dg.AssetExecutionContext], Iterator[dg.MaterializeResult | dg.AssetCheckResult]]:
    def step(context: AssetExecutionContext) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
        yield from _run(layout, context, infos, runner)

    return step


def build_assets(layout: AssetLayout, partitions: dg.PartitionsDefinition) -> list[dg.AssetsDefinition]:
    """The day multi-asset and, when the pipeline has panel passes, the panel multi-asset."""
    assets = []
    for scope, runner in (("day", run_partition), ("panel", run_panel_partition)):
        infos = [p for p in layout.project.passes if p.scope == scope]
        if not infos:
            continue
        name = "__".join([*layout.key_prefix, f"{scope}_passes"]).replace("-", "_")

        step = _step(layout, infos, runner)
        step.__name__ = name
        assets.append(
            dg.multi_asset(
                name=name,
                specs=[_spec(layout, info, partitions) for info in infos],
                check_specs=[c for info in infos for c in _check_specs(layout, info)],
                can_subset=False,
                partitions_def=partitions,
                op_tags=layout.op_tags,
                description=f"Basalt {scope} passes of {layout.project.dataset}: "
                + ", ".join(i.name for i in infos),
            )(step)
        )
    return assets


__all__ = ["IO_MANAGER_KEY", "AssetLayout", "PassFailedError", "build_assets", "partition_of"]
