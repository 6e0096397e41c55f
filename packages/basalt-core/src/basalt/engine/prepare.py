"""Prepare a day's tables for the symbol batches: ``naive`` scans or ``shredding``.

* ``naive``: each symbol batch scans the source files with its listings and the
  day pushed into the Parquet scan; a file is opened once per batch.
* ``shredding``: each source file is read once, streaming, and split into one
  Parquet file per symbol batch in the temp dir; batches then read only their
  own small files.

Both hand the passes the same rows in the same order (sorted by listing and
event time, stable), so both produce identical outputs.
"""

from __future__ import annotations

import logging
import shutil
from datetime import date
from pathlib import Path
from typing import Protocol

import polars as pl

from basalt.engine.batching import SymbolBatch
from basalt.sources.base import Source
from basalt.tables.base import Table

BATCH_KEY = "_basalt_batch"


class LoadTable(Protocol):
    """A day's table for one symbol batch: ``load(name)``; ``ordered=False`` skips the time-order check."""

    def __call__(self, name: str, *, ordered: bool = True) -> pl.LazyFrame: ...


def _ordered(frame: pl.LazyFrame, table: type[Table], keys: pl.DataFrame | None = None) -> pl.LazyFrame:
    """``frame`` with each listing's rows in event-time order; sorted only when they are not.

    Modules need every listing's rows in time order (``.over("ListingId")``, as-of
    joins ``by`` listing), not listings one after another. Lakes are written in
    that order per file (a listing lives in one MIC's file), and sorting every
    column of a day's L2 costs more than the analytics on it, while checking two
    key columns is cheap. A listing out of time order, or a null key, falls back
    to the stable sort by (listing, time). Ties keep file order either way.
    ``keys``: the key columns of ``frame``'s rows (or of a superset of them),
    when the caller has read them already.
    """
    columns = table.sort_columns()
    if len(columns) < 2:
        return frame
    keys = frame.select(columns).collect() if keys is None else keys
    return frame if _listings_in_time_order(keys, *columns[:2]) else frame.sort(columns, maintain_order=True)


def _listings_in_time_order(keys: pl.DataFrame, listing: str, time: str) -> bool:
    """Whether, within each ``listing``, ``time`` never decreases from row to row (no null key)."""
    if keys.height < 2:
        return True
    dtype = keys.schema[time]
    if keys.null_count().sum_horizontal().item() or not (dtype.is_temporal() or dtype.is_integer()):
        return False
    step = pl.col(time).cast(pl.Int64).diff().over(listing)
    return bool(keys.select((step.fill_null(0) >= 0).all()).item())


def naive_loader(
    source: Source,
    tables: dict[str, type[Table]],
    day: date,
    batch: SymbolBatch,
    *,
    limit_rows: int | None = None,
) -> LoadTable:
    """Tables of ``batch`` on ``day`` as scans of the source files, filtered to its listings.

    The key columns of the files are read first (cheap: two columns). When the
    files hold no listing outside the batch — one symbol batch for the whole
    universe, the common case — the scan is left unfiltered: Polars 2.1's
    ``is_in`` pushed into the Parquet reader costs more than reading the
    columns (0.08 s vs 0.005 s for 100 listings of a day's trades, measured
    for issue #7), and here it would drop nothing. Otherwise the listing filter
    is pushed into the scan as before, where it prunes row groups and rows.
    """

    def load(name: str, *, ordered: bool = True) -> pl.LazyFrame:
        table = tables[name]
        scan = source.scan(table, batch.mics, day, allow_missing=_optional(table))
        # The listing column alone when the rows need no time-order check (one column less to decode).
        keys = scan.select(table.sort_columns() if ordered else ["ListingId"]).collect()
        inside = keys.get_column("ListingId").is_in(pl.Series(batch.listing_ids, dtype=pl.Int64).implode())
        if not bool(inside.fill_null(False).all()):
            scan = scan.filter(pl.col("ListingId").is_in(list(batch.listing_ids)))
            keys = keys.filter(inside.fill_null(False))
        if limit_rows:
            scan = scan.head(limit_rows)
            return _ordered(scan, table) if ordered else scan
        return _ordered(scan, table, keys) if ordered else scan

    return _shared(load)


def _shared(load: LoadTable) -> LoadTable:
    """``load``, answering each (table, ordered) once: every module reading a table gets one frame.

    Two modules of a pass reading the same table (``l2`` and ``l2tw``) then hold the very same
    lazy scan, which Polars runs once for the pass's query (a common sub-plan, decoded once,
    with the union of their columns) instead of decoding the day's book twice: ~11 % of the
    CPU of an M day of the benchmark's ``l2-1min``.
    """
    loaded: dict[tuple[str, bool], pl.LazyFrame] = {}

    def shared(name: str, *, ordered: bool = True) -> pl.LazyFrame:
        if (name, ordered) not in loaded:
            loaded[(name, ordered)] = load(name, ordered=ordered)
        return loaded[(name, ordered)]

    return shared


def _optional(table: type[Table]) -> bool:
    # Auction imbalance and CBBO exist only for some venues and days: their absence is not an error.
    return table.NAME in {"imbalance", "cbbo"}


class Shredder:
    """Splits a day's source files into per-symbol-batch files under ``workdir``."""

    def __init__(self, source: Source, tables: dict[str, type[Table]], workdir: Path) -> None:
        self.source, self.tables, self.workdir = source, tables, workdir

    def shred(self, day: date, batches: list[SymbolBatch]) -> None:
        """Read each (table, MIC) file of ``day`` once and write one file per batch and MIC.

        A complete shredding left by an attempt that failed later (its ``.complete`` marker
        is written last) is reused; anything else in the folder is cleared first.
        """
        marker = self.workdir / ".complete"
        if marker.exists():
            logging.getLogger(__name__).info("reusing the shredded inputs of %s in %s", day, self.workdir)
            return
        shutil.rmtree(self.workdir, ignore_errors=True)
        mapping = pl.LazyFrame(
            {
                "ListingId": [lid for b in batches for lid in b.listing_ids],
                BATCH_KEY: [b.index for b in batches for _ in b.listing_ids],
            },
            schema={"ListingId": pl.Int64, BATCH_KEY: pl.Int64},
        )
        mics = sorted({mic for b in batches for mic in b.mics})
        for name, table in self.tables.items():
            for mic in mics:
                scan = self.source.scan(table, mic, day, allow_missing=True)
                target = self.workdir / name / mic
                target.mkdir(parents=True, exist_ok=True)
                scan.join(mapping, on="ListingId", how="inner", maintain_order="left").sink_parquet(
                    pl.PartitionBy(target, key=BATCH_KEY, include_key=False)
                )
        marker.touch()

    def loader(self, batch: SymbolBatch, *, limit_rows: int | None = None) -> LoadTable:
        """Tables of ``batch`` read back from its shredded files."""

        def load(name: str, *, ordered: bool = True) -> pl.LazyFrame:
            table = self.tables[name]
            files = sorted((self.workdir / name).glob(f"*/{BATCH_KEY}={batch.index}/*.parquet"))
            if not files:
                return table.empty().lazy()
            scan = pl.scan_parquet(files, hive_partitioning=False)
            scan = scan.head(limit_rows) if limit_rows else scan
            return _ordered(scan, table) if ordered else scan

        return _shared(load)
