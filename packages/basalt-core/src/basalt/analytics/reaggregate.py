"""The ``reaggregate`` module: an earlier pass re-aggregated to other keys and/or coarser time buckets.

Typical uses: per-listing 1-minute bars → 15-minute bars; per-venue rows → one
row per instrument (``InstrumentId``) or per venue (``MIC``); listings → a user's
own groups (sectors, baskets) read from a mapping file.

Keys
----
The output is keyed by ``(group_by, TimeBucket)``. ``KEYS`` is a class attribute
of every module, but here it depends on the configuration, so each instance sets
its own ``KEYS`` attribute in ``__init__`` (``ReaggregateModule.KEYS`` is only the
default ``("ListingId", "TimeBucket")``): read ``module.KEYS`` from the instance.

Group column
------------
Where the ``group_by`` column comes from, first match wins:

1. ``group_table``: a Parquet or CSV file with ``ListingId`` and the ``group_by``
   column, joined on ``ListingId`` (a listing mapped to several groups is counted
   in each);
2. ``reference: true``: the ``reference`` input (BMLL's reference table, which
   carries ``InstrumentId``, ``MIC``, ``OperatingMic``, ``ISIN``…), joined on
   ``ListingId`` and, when both frames have it, the trading ``Date``;
3. the source pass itself (e.g. a pass whose modules emit ``InstrumentId``).

Source rows without a group (absent from the mapping, or a null group) are dropped.

Time buckets
------------
The output buckets are the *pass's* buckets (``time_bucket_seconds``, anchor,
closed): the source labels are re-bucketed, not the events. A source bucket is an
interval; it goes to the pass bucket containing it. With end-labelled source
buckets (``source_anchor='end'``) a source label ``L`` belongs to the pass bucket
ending at ``ceil(L / S) * S`` (``S`` the pass bucket length): ``09:01`` (covering
``09:00–09:01``) and ``09:15`` (covering ``09:14–09:15``) both go to the 15-minute
bucket ending 09:15, ``09:16`` to the one ending 09:30. With start-labelled
source buckets a label ``L`` belongs to the bucket starting at ``floor(L / S) * S``.
The rule is the same for ``closed='right'`` and ``closed='left'``: source and pass
buckets share their closed side, so a source bucket never straddles a pass
boundary. This holds when the pass bucket is a whole multiple of the source
bucket (both aligned on the wall clock as Basalt's buckets are); otherwise a
straddling source bucket goes wholly to the pass bucket holding its label's side.
A pass bucket equal to the source bucket keeps the labels (pure re-keying). The
output label then follows the pass's anchor.

Columns
-------
Output columns are listed explicitly: ``columns`` (aggregated by
``default_rule``) plus ``rules`` (output name → rule, which may read another
source column), so that ``columns()`` is known without data. Rules:

* ``sum``: sum of the non-null values (null when all are null);
* ``mean``: arithmetic mean of the non-null values;
* ``weighted_mean``: ``Σ w·x / Σ w`` over rows where both are non-null (null
  when ``Σ w`` is 0), ``w`` the rule's ``weight`` column or ``default_weight`` —
  e.g. a volume (``TradeTotalVolume``) or notional (``TradeTotalNotional``) for
  volume- or notional-weighted means;
* ``first`` / ``last``: the first / last non-null value in source bucket order
  (ties between listings of one group broken by ``ListingId`` when the source has it);
* ``min`` / ``max``: of the non-null values.

Rows are sparse: a (group, bucket) appears when at least one source row maps to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import polars as pl
from pydantic import Field, field_validator, model_validator

from basalt.modules.base import AnalyticModule, ModuleConfig
from basalt.modules.columns import ColumnDoc
from basalt.timebuckets import TIME_BUCKET, TimeBuckets

Rule = Literal["sum", "mean", "weighted_mean", "first", "last", "min", "max"]

_FINE = "__source_bucket"
_RESERVED = ("Date", TIME_BUCKET)


class RuleSpec(ModuleConfig):
    """How one output column is aggregated (a bare string ``"sum"`` is accepted for ``{rule: sum}``)."""

    rule: Rule = Field(
        description="Aggregation: sum, mean, weighted_mean, first, last, min or max (of non-null values)."
    )
    column: str | None = Field(
        None, description="Source column to aggregate; default: the output column's own name."
    )
    weight: str | None = Field(
        None, description="weighted_mean only: the weight column (default: the module's default_weight)."
    )

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return {"rule": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _weight_only_for_weighted(self) -> RuleSpec:
        if self.weight is not None and self.rule != "weighted_mean":
            raise ValueError(f"rule {self.rule!r} takes no weight (only weighted_mean does)")
        return self


class ReaggregateConfig(ModuleConfig):
    """Configuration of ``reaggregate``."""

    source_pass: str = Field(
        "source",
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        description="Name of the input holding the pass to re-aggregate; map it in the pass's "
        "module_inputs to 'pass:NAME' (e.g. module_inputs: {reaggregate: {source: 'pass:bars'}}).",
    )
    group_by: str = Field(
        "ListingId",
        min_length=1,
        description="Output key column: 'ListingId' (time re-bucketing only), 'InstrumentId' (across "
        "venues), 'MIC', or any column of the group_table, the reference table or the source pass.",
    )
    group_table: Path | None = Field(
        None,
        description="Optional Parquet (.parquet) or CSV (.csv) file mapping ListingId to the group_by "
        "column.",
    )
    reference: bool = Field(
        False,
        description="Join the group_by column from the 'reference' input (BMLL's reference table) on "
        "ListingId (and Date when both have it); use when the source pass lacks InstrumentId or MIC.",
    )
    columns: tuple[str, ...] = Field(
        (),
        description="Source columns to carry, each aggregated by default_rule under its own name.",
    )
    rules: dict[str, RuleSpec] = Field(
        default_factory=dict,
        description="Output column → rule ('sum', or {rule: weighted_mean, column: X, weight: W}); "
        "overrides default_rule for a column also listed in columns.",
    )
    default_rule: Rule = Field("sum", description="Rule of the columns listed in columns without a rule.")
    default_weight: str | None = Field(
        None, description="Weight column of weighted_mean rules that name none (e.g. 'TradeTotalVolume')."
    )
    source_anchor: Literal["end", "start"] | None = Field(
        None,
        description="Whether the source pass labels its buckets by their end or start; default: the same "
        "anchor as this pass.",
    )

    @field_validator("columns")
    @classmethod
    def _unique_columns(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        repeated = sorted({c for c in value if value.count(c) > 1})
        if repeated:
            raise ValueError(f"columns lists {repeated} more than once")
        return value

    @field_validator("group_table")
    @classmethod
    def _table_file(cls, value: Path | None) -> Path | None:
        if value is None:
            return value
        if value.suffix.lower() not in {".parquet", ".csv"}:
            raise ValueError(f"group_table must be a .parquet or .csv file, not {value.name!r}")
        if not value.is_file():
            raise ValueError(f"group_table {str(value)!r} does not exist")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> ReaggregateConfig:
        outputs = self.output_rules()
        if not outputs:
            raise ValueError("list the columns to carry: columns and/or rules (none given)")
        clashing = sorted(set(outputs) & {self.group_by, *_RESERVED})
        if clashing:
            raise ValueError(
                f"output columns {clashing} clash with the keys ({self.group_by}, TimeBucket, Date)"
            )
        unweighted = [n for n, s in outputs.items() if s.rule == "weighted_mean" and s.weight is None]
        if unweighted and self.default_weight is None:
            raise ValueError(f"weighted_mean columns {unweighted} need a weight (or set default_weight)")
        if self.group_table is not None and self.reference:
            raise ValueError("use either group_table or reference to find the group column, not both")
        if self.group_by == "ListingId" and (self.group_table is not None or self.reference):
            raise ValueError("group_by 'ListingId' needs no group_table or reference")
        if self.source_pass == "reference" and self.reference:
            raise ValueError("source_pass cannot be named 'reference' when reference is used")
        if self.group_by == TIME_BUCKET:
            raise ValueError("group_by cannot be TimeBucket")
        return self

    def output_rules(self) -> dict[str, RuleSpec]:
        """Output column → its rule, with source column and weight resolved, in output order."""
        merged = {name: RuleSpec(rule=self.default_rule) for name in self.columns}
        merged.update(self.rules)
        return {
            name: RuleSpec(
                rule=spec.rule,
                column=spec.column or name,
                weight=(spec.weight or self.default_weight) if spec.rule == "weighted_mean" else None,
            )
            for name, spec in merged.items()
        }


_RULE_TEXT = {
    "sum": "Sum of the non-null {column} (null when all are null)",
    "mean": "Arithmetic mean of the non-null {column}",
    "weighted_mean": "Mean of {column} weighted by {weight}: Σ {weight}·{column} / Σ {weight} over source "
    "rows where both are non-null (null when Σ {weight} is 0)",
    "first": "First non-null {column} in source bucket order (ties: lowest ListingId)",
    "last": "Last non-null {column} in source bucket order (ties: highest ListingId)",
    "min": "Minimum of the non-null {column}",
    "max": "Maximum of the non-null {column}",
}


class ReaggregateModule(AnalyticModule):
    """An earlier pass re-aggregated by another key and/or into the pass's coarser buckets.

    See :mod:`basalt.analytics.reaggregate` for the grouping, the re-bucketing of
    labels and the rules. The instance's ``KEYS`` is ``(group_by, "TimeBucket")``.
    """

    NAME = "reaggregate"
    INPUTS = ("source",)
    Config = ReaggregateConfig
    CATALOGUE_CONFIGS = ({"rules": {"{Column}": "sum"}},)
    """For ``basalt analytics list --all``: one output per source column (its rule is configured)."""
    config: ReaggregateConfig

    def __init__(self, config: ReaggregateConfig | Mapping[str, Any] | None = None) -> None:
        super().__init__(config)
        # Per-instance keys (the class attribute is only the default): the engine reads module.KEYS.
        self.KEYS = (self.config.group_by, TIME_BUCKET)

    def input_names(self) -> tuple[str, ...]:
        """The source pass input, plus ``reference`` when the group column is joined from it."""
        return (self.config.source_pass, *(("reference",) if self.config.reference else ()))

    def columns(self) -> list[ColumnDoc]:
        """One column per configured output, documented with its rule."""
        cfg = self.config
        docs = []
        for name, spec in cfg.output_rules().items():
            column = spec.column or name
            text = _RULE_TEXT[spec.rule].format(column=column, weight=spec.weight)
            definition = (
                f"{text}, over the rows of the source pass {cfg.source_pass!r} with the same {cfg.group_by} "
                "whose buckets fall in this bucket."
            )
            sources = (f"{cfg.source_pass}.{column}",) + (
                (f"{cfg.source_pass}.{spec.weight}",) if spec.weight else ()
            )
            docs.append(
                ColumnDoc(
                    name,
                    unit=f"unit of {column}",
                    definition=definition,
                    pattern="{Column}",
                    sources=(*sources, f"{cfg.source_pass}.{TIME_BUCKET}"),
                    dtype="Float64" if spec.rule in {"mean", "weighted_mean"} else None,
                    additive=spec.rule == "sum",
                )
            )
        return docs

    def compute(self, inputs: Mapping[str, pl.LazyFrame], buckets: TimeBuckets) -> pl.LazyFrame:
        """Attach the group, re-bucket the labels, aggregate once per (group, bucket)."""
        cfg = self.config
        group = cfg.group_by
        rules = cfg.output_rules()
        source = inputs[cfg.source_pass]
        names = source.collect_schema().names()
        has_listing = "ListingId" in names
        if cfg.group_table is not None or cfg.reference:
            source = self._join_group(source, inputs, names)
        order = [_FINE, *(["ListingId"] if has_listing else [])]
        aggs = [self._aggregation(name, spec, order) for name, spec in rules.items()]
        return (
            source.filter(pl.col(group).is_not_null())
            .with_columns(pl.col(TIME_BUCKET).alias(_FINE), self._coarse_label(buckets).alias(TIME_BUCKET))
            .group_by(group, TIME_BUCKET)
            .agg(aggs)
            .select(group, TIME_BUCKET, *rules)
            .sort(group, TIME_BUCKET)
        )

    def _join_group(
        self, source: pl.LazyFrame, inputs: Mapping[str, pl.LazyFrame], names: list[str]
    ) -> pl.LazyFrame:
        cfg = self.config
        group = cfg.group_by
        if group in names:
            source = source.drop(group)
        if cfg.group_table is not None:
            path = str(cfg.group_table)
            scan = pl.scan_parquet(path) if path.lower().endswith(".parquet") else pl.scan_csv(path)
            mapping = scan.select(pl.col("ListingId").cast(pl.Int64), group).unique()
            return source.join(mapping, on="ListingId", how="inner")
        reference = inputs["reference"]
        on = ["ListingId"]
        if "Date" in names and "Date" in reference.collect_schema().names():
            reference = reference.with_columns(pl.col("Date").cast(pl.Date))
            on.append("Date")
        mapping = reference.select(*on, group).unique(subset=on, keep="last", maintain_order=True)
        return source.join(mapping, on=on, how="inner")

    def _coarse_label(self, buckets: TimeBuckets) -> pl.Expr:
        """The pass bucket holding each source bucket (see the module documentation)."""
        size = buckets.nanoseconds
        label = pl.col(TIME_BUCKET).dt.cast_time_unit("ns").cast(pl.Int64)
        if (self.config.source_anchor or buckets.anchor) == "end":
            end = -((-label) // size) * size
        else:
            end = (label // size + 1) * size
        coarse = end if buckets.anchor == "end" else end - size
        return coarse.cast(pl.Datetime("ns"))

    @staticmethod
    def _aggregation(name: str, spec: RuleSpec, order: list[str]) -> pl.Expr:
        x = pl.col(spec.column or name)
        if spec.rule == "sum":
            expr = pl.when(x.count() > 0).then(x.sum())
        elif spec.rule == "mean":
            expr = x.cast(pl.Float64).mean()
        elif spec.rule == "weighted_mean":
            assert spec.weight is not None
            w = pl.col(spec.weight).cast(pl.Float64)
            valid = x.is_not_null() & w.is_not_null()
            numerator = (x.cast(pl.Float64) * w).filter(valid).sum()
            denominator = w.filter(valid).sum()
            expr = pl.when(denominator != 0).then(numerator / denominator)
        elif spec.rule == "first":
            expr = x.sort_by(order).drop_nulls().first()
        elif spec.rule == "last":
            expr = x.sort_by(order).drop_nulls().last()
        elif spec.rule == "min":
            expr = x.min()
        else:
            expr = x.max()
        return expr.alias(name)
