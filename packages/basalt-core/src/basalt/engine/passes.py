"""Day scope: one pass for one day and one symbol batch (the executor plus the day's timeline).

Raw tables are loaded only by the passes that need them; each collected output
stays in the context for later passes of the same day and batch (``pass:NAME``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import polars as pl

from basalt.engine.executor import execute_pass, join_on_keys, pass_keys
from basalt.engine.prepare import LoadTable
from basalt.engine.resolve import InputRef, ResolvedPass
from basalt.timebuckets import TIME_BUCKET, TimeBuckets
from basalt.writers.base import DATE_COLUMN

CONTINUOUS = "CONTINUOUS_TRADING"


def dense_grid(marketstate: pl.LazyFrame, buckets: TimeBuckets, listing_ids: list[int]) -> pl.LazyFrame:
    """Every bucket label of each listing's continuous-trading session(s).

    A session runs from a change into CONTINUOUS_TRADING to the next state
    change; a session still open at the end of the data ends at its last event.
    """
    size = buckets.nanoseconds
    states = (
        marketstate.filter(pl.col("ListingId").is_in(listing_ids))
        .sort("ListingId", "TimestampNanoseconds")
        .with_columns(
            pl.col("TimestampNanoseconds").cast(pl.Int64).alias("_start"),
            pl.col("TimestampNanoseconds").shift(-1).over("ListingId").cast(pl.Int64).alias("_end"),
        )
        .filter(pl.col("MarketState") == CONTINUOUS)
        .with_columns(pl.col("_end").fill_null(pl.col("_start")))
    )
    first = buckets.label(pl.col("_start").cast(pl.Datetime("ns"))).cast(pl.Int64)
    last = buckets.label(pl.col("_end").cast(pl.Datetime("ns"))).cast(pl.Int64)
    return (
        states.select("ListingId", pl.int_ranges(first, last + size, size).alias(TIME_BUCKET))
        .explode(TIME_BUCKET)
        .drop_nulls(TIME_BUCKET)
        .with_columns(pl.col(TIME_BUCKET).cast(pl.Datetime("ns")))
        .unique(maintain_order=True)
    )


def run_pass(
    resolved: ResolvedPass,
    day: date,
    listing_ids: list[int],
    load_table: LoadTable,
    context: dict[str, pl.DataFrame],
    *,
    states: Mapping[str, pl.LazyFrame] | None = None,
    new_states: dict[str, pl.DataFrame] | None = None,
) -> pl.DataFrame:
    """Compute one day pass for one day and listing set; returns its collected output.

    ``states`` / ``new_states``: stateful modules' previous and new states (see
    :func:`basalt.engine.executor.execute_pass`).
    """

    def load_input(ref: InputRef, *, ordered: bool = True) -> pl.LazyFrame:
        return context[ref.name].lazy() if ref.kind == "pass" else load_table(ref.name, ordered=ordered)

    def timeline(joined: pl.LazyFrame, keys: list[str], additive: list[str]) -> pl.LazyFrame:
        # A dense grid is per listing; passes keyed otherwise (e.g. by instrument) stay sparse.
        if resolved.config.timeline_mode == "dense" and TIME_BUCKET in keys and "ListingId" in keys:
            grid = dense_grid(load_table("marketstate"), resolved.effective_buckets, listing_ids)
            joined = grid.join(joined, on=["ListingId", TIME_BUCKET], how="left").with_columns(
                pl.col(name).fill_null(0) for name in additive
            )
        return joined.with_columns(pl.lit(day).alias(DATE_COLUMN))

    return execute_pass(resolved, load_input, timeline, states=states, new_states=new_states)


__all__ = ["dense_grid", "join_on_keys", "pass_keys", "run_pass"]
