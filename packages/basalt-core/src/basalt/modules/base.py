"""Base classes for analytics and preprocessor modules.

A module is a pure transform: Polars LazyFrames in, one LazyFrame out, keyed by
``KEYS`` (``ListingId`` + ``TimeBucket`` by default). It does no I/O and never
calls ``collect()``: the engine decides when and where to run it.

Writing one takes a subclass with four things::

    class TradeCount(AnalyticModule):
        \"\"\"Number of trades per bucket.\"\"\"

        NAME = "trade_count"
        INPUTS = ("trades",)

        def columns(self):
            return [ColumnDoc("TradeCount", unit="count", definition="Number of trades.")]

        def compute(self, inputs, buckets):
            trades = inputs["trades"]
            return (
                trades.with_columns(buckets.label(pl.col("TradeTimestamp")).alias("TimeBucket"))
                .group_by("ListingId", "TimeBucket")
                .agg(pl.len().cast(pl.Int64).alias("TradeCount"))
            )
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar

import polars as pl
from pydantic import BaseModel, ConfigDict

from basalt._registrable import Registrable
from basalt.modules.columns import ColumnDoc
from basalt.timebuckets import TIME_BUCKET, TimeBuckets


class ModuleConfig(BaseModel):
    """Base class of every module's configuration.

    Subclasses add fields, each with a ``description=``: the config UI and
    ``basalt analytics explain`` are built from them. Unknown keys are errors.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)


class _Module(Registrable, ABC):
    """What analytics and preprocessor modules share."""

    INPUTS: ClassVar[tuple[str, ...]] = ()
    """Names of the tables (or earlier-pass outputs) ``compute`` receives."""

    KEYS: tuple[str, ...] = ("ListingId", TIME_BUCKET)
    """Columns identifying one output row; the engine joins modules on them.

    A class attribute normally; a module whose keys depend on its config (e.g.
    re-aggregation by instrument) sets ``self.KEYS`` in ``__init__``.
    """

    Config: ClassVar[type[ModuleConfig]] = ModuleConfig
    """The pydantic model validating this module's configuration."""

    TIME_ORDERED_INPUTS: ClassVar[bool] = True
    """Whether ``compute`` needs each listing's rows of its input tables in event-time order.

    True (the safe default): the engine reads a day's key columns and sorts the day's rows
    when a listing is out of time order. A module whose result does not depend on row
    order — per-bucket sums, counts, extremes, or first/last by an explicit key — sets
    False and saves that check (a collect of two columns per table and day, 10–25 ms).
    """

    def __init__(self, config: ModuleConfig | Mapping[str, Any] | None = None) -> None:
        if config is None:
            config = {}
        if isinstance(config, Mapping):
            config = self.Config.model_validate(dict(config))
        elif not isinstance(config, self.Config):
            raise TypeError(
                f"module {self.NAME!r} expects a {self.Config.__name__} config, got {type(config).__name__}"
            )
        self.config = config

    def streaming_safe(self) -> bool:
        """Whether ``compute``'s query gives bit-identical output on Polars' streaming engine.

        The engine collects a pass on the in-memory engine: the streaming engine merges partial
        floating-point sums in whatever order its threads finish, so a run would not repeat
        itself to the last bit. A module whose query sums no floats (extremes, first/last by a
        key, row-wise arithmetic on picked rows) may return True: its output is then collected
        on the streaming engine on its own, and joined — faster, and leaner, on large inputs.
        Default False.
        """
        return False

    def input_names(self) -> tuple[str, ...]:
        """Names of the inputs ``compute`` receives under this config (default ``INPUTS``).

        Override when the inputs depend on configuration (e.g. which earlier
        pass to read).
        """
        return self.INPUTS

    def lookback_days(self) -> int:
        """Trading days of history this module needs before the first day it outputs (default 0).

        Only panel passes (``scope: panel``) read history: the engine gives the
        module its inputs from ``lookback_days`` trading days before each date
        batch, computes, and keeps only the batch's own days. A module with
        rolling windows returns enough days for its windows to be full, so that
        a batched run equals one computation over the whole history.
        """
        return 0

    @abstractmethod
    def columns(self) -> list[ColumnDoc]:
        """The documented columns this module emits under its config (keys excluded)."""

    @abstractmethod
    def compute(self, inputs: Mapping[str, pl.LazyFrame], buckets: TimeBuckets) -> pl.LazyFrame:
        """Build the lazy query producing ``KEYS`` + ``columns()``.

        Args:
            inputs: One LazyFrame per name in ``INPUTS``.
            buckets: The pass's time-bucket semantics.
        """

    def state_schema(self) -> Mapping[str, pl.DataType] | None:
        """The end-of-day state this module carries to the next day, or None (stateless, the default).

        A stateful module (see :class:`StatefulAnalyticModule`) returns the columns of its
        state besides ``ListingId`` (one row per listing); it may return None under a
        configuration that needs no state (e.g. ``carry_over: false``).
        """
        return None

    def compute_with_state(
        self, inputs: Mapping[str, pl.LazyFrame], buckets: TimeBuckets, state: pl.LazyFrame
    ) -> tuple[pl.LazyFrame, pl.LazyFrame]:
        """Output and new state from the inputs and the previous day's state (stateful modules).

        The default, for stateless modules: :meth:`compute` and an empty state.
        """
        return self.compute(inputs, buckets), self.empty_state()

    def empty_state(self) -> pl.LazyFrame:
        """A state with no rows: ``ListingId`` and the :meth:`state_schema` columns."""
        return pl.LazyFrame(schema={"ListingId": pl.Int64, **(self.state_schema() or {})})


class AnalyticModule(_Module):
    """Base class of analytics modules (registered by ``basalt_register_analytics``)."""


class StatefulAnalyticModule(AnalyticModule):
    """An analytics module whose computation continues from one trading day to the next.

    It declares :meth:`state_schema` (column → Polars dtype; one row per listing, keyed
    by ``ListingId``) and implements :meth:`compute_with_state`: the previous day's
    end-of-day state comes in as a LazyFrame (no row for a listing starting fresh), the
    day's output and the new end-of-day state go out, both lazy. The engine runs a
    stateful pass's days of a listing in date order, stores each day's state with that
    day's output and hands it to the next day, so a run split into any batches, or
    killed and resumed, gives the same output as one run (see ``docs/state.md``). A
    listing that gets no new state row keeps its previous one.

    :meth:`compute` (one day on its own, e.g. in tests) starts from an empty state.
    """

    def compute(self, inputs: Mapping[str, pl.LazyFrame], buckets: TimeBuckets) -> pl.LazyFrame:
        """One day from an empty state: the output of :meth:`compute_with_state`."""
        return self.compute_with_state(inputs, buckets, self.empty_state())[0]

    @abstractmethod
    def compute_with_state(
        self, inputs: Mapping[str, pl.LazyFrame], buckets: TimeBuckets, state: pl.LazyFrame
    ) -> tuple[pl.LazyFrame, pl.LazyFrame]:
        """Build the day's output (``KEYS`` + ``columns()``) and its end-of-day state.

        Args:
            inputs: One LazyFrame per name in ``INPUTS``.
            buckets: The pass's time-bucket semantics.
            state: The previous day's state: ``ListingId`` + :meth:`state_schema` columns,
                at most one row per listing (none for a listing with no state yet).

        Returns:
            ``(output, state)``: the state holds ``ListingId`` + the schema's columns.
        """


class PreprocessorModule(_Module):
    """Base class of preprocessors (registered by ``basalt_register_preprocessors``).

    A preprocessor derives a table from tables (e.g. a CBBO from per-venue L2);
    its output is keyed by what it declares in ``KEYS``.
    """

    KEYS: tuple[str, ...] = ()
