"""Symbol batches: listings packed so no table of a batch exceeds ``MAX_ROWS_PER_TABLE`` rows.

Sizes are estimated from Parquet metadata only: the rows of each (table, MIC,
day) file are spread evenly over the listings the reference knows on that MIC.
All listings of one instrument stay in one batch, so cross-venue work (CBBO,
re-aggregation to the instrument) never spans batches.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import polars as pl


@dataclass(frozen=True)
class SymbolBatch:
    """Listings computed together in one date batch."""

    index: int
    listing_ids: tuple[int, ...]
    mics: tuple[str, ...]
    estimated_rows: dict[str, int] = field(default_factory=dict)
    """Table name → estimated rows over the whole date batch."""


def per_listing_rows(
    file_rows: Mapping[tuple[str, str], int], listings_per_mic: Mapping[str, int]
) -> dict[tuple[str, str], float]:
    """(table, MIC) → estimated rows per listing, from file totals and listing counts."""
    return {
        (table, mic): rows / max(listings_per_mic.get(mic, 1), 1) for (table, mic), rows in file_rows.items()
    }


INSTRUMENT_ORDER = ("InstrumentId", "ListingId")
"""The order listings are packed in: by instrument, so an instrument's listings stay together."""


def instrument_order(universe: pl.DataFrame) -> list[int]:
    """The universe's listing ids in packing order (what one batch of every listing holds)."""
    return universe.sort(*INSTRUMENT_ORDER).get_column("ListingId").to_list()


def pack_symbol_batches(
    universe: pl.DataFrame, per_listing: Mapping[tuple[str, str], float], max_rows: int
) -> list[SymbolBatch]:
    """Pack the universe's instruments, in InstrumentId order, into batches under ``max_rows``.

    An instrument too large on its own gets a batch to itself (it cannot be split
    without breaking cross-venue work); the plan shows its estimate so the user
    can see the overshoot.
    """
    tables = sorted({table for table, _ in per_listing})
    groups = (
        universe.sort(*INSTRUMENT_ORDER)
        .group_by("InstrumentId", maintain_order=True)
        .agg(pl.col("ListingId"), pl.col("MIC"))
    )
    batches: list[SymbolBatch] = []
    ids: list[int] = []
    mics: set[str] = set()
    totals = dict.fromkeys(tables, 0.0)

    def flush() -> None:
        if ids:
            rows = {table: round(total) for table, total in totals.items()}
            batches.append(SymbolBatch(len(batches), tuple(ids), tuple(sorted(mics)), rows))

    for listing_ids, listing_mics in zip(groups["ListingId"], groups["MIC"], strict=True):
        size = {t: sum(per_listing.get((t, m), 0.0) for m in listing_mics) for t in tables}
        if ids and any(totals[t] + size[t] > max_rows for t in tables):
            flush()
            ids, mics, totals = [], set(), dict.fromkeys(tables, 0.0)
        ids.extend(listing_ids)
        mics.update(listing_mics)
        for table in tables:
            totals[table] += size[table]
    flush()
    return batches
