"""Analytics modules made of metrics: the module buckets, groups, joins and documents.

:class:`MetricModule` turns a tuple of :class:`~basalt.metrics.declare.Metric`
into an ordinary :class:`~basalt.modules.base.AnalyticModule`, so the engine,
``basalt analytics list|explain`` and ``basalt.testing`` treat it like any
other. Per input table it runs one ``group_by`` on (``ListingId``, the bucket
label of the table's event time — :meth:`basalt.timebuckets.TimeBuckets.label`,
the same bucketing as the ``trade`` module) aggregating every selected
column; tables are then full-joined on the keys. Rows are sparse (a bucket
appears when one of the tables has a row in it); additive columns are 0, not
null, in rows where their table had none. Output is sorted by the keys.

Its configuration is generated from the metrics: ``metrics`` selects metrics by
name, and one field per parameter selects that parameter's values (all by
default), so a config chooses the cartesian product each metric expands to.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from functools import cache
from typing import Any, ClassVar, Literal

import polars as pl
from pydantic import Field, create_model

from basalt.metrics.declare import Metric, MetricColumn
from basalt.metrics.params import Choice, value_name
from basalt.modules.base import AnalyticModule, ModuleConfig
from basalt.modules.columns import ColumnDoc
from basalt.timebuckets import TIME_BUCKET, TimeBuckets


@cache
def _bmll_tables() -> dict[str, Any]:
    """Registered name → class of the core's BMLL tables (event-time column, schema)."""
    from basalt.tables.bmll import BMLL_TABLES

    return {table.NAME: table for table in BMLL_TABLES}


def _time_column(metric: Metric) -> str:
    if metric.time is not None:
        return metric.time
    table = _bmll_tables().get(metric.table)
    if table is None or table.TIMESTAMP_COLUMN is None:
        raise ValueError(
            f"metric {metric.name!r} reads {metric.table!r}, which has no known event-time column: "
            "pass time='ColumnName' to @metric"
        )
    return str(table.TIMESTAMP_COLUMN)


def _inferred_dtype(metric: Metric, expr: pl.Expr) -> str | None:
    """Dtype of the aggregation over the BMLL table's schema, resolved without data."""
    table = _bmll_tables().get(metric.table)
    if table is None or not table.SCHEMA:
        return None
    try:
        schema = pl.LazyFrame(schema=table.SCHEMA).select(expr.alias("_")).collect_schema()
    except pl.exceptions.PolarsError:
        return None
    return type(schema["_"]).__name__


def metric_config(metrics: tuple[Metric, ...], name: str = "MetricConfig") -> type[ModuleConfig]:
    """The pydantic config of a module made of ``metrics``: which metrics, which parameter values."""
    names = tuple(m.name for m in metrics)
    fields: dict[str, Any] = {
        "metrics": (
            tuple[Literal[names], ...],  # type: ignore[valid-type]
            Field(names, description=f"Metrics to compute (default all: {', '.join(names)})."),
        )
    }
    params: dict[str, list[str | int]] = {}
    for m in metrics:
        for param, options in m.params.items():
            known = params.setdefault(param, [])
            known.extend(v for v in map(value_name, options) if v not in known)
    for param, values in params.items():
        if param in fields:
            raise ValueError(f"metric parameter {param!r} clashes with a config field of the same name")
        fields[param] = (
            tuple[Literal[tuple(values)], ...],  # type: ignore[misc]
            Field(
                tuple(values),
                description=f"Values of {param} to compute columns for (default all: "
                f"{', '.join(map(str, values))}).",
            ),
        )
    doc = f"Configuration of a module made of the metrics {', '.join(names)}."
    return create_model(name, __base__=ModuleConfig, __doc__=doc, **fields)


class MetricModule(AnalyticModule):
    """An analytics module made of declared metrics (set ``METRICS``; the rest is generated).

    Subclasses set ``NAME`` and ``METRICS`` and, optionally, ``WHERE`` (or
    override :meth:`where`): a row filter per input table applied before
    bucketing. ``Config`` and ``INPUTS`` are built from the metrics unless the
    subclass sets them; a hand-written ``Config`` without the ``metrics`` or a
    parameter field computes all of them.
    """

    METRICS: ClassVar[tuple[Metric, ...]] = ()
    """The declared column families, in output order."""

    WHERE: ClassVar[Mapping[str, pl.Expr]] = {}
    """Input name → row filter applied before bucketing (e.g. lit continuous trades only)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.METRICS:
            return
        if "Config" not in vars(cls):
            cls.Config = metric_config(cls.METRICS, f"{cls.__name__}Config")
        if "INPUTS" not in vars(cls):
            cls.INPUTS = tuple(dict.fromkeys(m.table for m in cls.METRICS))

    def where(self) -> Mapping[str, pl.Expr]:
        """Input name → row filter applied before bucketing (default ``WHERE``).

        Override to filter by configuration (``pl.col("Size") >= self.config.min_size``).
        """
        return self.WHERE

    def _selected(self) -> list[tuple[Metric, MetricColumn]]:
        # A hand-written Config may leave out `metrics` or a parameter: then all are computed.
        config = self.config.model_dump()
        chosen = set(config.get("metrics", (m.name for m in self.METRICS)))
        out: list[tuple[Metric, MetricColumn]] = []
        for m in self.METRICS:
            if m.name not in chosen:
                continue
            selection = {param: config[param] for param in m.params if param in config}
            out.extend((m, column) for column in m.columns(selection))
        return out

    def input_names(self) -> tuple[str, ...]:
        """The tables of the selected metrics."""
        return tuple(dict.fromkeys(m.table for m, _ in self._selected()))

    def columns(self) -> list[ColumnDoc]:
        """One documented column per selected metric and parameter combination."""
        docs = []
        for m, column in self._selected():
            doc = column.doc
            if doc.dtype is None:
                dtype = _inferred_dtype(m, column.expr)
                if dtype is not None:
                    doc = ColumnDoc(**{**vars(doc), "dtype": dtype})
            docs.append(doc)
        return docs

    def compute(self, inputs: Mapping[str, pl.LazyFrame], buckets: TimeBuckets) -> pl.LazyFrame:
        """One ``group_by`` per table on (ListingId, bucket label), full-joined on the keys.

        Every :class:`~basalt.metrics.Choice` mask is computed once per row, as a
        helper column before grouping, and the metric functions are called with
        choices whose mask reads that column: masks are never re-evaluated group by group.
        """
        selected = self._selected()
        frames = []
        where = self.where()
        for table in self.input_names():
            columns = [(m, c) for m, c in selected if m.table == table]
            times = {_time_column(m) for m, _ in columns}
            if len(times) != 1:
                raise ValueError(f"metrics over {table!r} disagree on its event-time column: {sorted(times)}")
            helpers: dict[str, pl.Expr] = {}
            aggs = []
            for m, c in columns:
                arguments = {}
                for param, value in c.arguments.items():
                    if isinstance(value, Choice):
                        helper = f"_{param}_{value.name}"
                        helpers[helper] = value.mask
                        value = Choice(value.name, value.text, pl.col(helper))
                    arguments[param] = value
                aggs.append(m.expression(arguments).alias(c.name))
            frame = inputs[table]
            if table in where:
                frame = frame.filter(where[table])
            label = buckets.label(pl.col(times.pop())).alias(TIME_BUCKET)
            frames.append(
                frame.with_columns(label, *(mask.alias(name) for name, mask in helpers.items()))
                .group_by("ListingId", TIME_BUCKET)
                .agg(aggs)
            )
        out = frames[0]
        for frame in frames[1:]:
            out = out.join(frame, on=["ListingId", TIME_BUCKET], how="full", coalesce=True)
        if len(frames) > 1:
            out = out.with_columns(pl.col(c.name).fill_null(0) for m, c in selected if m.additive)
        return out.select(*self.KEYS, *(c.name for _, c in selected)).sort(*self.KEYS)


def metric_module(
    name: str, *metrics: Metric, doc: str | None = None, **attributes: Any
) -> type[MetricModule]:
    """A :class:`MetricModule` subclass registered as ``name``, made of ``metrics``.

    Args:
        name: The module's registered name (what pipelines list in ``modules:``).
        metrics: Its column families, in output order.
        doc: Its summary (default: the patterns it produces).
        attributes: Further class attributes (``WHERE``, ``KEYS``…).
    """
    caller = sys._getframe(1).f_globals.get("__name__", __name__)
    class_name = "".join(part.title() for part in name.split("_")) or "Metrics"
    summary = doc or f"Metrics {', '.join(m.pattern for m in metrics)} per listing and time bucket."
    namespace = {"NAME": name, "METRICS": metrics, "__doc__": summary, "__module__": caller, **attributes}
    return type(class_name, (MetricModule,), namespace)
