"""``@metric``: one declaration per column family, giving both its expression and its docs.

A metric is a function of its parameters returning a Polars *aggregation*
over the rows of one input table in one (ListingId, TimeBucket) group::

    @metric("trades", pattern="Trade{side}Volume", unit="shares", params={"side": SIDES})
    def trade_volume(side):
        \"\"\"Sum of Size over {side.text} in the bucket.\"\"\"
        return pl.col("Size").filter(side.mask).sum()

The parameters expand to one column per combination of their values (the
cartesian product, restricted to the values a configuration selects); the
column name is ``pattern`` formatted with the values, the definition is the
docstring formatted the same way. Bucketing, grouping by keys and joining
tables are the module's job (:mod:`basalt.metrics.module`), never the metric's.
"""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from basalt.metrics.params import CHOICE_VALUE, value_name
from basalt.modules.columns import ColumnDoc

MetricFunction = Callable[..., pl.Expr]


@dataclass(frozen=True)
class MetricColumn:
    """One concrete column of a metric: its name, expression and documentation."""

    name: str
    expr: pl.Expr
    doc: ColumnDoc
    values: Mapping[str, str | int]
    """Parameter name → the selected value's name."""
    arguments: Mapping[str, CHOICE_VALUE]
    """Parameter name → the value itself, as the metric function receives it."""


@dataclass(frozen=True)
class Metric:
    """A declared column family (build one with :func:`metric`).

    Attributes:
        table: The input the expression aggregates (``trades``, ``l3``, an earlier pass…).
        pattern: Column-name template over the parameters (``Trade{side}Volume``).
        unit: Unit of every column of the family.
        function: Parameters in, Polars aggregation out.
        params: Parameter name → every value it may take, in column order.
        definition: Template of the definition (the function's docstring by default).
        sources: Input columns read (default: those the expression names).
        dtype: Polars dtype name the values are cast to (None: as computed).
        additive: Sums over events (counts, volumes): 0, not null, where no row fell.
        time: The input's event-time column (default: the registered BMLL table's).
    """

    table: str
    pattern: str
    unit: str
    function: MetricFunction
    params: Mapping[str, tuple[CHOICE_VALUE, ...]] = field(default_factory=dict)
    definition: str = ""
    sources: tuple[str, ...] | None = None
    dtype: str | None = None
    additive: bool = False
    time: str | None = None

    @property
    def name(self) -> str:
        """The metric's name: its function's name (what a config's ``metrics`` selects)."""
        return self.function.__name__

    def __call__(self, **values: Any) -> pl.Expr:
        return self.function(**values)

    def columns(self, selected: Mapping[str, Sequence[str | int]] | None = None) -> Iterator[MetricColumn]:
        """Every column of the family over the selected parameter values, in declaration order.

        Args:
            selected: Parameter name → names of the values to keep (all when absent).
        """
        selected = selected or {}
        axes = []
        for param, options in self.params.items():
            keep = selected.get(param)
            axes.append([v for v in options if keep is None or value_name(v) in keep])
        for combination in itertools.product(*axes):
            values = dict(zip(self.params, combination, strict=True))
            yield self._column(values)

    def expression(self, values: Mapping[str, CHOICE_VALUE]) -> pl.Expr:
        """The aggregation for one combination of values, cast to ``dtype`` when declared."""
        expr = self.function(**values)
        if self.dtype is not None:
            expr = expr.cast(getattr(pl, self.dtype))
        return expr

    def _column(self, values: Mapping[str, CHOICE_VALUE]) -> MetricColumn:
        name = self.pattern.format(**values)
        expr = self.expression(values)
        sources = self.sources
        if sources is None:
            sources = tuple(dict.fromkeys(expr.meta.root_names()))
        doc = ColumnDoc(
            name,
            unit=self.unit,
            definition=self.definition.format(**values),
            pattern=self.pattern,
            sources=tuple(s if "." in s else f"{self.table}.{s}" for s in sources),
            dtype=self.dtype,
            additive=self.additive,
        )
        return MetricColumn(name, expr, doc, {k: value_name(v) for k, v in values.items()}, dict(values))


def _definition(function: MetricFunction, definition: str | None) -> str:
    text = definition if definition is not None else inspect.getdoc(function) or ""
    return " ".join(text.split())


def metric(
    table: str,
    *,
    pattern: str,
    unit: str,
    params: Mapping[str, Sequence[CHOICE_VALUE]] | None = None,
    definition: str | None = None,
    sources: Sequence[str] | None = None,
    dtype: str | None = None,
    additive: bool = False,
    time: str | None = None,
) -> Callable[[MetricFunction], Metric]:
    """Declare a column family computed from ``table``; decorates a function of the parameters.

    The function takes one keyword argument per parameter and returns a Polars
    aggregation (``pl.col("Size").sum()``, ``pl.len()``,
    ``pl.col("Price").filter(side.mask).mean()``…). Its docstring, with
    ``{param}`` placeholders (``{param.text}`` for a :class:`~basalt.metrics.Choice`),
    is the definition of every column.

    Args:
        table: Input name (a table or ``pass:``-fed input) the rows come from.
        pattern: Column-name template; every parameter appears in it.
        unit: Unit of the values.
        params: Parameter name → values (strings, ints or ``Choice`` objects).
        definition: Definition template when the docstring should not be it.
        sources: Columns read, bare (``Size``) or qualified (``l2.BidPrice1``);
            default: the columns the expression names.
        dtype: Polars dtype name to cast to and document (``Float64``, ``Int64``…).
        additive: True for sums over events: the value is 0 where nothing happened.
        time: Event-time column of ``table`` (default: the registered BMLL table's).

    Raises:
        ValueError: A parameter missing from the pattern or the function, a
            duplicate value name, or no definition.
    """
    values = {name: tuple(v) for name, v in (params or {}).items()}

    def decorate(function: MetricFunction) -> Metric:
        text = _definition(function, definition)
        if not text:
            raise ValueError(f"metric {function.__name__!r} needs a docstring (its definition)")
        arguments = set(inspect.signature(function).parameters)
        for name, options in values.items():
            if "{" + name not in pattern:
                raise ValueError(f"metric {function.__name__!r}: parameter {name!r} is not in {pattern!r}")
            if name not in arguments:
                raise ValueError(f"metric {function.__name__!r}: the function has no argument {name!r}")
            names = [value_name(v) for v in options]
            if not names or len(set(names)) != len(names):
                raise ValueError(f"metric {function.__name__!r}: parameter {name!r} needs distinct values")
        return Metric(
            table=table,
            pattern=pattern,
            unit=unit,
            function=function,
            params=values,
            definition=text,
            sources=tuple(sources) if sources is not None else None,
            dtype=dtype,
            additive=additive,
            time=time,
        )

    return decorate
