"""Run the passes of one day for one symbol batch: modules → join on keys → timeline.

Each pass builds one lazy query — every module's transform joined on their
keys — and collects it once, so Polars can share the scans the modules have in
common. The collected output stays in the context for later passes
(``pass:NAME`` inputs); raw tables are loaded only by the passes that need them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from functools import reduce

import polars as pl

from basalt.engine.resolve import PASS_PREFIX, ResolvedPass
from basalt.timebuckets import TIME_BUCKET, TimeBuckets
from basalt.writers.base import DATE_COLUMN

LoadTable = Callable[[str], pl.LazyFrame]
CONTINUOUS = "CONTINUOUS_TRADING"


def join_on_keys(frames: list[pl.LazyFrame], keys: list[str]) -> pl.LazyFrame:
    """Full outer join on ``keys`` with coalesced keys: no duplicate or leaked key columns."""
    return reduce(lambda left, right: left.join(right, on=keys, how="full", coalesce=True), frames)


def pass_keys(resolved: ResolvedPass) -> list[str]:
    """The keys every module of the pass shares (``ListingId``, ``TimeBucket`` by default)."""
    keys = [list(m.module.KEYS) for m in resolved.modules]
    common = [key for key in keys[0] if all(key in other for other in keys[1:])]
    if not common:
        raise ValueError(f"pass {resolved.name!r}: its modules share no key columns ({keys})")
    return common


def daily_buckets(day: date) -> pl.Expr:
    """The label of a daily timeline: the end of the trading date (midnight after it)."""
    return pl.lit(datetime.combine(day + timedelta(days=1), time())).cast(pl.Datetime("ns"))


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
) -> pl.DataFrame:
    """Compute one pass for one day and listing set; returns its collected output.

    The output holds the keys, ``Date`` and every documented module column,
    sorted by the keys.
    """
    buckets = resolved.buckets
    mode = resolved.config.timeline_mode
    if mode == "daily":
        buckets = TimeBuckets(seconds=86_400, anchor="end", closed="left")
    elif mode == "event":
        # One-nanosecond buckets: every event timestamp is its own label (events sharing a
        # nanosecond are one row), and bucketed modules work unchanged.
        buckets = TimeBuckets(seconds=1e-9, anchor="end", closed="right")
    frames = []
    additive: list[str] = []
    for module in resolved.modules:
        inputs = {
            name: context[src.removeprefix(PASS_PREFIX)].lazy()
            if src.startswith(PASS_PREFIX)
            else load_table(src)
            for name, src in module.inputs.items()
        }
        frames.append(module.module.compute(inputs, buckets))
        additive.extend(doc.name for doc in module.module.columns() if doc.additive)
    keys = pass_keys(resolved)
    joined = join_on_keys(frames, keys)
    # A dense grid is per listing; passes keyed otherwise (e.g. by instrument) stay sparse.
    if mode == "dense" and TIME_BUCKET in keys and "ListingId" in keys:
        grid = dense_grid(load_table("marketstate"), buckets, listing_ids)
        joined = grid.join(joined, on=["ListingId", TIME_BUCKET], how="left").with_columns(
            pl.col(name).fill_null(0) for name in additive
        )
    ordered = [*keys[:1], DATE_COLUMN, *keys[1:]]
    output = joined.with_columns(pl.lit(day).alias(DATE_COLUMN))
    rest = [c for c in output.collect_schema().names() if c not in ordered]
    return output.select([*ordered, *rest]).sort(keys).collect()
