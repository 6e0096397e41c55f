"""How many worker processes a run uses: ``NUM_WORKERS`` at most, fewer when its work is small.

A worker costs about half a second of a core to start (interpreter, Polars, the
engine), and Polars already spreads one day's query over every core, so a second
process only pays for itself when each process has seconds of work. Measured on
2 cores (``docs/performance.md``, issue #12): trade bars over 100 listings × 5 days
(1.8 M input rows) took 1.6 s with one worker and 2.0 s with two, the second
one's start-up competing with the planning and the first one's work; L2 bars over
the same days (29 M input rows) took 25–30 s with one and 20–22 s with two.

So a run gets one worker per ``MIN_ROWS_PER_WORKER`` input rows, at least one
and at most ``NUM_WORKERS`` (and never more than its trading days: a date batch
is the smallest job). The input rows are estimated from Parquet footers only:
every table the passes load, for each MIC of the universe, on the run's first
and last trading day (the ones of them with files), scaled to all its days. A
MIC's rows are spread evenly over the listings its reference knows, so a
universe of a few listings counts a share of the files, as symbol batches do.

When it cannot count cheaply or at all, the run uses what ``NUM_WORKERS`` asks: a
source that would fetch data to count rows (BMLL's API: ``Source.CHEAP_ROW_COUNTS``),
a footer that cannot be read (the batch reading that file reports it, with retries),
or no files on the sampled days. A stateful run uses one worker per listing shard.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from basalt.engine.batching import per_listing_rows
from basalt.engine.partition import file_rows, reference_counts

if TYPE_CHECKING:  # pragma: no cover - typing only
    import polars as pl

    from basalt.engine.resolve import ResolvedPipeline


@dataclass(frozen=True)
class WorkerSizing:
    """The worker processes a run uses, and why."""

    count: int
    estimated_rows: int | None
    """Input rows the estimate found (None: not estimated)."""
    reason: str
    """Why this many, in words (``--dry-run`` and the run's ledger show it)."""


def size_workers(
    resolved: ResolvedPipeline, universes: dict[date, pl.DataFrame], *, shards: int | None = None
) -> WorkerSizing:
    """How many workers a run of ``resolved`` over ``universes`` (day → listings) uses.

    ``shards``: the listing shards of a stateful run (its shards run side by side, each
    shard's days in order), None for a stateless one.
    """
    config = resolved.config
    asked = config.NUM_WORKERS
    days = sorted(universes)
    if shards is not None:
        count = min(asked, shards)
        return WorkerSizing(count, None, f"{shards} listing shard(s) of the stateful passes, one worker each")
    wanted = min(asked, max(len(days), 1))
    if wanted <= 1:
        if asked <= 1:
            return WorkerSizing(1, None, f"NUM_WORKERS={asked}")
        return WorkerSizing(1, None, f"{len(days)} trading day(s): one date batch at a time")
    per_worker = config.MIN_ROWS_PER_WORKER
    if per_worker == 0:
        return WorkerSizing(wanted, None, f"NUM_WORKERS={asked} (MIN_ROWS_PER_WORKER=0: not sized by work)")
    if not resolved.source.CHEAP_ROW_COUNTS:
        return WorkerSizing(
            wanted,
            None,
            f"NUM_WORKERS={asked} (source {resolved.source.NAME!r} would fetch data to count rows)",
        )
    try:
        rows = estimated_input_rows(resolved, universes)
    except Exception as exc:  # an estimate only: the batch reading the file reports it, with retries
        return WorkerSizing(
            wanted, None, f"NUM_WORKERS={asked} (input rows not counted: {type(exc).__name__})"
        )
    if rows is None:
        return WorkerSizing(wanted, None, f"NUM_WORKERS={asked} (no input files found to size the work)")
    workers = max(1, min(wanted, rows // per_worker))
    if workers == wanted:
        return WorkerSizing(workers, rows, f"NUM_WORKERS={asked}, ~{rows:,} input rows")
    return WorkerSizing(
        workers,
        rows,
        f"~{rows:,} input rows: {workers} of NUM_WORKERS={asked}, one per MIN_ROWS_PER_WORKER="
        f"{per_worker:,} (more would cost more start-up than they save)",
    )


def estimated_input_rows(resolved: ResolvedPipeline, universes: dict[date, pl.DataFrame]) -> int | None:
    """The universe's share of every loaded table on the run's first and last day, scaled to all days.

    Only sampled days with files count (a holiday at one end is skipped); None when neither
    has any (holidays at both ends).
    """
    days = sorted(universes)
    sample = sorted({days[0], days[-1]}) if days else []
    found = 0
    total = 0.0
    for day in sample:
        listings = universes[day]
        if listings.height == 0:
            continue
        in_universe = listings.get_column("MIC").value_counts()
        mics = sorted(in_universe.get_column("MIC").to_list())
        rows = file_rows(resolved, mics, [day])
        if not any(rows.values()):
            continue
        per_listing = per_listing_rows(rows, reference_counts(resolved, day, mics))
        counts = dict(in_universe.iter_rows())
        found += 1
        # At most the whole file: a universe listing the reference does not know adds nothing.
        total += sum(min(rows[key], share * counts[key[1]]) for key, share in per_listing.items())
    if not found:
        return None
    return round(total * len(days) / found)


__all__ = ["WorkerSizing", "estimated_input_rows", "size_workers"]
