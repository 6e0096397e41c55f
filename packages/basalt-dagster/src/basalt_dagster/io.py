"""An IO manager over Basalt's writers: downstream assets load a pass's output as a Polars LazyFrame.

Basalt's steps write through the pass's own writer (Parquet, Delta, SQL…), so
this manager stores nothing (``handle_output`` only accepts the ``None`` a
:class:`dagster.MaterializeResult` step hands it). ``load_input`` reads, through
the writer's public :meth:`~basalt.OutputWriter.read_days`, the dates of the
upstream partitions the downstream asset depends on (all of the pipeline's dates
for an unpartitioned downstream asset), keeps the universes' listings, and
returns the rows as a :class:`polars.LazyFrame` sorted by listing, date and bucket.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import dagster as dg
import polars as pl

from basalt import UniverseSpec
from basalt.engine import ResolvedPipeline
from basalt.universe import resolve_universe
from basalt.writers.base import OutputPartition
from basalt_dagster.partitions import DATE_DIMENSION, UNIVERSE_DIMENSION
from basalt_dagster.pipeline import BasaltProject


class BasaltIOManager(dg.IOManager):
    """Loads Basalt pass outputs (asset key ``prefix/pass``) as Polars LazyFrames."""

    def __init__(self, project: BasaltProject, universes: dict[str, UniverseSpec], days: list[date]) -> None:
        self.project = project
        self.universes = universes
        self.days = days
        self._resolved: ResolvedPipeline | None = None

    @property
    def resolved(self) -> ResolvedPipeline:
        """The pipeline, resolved once per process with the project's plugin set."""
        if self._resolved is None:
            self._resolved = self.project.resolved()
        return self._resolved

    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        """Basalt already wrote the rows; anything but ``None`` is a misuse."""
        if obj is not None:
            raise TypeError(
                f"{context.asset_key.to_user_string()} is written by Basalt's writers; "
                "the basalt IO manager only loads Basalt pass outputs"
            )

    def _partitions(self, context: dg.InputContext) -> tuple[list[date], list[str]]:
        if not context.has_asset_partitions:
            return self.days, list(self.universes)
        days: set[date] = set()
        names: set[str] = set()
        for key in context.asset_partition_keys:
            if isinstance(key, dg.MultiPartitionKey):
                parts = key.keys_by_dimension
            else:
                parts = dict(part.split("=", 1) for part in str(key).split("|") if "=" in part)
                if not parts:  # "2026-01-05|all": Dagster's multi-key string, date dimension first
                    day_text, _, universe = str(key).partition("|")
                    parts = {DATE_DIMENSION: day_text, UNIVERSE_DIMENSION: universe}
            days.add(date.fromisoformat(parts[DATE_DIMENSION]))
            names.add(parts[UNIVERSE_DIMENSION])
        return sorted(days), sorted(names)

    def load_input(self, context: dg.InputContext) -> pl.LazyFrame:
        """The upstream pass's rows for the partitions ``context`` asks for, as a LazyFrame."""
        pass_name = context.asset_key.path[-1]
        resolved = self.resolved
        found = [p for p in resolved.passes if p.name == pass_name]
        if not found:
            raise KeyError(f"{context.asset_key.to_user_string()} is not a pass of {self.project.dataset}")
        days, names = self._partitions(context)
        like = OutputPartition(self.project.dataset, pass_name, days[0], ())
        frame = found[0].writer.read_days(like, days[0], days[-1])
        if frame.height and "Date" in frame.columns:
            frame = frame.filter(pl.col("Date").is_in(days))
        if frame.height and "ListingId" in frame.columns and set(names) != set(self.universes):
            ids: set[int] = set()
            for name in names:
                for day in days:
                    listings = resolve_universe(self.universes[name], day, resolved.source)
                    ids |= set(listings.get_column("ListingId").to_list())
            frame = frame.filter(pl.col("ListingId").is_in(sorted(ids)))
        order = [c for c in ("ListingId", "Date", "TimeBucket") if c in frame.columns]
        return (frame.sort(order) if order else frame).lazy()


__all__ = ["BasaltIOManager"]
