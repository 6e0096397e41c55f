"""``build_definitions``: a Basalt pipeline as Dagster definitions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

import dagster as dg

from basalt import PluginManager, PluginSet
from basalt_dagster.assets import IO_MANAGER_KEY, AssetLayout, build_assets
from basalt_dagster.io import BasaltIOManager
from basalt_dagster.partitions import UniversesInput, named_universes, partitions_def, trading_calendar
from basalt_dagster.pipeline import PipelineInput, load_project


def build_definitions(
    pipeline: PipelineInput,
    *,
    universes: UniversesInput = None,
    key_prefix: str | Sequence[str] | None = None,
    holidays: Iterable[date | str] = (),
    plugins: PluginSet | PluginManager | None = None,
    max_null_rate: float = 0.9,
    group_name: str | None = None,
    schedules: Sequence[Mapping[str, Any]] | None = None,
    sensor: bool = True,
    executor: dg.ExecutorDefinition | None = None,
    op_tags: Mapping[str, Any] | None = None,
    assets: Sequence[Any] = (),
    resources: Mapping[str, Any] | None = None,
) -> dg.Definitions:
    """Dagster definitions for a Basalt pipeline: one partitioned asset per pass.

    Besides the assets: the job ``{prefix}__job`` materialising all of them (what
    schedules and backfills run), the IO manager ``basalt_io_manager``, the
    pipeline's schedules and, with ``sensor=True``, the input sources and their sensor.

    Args:
        pipeline: A pipeline file (YAML or Python), a mapping, an ``AnalyticsConfig`` or a
            loaded pipeline. A YAML file may hold a ``SCHEDULES`` section (see
            :mod:`basalt_dagster.schedules`), which Basalt itself ignores.
        universes: Universe partitions: ``{name: UniverseSpec | "mic=XLON" | {...}}``, a list
            of selections (named by their description), or None for the pipeline's ``UNIVERSE``.
        key_prefix: Asset key prefix (default ``["basalt", DATASETNAME]``).
        holidays: Dates the market is closed (left out of the date partitions).
        plugins: The plugin set every step rebuilds (default: the installed plugins, taken now).
        max_null_rate: The ``null_rates`` check warns when a column is null in more rows than this.
        group_name: Asset group (default: the dataset name).
        schedules: Schedules (the ``SCHEDULES`` section's form); default: the file's section.
        sensor: Add the sensor requesting partitions whose input files appeared.
        executor: Dagster executor (default: Dagster's multiprocess executor).
        op_tags: Tags of the Basalt steps, e.g. ``{"dagster-k8s/config": {...}}`` (pod resources).
        assets: More assets (e.g. downstream assets loading Basalt outputs) to include.
        resources: More resources.

    Raises:
        basalt.engine.ConfigError: The pipeline is invalid (the message names the key and pass).
    """
    project = load_project(pipeline, plugins=plugins)
    prefix = (
        (key_prefix,) if isinstance(key_prefix, str) else tuple(key_prefix or ("basalt", project.dataset))
    )
    days = trading_calendar(project.start, project.end, holidays)
    if not days:
        raise ValueError(
            f"{project.dataset}: no trading day between START_DATE {project.start} and END_DATE "
            f"{project.end} (weekdays minus holidays)"
        )
    default = load_universe_default(project.config)
    named = named_universes(universes, default)
    partitions = partitions_def(days, named)
    layout = AssetLayout(
        project=project,
        key_prefix=prefix,
        days=days,
        universes=named,
        max_null_rate=max_null_rate,
        group_name=group_name or project.dataset.replace("-", "_"),
        op_tags=dict(op_tags) if op_tags else None,
    )
    basalt_assets = build_assets(layout, partitions)
    all_assets: list[Any] = [*basalt_assets, *assets]
    extra: dict[str, Any] = {}
    from basalt_dagster.schedules import build_schedules, job_for

    job = job_for(layout, basalt_assets)
    built_schedules = build_schedules(layout, job, schedules or project.sections.get("SCHEDULES"))
    sensors: list[Any] = []
    if sensor:
        from basalt_dagster.sources import build_sources

        sources, input_sensor = build_sources(layout, job)
        all_assets += sources
        sensors.append(input_sensor)
    if executor is not None:
        extra["executor"] = executor
    return dg.Definitions(
        assets=all_assets,
        jobs=[job],
        schedules=built_schedules,
        sensors=sensors,
        resources={
            IO_MANAGER_KEY: dg.IOManagerDefinition.hardcoded_io_manager(
                BasaltIOManager(project, named, days)
            ),
            **(resources or {}),
        },
        **extra,
    )


def load_universe_default(config: Mapping[str, Any]) -> Any:
    """The pipeline's own ``UNIVERSE`` as a :class:`~basalt.UniverseSpec`."""
    from basalt import UniverseSpec

    return UniverseSpec.model_validate(config.get("UNIVERSE") or {})


__all__ = ["build_definitions"]
