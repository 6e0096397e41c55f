"""Observable source assets for the input tables, and a sensor requesting partitions whose inputs appeared.

One observable source asset per table the passes read (``prefix/source/<table>``),
partitioned by trading date: an observation lists, through the pipeline's
:class:`~basalt.sources.base.Source`, the table's files of every MIC the universes
cover, and records a data version per date (a digest of the files and their row
counts, from Parquet footers — no data rows are read); dates without files have
no version.

The sensor (``prefix__inputs_sensor``, stopped by default) requests a run of the
pipeline's job for every (date, universe) whose every input table has files; its
run key holds the inputs' digest, so a partition runs again only when its inputs
change (Dagster skips run keys it has seen).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date
from typing import Any

import dagster as dg

from basalt.engine import ResolvedPipeline
from basalt_dagster.assets import AssetLayout
from basalt_dagster.partitions import DATE_DIMENSION, UNIVERSE_DIMENSION


def covered_mics(layout: AssetLayout, resolved: ResolvedPipeline, table: str) -> list[str]:
    """MICs whose files the universes read: theirs when every universe names MICs, else the source's."""
    specs = list(layout.universes.values())
    if specs and all(spec.mic for spec in specs):
        return sorted({mic for spec in specs for mic in spec.mic or []})
    return sorted(resolved.source.mics(resolved.tables[table]))


def table_digest(layout: AssetLayout, resolved: ResolvedPipeline, table: str, day: date) -> str | None:
    """A digest of ``table``'s files of ``day`` (paths and row counts); None when there are none."""
    kind = resolved.tables[table]
    parts = []
    for mic in covered_mics(layout, resolved, table):
        for path in sorted(resolved.source.files(kind, mic, day)):
            parts.append(f"{path}:{resolved.source.row_count_of(path)}")
    if not parts:
        return None
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def inputs_digest(layout: AssetLayout, resolved: ResolvedPipeline, day: date) -> str | None:
    """One digest of every input table of ``day``; None when any table has no file."""
    digests = [table_digest(layout, resolved, table, day) for table in layout.project.tables]
    if not digests or any(d is None for d in digests):
        return None
    return hashlib.sha256("".join(d or "" for d in digests).encode()).hexdigest()[:16]


def _observer(layout: AssetLayout, table: str, partitions: dg.PartitionsDefinition) -> Any:
    @dg.observable_source_asset(
        key=dg.AssetKey([*layout.key_prefix, "source", table]),
        partitions_def=partitions,
        group_name=layout.group_name,
        description=f"Input table {table!r} of {layout.project.dataset} by trading date (files, rows).",
    )
    def observe() -> dg.DataVersionsByPartition:
        resolved = layout.project.resolved()
        versions = {}
        for day in layout.days:
            digest = table_digest(layout, resolved, table, day)
            if digest is not None:
                versions[day.isoformat()] = dg.DataVersion(digest)
        return dg.DataVersionsByPartition(versions)

    return observe


def build_sources(layout: AssetLayout, job: dg.UnresolvedAssetJobDefinition) -> tuple[list[Any], Any]:
    """The observable source assets of the input tables and the inputs sensor running ``job``."""
    partitions = dg.StaticPartitionsDefinition([d.isoformat() for d in layout.days])
    sources = [_observer(layout, table, partitions) for table in layout.project.tables]
    name = "__".join([*layout.key_prefix, "inputs_sensor"]).replace("-", "_")

    @dg.sensor(
        name=name, job=job, minimum_interval_seconds=300, default_status=dg.DefaultSensorStatus.STOPPED
    )
    def inputs_sensor(context: dg.SensorEvaluationContext) -> Iterator[dg.RunRequest | dg.SkipReason]:
        resolved = layout.project.resolved()
        requested = 0
        for day in layout.days:
            digest = inputs_digest(layout, resolved, day)
            if digest is None:
                continue
            for universe in layout.universes:
                key = dg.MultiPartitionKey({DATE_DIMENSION: day.isoformat(), UNIVERSE_DIMENSION: universe})
                requested += 1
                yield dg.RunRequest(run_key=f"{key}:{digest}", partition_key=key)
        if not requested:
            yield dg.SkipReason(f"no trading date of {layout.project.dataset} has every input table yet")

    return sources, inputs_sensor


__all__ = ["build_sources", "inputs_digest", "table_digest"]
