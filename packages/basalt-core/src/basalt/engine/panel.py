"""Panel passes: cross-day, whole-universe analytics over earlier passes' stored output.

A day pass sees one trading day of one symbol batch. A panel pass (``scope:
panel``) runs once per date batch, after every day pass of the run is written::

    universe of the batch's days ─► earlier passes' stored output (every listing,
    the lookback days before the batch and the batch's days) ─► modules → join on
    keys ─► Date of each row from its TimeBucket ─► keep the batch's days ─►
    the pass's writer, one day at a time

Rolling windows therefore see ``lookback_days`` of history and cross-sectional
operators every listing, however the day passes were batched. Tables a panel
module asks for are read for the batch's days over the whole universe.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, timedelta

import polars as pl

from basalt.engine.batching import SymbolBatch
from basalt.engine.calendar import trading_days
from basalt.engine.executor import execute_pass, pass_keys
from basalt.engine.partition import (
    EventSink,
    PartitionResult,
    PipelineLike,
    Plugins,
    Universe,
    as_resolved,
    peak_rss_mb,
    universe_for,
    universe_label,
)
from basalt.engine.prepare import naive_loader
from basalt.engine.quality import check_quality
from basalt.engine.resolve import InputRef, ResolvedPass, ResolvedPipeline
from basalt.timebuckets import TIME_BUCKET, TimeBuckets
from basalt.writers.base import DATE_COLUMN, LISTING_COLUMN, OutputPartition

HOLIDAY_MARGIN_DAYS = 21
"""Extra calendar days searched for lookback data: a year's exchange holidays fit in it."""


class PanelInputError(RuntimeError):
    """A panel pass's input pass has no stored output for the dates it needs."""


def lookback_of(resolved_pass: ResolvedPass) -> int:
    """The pass's ``lookback_days``, or the most any of its modules asks for."""
    if resolved_pass.config.lookback_days is not None:
        return resolved_pass.config.lookback_days
    return max((m.module.lookback_days() for m in resolved_pass.modules), default=0)


def _stored(
    resolved: ResolvedPipeline, name: str, start: date, end: date, lookback: int, ids: list[int]
) -> pl.DataFrame:
    """Pass ``name``'s stored rows of ``[start, end]`` and of its last ``lookback`` stored days before."""
    source = next(p for p in resolved.passes if p.name == name)
    like = OutputPartition(resolved.config.DATASETNAME, name, start, ())
    first = start - timedelta(days=lookback * 7 // 5 + HOLIDAY_MARGIN_DAYS) if lookback else start
    frame = source.writer.read_days(like, first, end)
    if frame.width == 0:
        raise PanelInputError(
            f"no output of pass {name!r} is stored for {first}..{end} at "
            f"{source.writer.NAME}: {source.writer.location(like)}; the day passes write it first "
            "(basalt pipeline run runs them before panel passes)"
        )
    if LISTING_COLUMN in frame.columns:
        frame = frame.filter(pl.col(LISTING_COLUMN).is_in(ids))
    if lookback:
        # Count the days that hold data, not calendar weekdays: holidays have no bars.
        earlier = frame.filter(pl.col(DATE_COLUMN) < start).get_column(DATE_COLUMN).unique().sort()
        if len(earlier) > lookback:
            frame = frame.filter(pl.col(DATE_COLUMN) >= earlier[-lookback])
    return frame.sort([c for c in (LISTING_COLUMN, TIME_BUCKET) if c in frame.columns], maintain_order=True)


def _tables(
    resolved: ResolvedPipeline, days: list[date], universes: dict[date, pl.DataFrame]
) -> Callable[[str], pl.LazyFrame]:
    """Load a table for ``days`` over each day's whole universe (no symbol batches)."""

    def load(name: str) -> pl.LazyFrame:
        frames = []
        for day in days:
            listings = universes[day]
            batch = SymbolBatch(
                0, tuple(listings["ListingId"].to_list()), tuple(sorted(set(listings["MIC"].to_list())))
            )
            frames.append(naive_loader(resolved.source, resolved.tables, day, batch)(name))
        return pl.concat(frames, how="vertical_relaxed")

    return load


def _with_dates(output: pl.LazyFrame, inputs: list[pl.DataFrame], buckets: TimeBuckets) -> pl.LazyFrame:
    """Give every row the trading ``Date`` its ``TimeBucket`` had in the inputs.

    A bucket label the inputs do not hold (e.g. a coarser re-aggregation) takes the
    date of the instant its bucket covers (the label, or just before it when
    labels are bucket ends).
    """
    if DATE_COLUMN in output.collect_schema().names():
        return output
    both = {TIME_BUCKET, DATE_COLUMN}
    known = [f.select(TIME_BUCKET, DATE_COLUMN) for f in inputs if both <= set(f.columns)]
    covered = pl.col(TIME_BUCKET)
    if buckets.anchor == "end":
        covered = covered - pl.duration(nanoseconds=1)
    if not known:
        return output.with_columns(covered.dt.date().alias(DATE_COLUMN))
    dates = pl.concat(known).lazy().group_by(TIME_BUCKET).agg(pl.col(DATE_COLUMN).min())
    return output.join(dates, on=TIME_BUCKET, how="left").with_columns(
        pl.col(DATE_COLUMN).fill_null(covered.dt.date())
    )


def run_panel_pass(
    resolved: ResolvedPipeline,
    resolved_pass: ResolvedPass,
    days: list[date],
    universes: dict[date, pl.DataFrame],
    context: dict[str, pl.DataFrame],
) -> pl.DataFrame:
    """Compute one panel pass over ``days`` (plus its lookback); rows of the lookback days included."""
    if TIME_BUCKET not in pass_keys(resolved_pass):
        raise ValueError(f"panel pass {resolved_pass.name!r}: its modules must be keyed by {TIME_BUCKET}")
    ids = sorted({i for frame in universes.values() for i in frame["ListingId"].to_list()})
    lookback = lookback_of(resolved_pass)
    load_table = _tables(resolved, days, universes)
    read: list[pl.DataFrame] = []
    stored: dict[str, pl.DataFrame] = {}

    def load_input(ref: InputRef, *, ordered: bool = True) -> pl.LazyFrame:
        if ref.kind == "table":
            return load_table(ref.name)  # panel inputs are read whole and sorted (see _tables)
        frame = context.get(ref.name)
        if frame is None:  # read once per pass, however many of its modules read it
            frame = stored.get(ref.name)
            if frame is None:
                frame = stored[ref.name] = _stored(resolved, ref.name, days[0], days[-1], lookback, ids)
        read.append(frame)
        return frame.lazy()

    def timeline(joined: pl.LazyFrame, keys: list[str], additive: list[str]) -> pl.LazyFrame:
        return _with_dates(joined, read, resolved_pass.effective_buckets)

    return execute_pass(resolved_pass, load_input, timeline)


def run_panel_partition(
    pipeline: PipelineLike,
    universe: Universe | None,
    start: date,
    end: date,
    *,
    plugins: Plugins = None,
    on_event: EventSink | None = None,
) -> PartitionResult:
    """Compute and write the panel passes for the trading days in ``[start, end]``.

    Call it after :func:`basalt.run_partition` has written the day passes for
    these days and for the lookback before them (``basalt pipeline run`` does).

    ``universe`` and ``plugins`` are taken as :func:`basalt.run_partition` takes them.

    Raises:
        PanelInputError: An input pass has no stored output in the needed range.
    """
    resolved = as_resolved(pipeline, plugins)
    config = resolved.config
    emit = on_event or (lambda event, fields: None)
    result = PartitionResult(start=start, end=end)
    began = time.perf_counter()
    panels = [p for p in resolved.passes if p.scope == "panel"]
    days = trading_days(start, end, exclude_weekends=config.EXCLUDE_WEEKENDS)
    universes = {day: universe_for(resolved, universe, day) for day in days}
    universes = {day: frame for day, frame in universes.items() if frame.height}
    if not panels or not universes:
        result.seconds = time.perf_counter() - began
        return result
    days = sorted(universes)
    result.days = days
    context: dict[str, pl.DataFrame] = {}
    for resolved_pass in panels:
        emit("pass_started", {"pass": resolved_pass.name, "day": f"{days[0]}..{days[-1]}", "panel": True})
        t0 = time.perf_counter()
        output = run_panel_pass(resolved, resolved_pass, days, universes, context)
        context[resolved_pass.name] = output
        key = pass_keys(resolved_pass)[0]
        for day in days:  # every day passes the quality gates before any is written
            day_rows = output.filter(pl.col(DATE_COLUMN) == day)
            listings = SymbolBatch(0, tuple(universes[day]["ListingId"].to_list()), ())
            check_quality(resolved_pass, config.DATASETNAME, day_rows, day, listings, emit)
        written = 0
        for day in days:
            rows = output.filter(pl.col(DATE_COLUMN) == day)
            if key == LISTING_COLUMN:
                ids = set(universes[day]["ListingId"].to_list()) | set(rows[key].to_list())
            else:
                ids = set(rows.get_column(key).drop_nulls().to_list())
            partition = OutputPartition(
                dataset=config.DATASETNAME,
                pass_name=resolved_pass.name,
                day=day,
                listing_ids=tuple(sorted(ids)),
                key_column=key,
                universe=universe_label(universe, config.UNIVERSE),
                start_date=start,
                end_date=end,
            )
            written += resolved_pass.writer.write(rows, partition)
        result.rows[resolved_pass.name] = result.rows.get(resolved_pass.name, 0) + written
        emit(
            "pass_finished",
            {
                "pass": resolved_pass.name,
                "day": f"{days[0]}..{days[-1]}",
                "rows": written,
                "seconds": round(time.perf_counter() - t0, 4),
            },
        )
    result.seconds = time.perf_counter() - began
    result.peak_rss_mb = peak_rss_mb()
    return result


__all__ = ["PanelInputError", "lookback_of", "run_panel_partition"]
