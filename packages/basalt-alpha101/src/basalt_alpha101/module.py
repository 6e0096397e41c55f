"""The ``alpha101`` analytics module: the 101 alphas over an earlier pass's bars."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import polars as pl
from pydantic import Field, field_validator

from basalt import AnalyticModule, ColumnDoc, ModuleConfig, TimeBuckets
from basalt_alpha101.api import compute
from basalt_alpha101.inputs import ADV_BASES, GROUPS, AdvBasis, check_columns
from basalt_alpha101.operators._common import LISTING
from basalt_alpha101.registry import ALL_IDS, column_name, definition, history_of, inputs_of, parse_ids

UNIT = "dimensionless score"
"""Unit of every alpha column."""

_TABLE_SUFFIXES = (".parquet", ".pq", ".csv")


class Alpha101Config(ModuleConfig):
    """Configuration of the ``alpha101`` module."""

    alpha_ids: tuple[int, ...] = Field(
        ALL_IDS,
        description="Alphas to compute, by number 1-101 or name 'Alpha007' (default: all 101); "
        "the module emits their columns Alpha001... in this order.",
    )
    source_pass: str = Field(
        "bars",
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        description="Name of the input holding the earlier pass whose bars (one row per ListingId and "
        "TimeBucket, e.g. daily OHLCV) the alphas read; map it in the pass's module_inputs to "
        "'pass:NAME' (e.g. module_inputs: {alpha101: {bars: 'pass:bars'}}).",
    )
    columns: dict[str, str] = Field(
        default_factory=dict,
        description="Input name -> column of the bars (or of the industry table) for inputs named "
        "otherwise. Inputs: open, high, low, close, volume, vwap, returns (derived from close "
        "if absent), amount (notional; derived as vwap*volume if absent), cap, sector, "
        "industry, subindustry.",
    )
    industry_source: Literal["bars"] | Path = Field(
        "bars",
        description="Where the sector/industry/subindustry labels of IndNeutralize come from: "
        "'bars' (columns of the source pass) or the path of a Parquet or CSV table with "
        "ListingId and the label columns, one row per listing, joined on ListingId.",
    )
    adv_basis: AdvBasis = Field(
        "consistent",
        description="What adv{d} averages, and which volume Alpha#7, 17, 21, 39, 43, 47 and 100 set "
        "against adv20 (the paper compares share volume with dollar adv). "
        + " ".join(f"'{name}': {meaning}." for name, meaning in ADV_BASES.items()),
    )

    @field_validator("alpha_ids", mode="before")
    @classmethod
    def _known_alphas(cls, value: Any) -> Any:
        # Numbers or names ("Alpha007"); unknown, repeated or empty selections fail here.
        if isinstance(value, list | tuple | int | str):
            return tuple(parse_ids(value))
        return value

    @field_validator("columns")
    @classmethod
    def _known_inputs(cls, value: dict[str, str]) -> dict[str, str]:
        return check_columns(value)

    @field_validator("industry_source")
    @classmethod
    def _table_format(cls, value: Literal["bars"] | Path) -> Literal["bars"] | Path:
        if isinstance(value, Path) and value.suffix.lower() not in _TABLE_SUFFIXES:
            raise ValueError(f"industry table {str(value)!r} must be a {', '.join(_TABLE_SUFFIXES)} file")
        return value


class Alpha101(AnalyticModule):
    """Kakushadze's 101 formulaic alphas (2016) per listing and bar of an earlier pass.

    Reads one input, named by ``source_pass`` (``INPUTS`` holds the default,
    ``"bars"``; :meth:`input_names` and the instance's ``INPUTS`` the configured
    one), which the pipeline maps to an earlier pass. Each bar is a "day" of the
    paper: windows count bars of the listing, ranks compare the listings of a
    ``TimeBucket`` — so the input must hold the whole panel (all listings, the
    whole history the windows need), not one day or one symbol batch.
    """

    NAME = "alpha101"
    INPUTS = ("bars",)
    Config = Alpha101Config
    config: Alpha101Config

    def __init__(self, config: Alpha101Config | Mapping[str, Any] | None = None) -> None:
        super().__init__(config)
        # Per-instance inputs (the class attribute is only the default): the engine
        # calls input_names(); basalt.testing.run_module reads instance.INPUTS.
        self.INPUTS = self.input_names()  # type: ignore[misc]

    def input_names(self) -> tuple[str, ...]:
        """The one input ``compute`` reads: ``source_pass``."""
        return (self.config.source_pass,)

    def lookback_days(self) -> int:
        """Bars before each date batch a panel pass reads: the deepest chain of the chosen alphas' windows.

        One bar per day is assumed (daily bars); intraday bars need fewer days,
        so this is then more than enough. See :func:`basalt_alpha101.registry.history_of`.
        """
        return max(history_of(number) for number in self.config.alpha_ids)

    def _source_of(self, name: str) -> str:
        column = self.config.columns.get(name, name)
        table = self.config.industry_source
        if name in GROUPS and isinstance(table, Path):
            return f"{table.name}.{column}"
        return f"{self.config.source_pass}.{column}"

    def columns(self) -> list[ColumnDoc]:
        return [
            ColumnDoc(
                column_name(number),
                unit=UNIT,
                definition=definition(number, self.config.adv_basis),
                pattern="Alpha{NNN}",
                sources=tuple(
                    self._source_of(name) for name in sorted(inputs_of(number, self.config.adv_basis))
                ),
                dtype="Float64",
            )
            for number in self.config.alpha_ids
        ]

    def compute(self, inputs: Mapping[str, pl.LazyFrame], buckets: TimeBuckets) -> pl.LazyFrame:
        """The chosen alphas of every bar; ``buckets`` is unused (the bars are already bucketed)."""
        source = self.config.source_pass
        if source not in inputs:
            raise KeyError(f"module 'alpha101' reads input {source!r} (source_pass); given: {sorted(inputs)}")
        bars = inputs[source]
        table = self.config.industry_source
        basis = self.config.adv_basis
        labels = sorted(set().union(*(inputs_of(n, basis) for n in self.config.alpha_ids)) & set(GROUPS))
        if isinstance(table, Path) and labels:
            names = [self.config.columns.get(label, label) for label in labels]
            scan = pl.scan_csv(table) if table.suffix.lower() == ".csv" else pl.scan_parquet(table)
            bars = bars.drop(names, strict=False).join(
                scan.select(LISTING, *names), on=LISTING, how="left", validate="m:1"
            )
        return compute(bars, ids=self.config.alpha_ids, columns=self.config.columns, adv_basis=basis)
