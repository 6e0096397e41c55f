"""The naive loader: a batch gets exactly its listings' rows, each listing in time order.

The lake file is the real BMLL trades sample copied to three listings whose
rows interleave in time, as in a venue's day file; the expected rows are
picked by plain Python from the frame that was written.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from basalt.engine.batching import SymbolBatch
from basalt.engine.prepare import naive_loader
from basalt.sources.layout import write_partition
from basalt.sources.local import LocalSource, LocalSourceConfig
from basalt.tables.bmll import Trades
from bmll_sample import SAMPLE_DAY, SAMPLE_MIC, sample_frame

LISTINGS = (11, 22, 33)


def _day_file(late_first_trade_of: int | None = None, null_listing: bool = False) -> pl.DataFrame:
    """Three listings' copies of the sample, interleaved by time (one listing's first row out of order)."""
    base = sample_frame("trades").sort("TradeTimestamp", maintain_order=True).head(12)
    copies = []
    for offset, listing in enumerate(LISTINGS):
        copy = base.with_columns(
            pl.lit(listing, dtype=pl.Int64).alias("ListingId"),
            pl.col("TradeTimestamp") + timedelta(microseconds=offset),
        )
        copies.append(copy)
    frame = pl.concat(copies).sort("TradeTimestamp", maintain_order=True)
    if late_first_trade_of is not None:  # its first row stamped a second after its last
        mine = pl.col("ListingId") == late_first_trade_of
        first = mine & (mine.cum_sum() == 1)
        late = pl.col("TradeTimestamp").filter(mine).max() + timedelta(seconds=1)
        frame = frame.with_columns(
            pl.when(first).then(late).otherwise(pl.col("TradeTimestamp")).alias("TradeTimestamp")
        )
    if null_listing:
        frame = pl.concat([frame, frame[:1].with_columns(pl.lit(None, dtype=pl.Int64).alias("ListingId"))])
    return frame.with_columns(pl.col("ListingId").cast(Trades.SCHEMA["ListingId"]))


def _load(
    tmp_path: Path, written: pl.DataFrame, listing_ids: tuple[int, ...], *, ordered: bool = True
) -> pl.DataFrame:
    write_partition(written, tmp_path / "lake", Trades, SAMPLE_MIC, SAMPLE_DAY, "hive")
    source = LocalSource(LocalSourceConfig(root=tmp_path / "lake"))
    batch = SymbolBatch(0, listing_ids, (SAMPLE_MIC,))
    return naive_loader(source, {"trades": Trades}, SAMPLE_DAY, batch)("trades", ordered=ordered).collect()


def _expected(written: pl.DataFrame, listing_ids: tuple[int, ...]) -> list[tuple[int, object]]:
    """(listing, trade time) of the wanted rows, each listing's in time order (plain Python)."""
    rows = [
        (row["ListingId"], row["TradeTimestamp"], position)
        for position, row in enumerate(written.iter_rows(named=True))
        if row["ListingId"] in listing_ids
    ]
    return [(listing, time) for listing, time, _ in sorted(rows, key=lambda r: (r[0], r[1], r[2]))]


def _per_listing(loaded: pl.DataFrame) -> list[tuple[int, object]]:
    """(listing, time) grouped by listing, keeping the loaded order within each listing."""
    pairs = list(zip(loaded["ListingId"].to_list(), loaded["TradeTimestamp"].to_list(), strict=True))
    return [pair for listing in sorted({p[0] for p in pairs}) for pair in pairs if pair[0] == listing]


@pytest.mark.parametrize("listing_ids", [LISTINGS, (11, 33), (22,)])
def test_a_batch_gets_exactly_its_listings_in_file_order(
    tmp_path: Path, listing_ids: tuple[int, ...]
) -> None:
    written = _day_file()
    loaded = _load(tmp_path, written, listing_ids)
    assert _per_listing(loaded) == _expected(written, listing_ids)
    # In time order already: the file's interleaved order is kept, not re-sorted.
    wanted = written.filter(pl.col("ListingId").is_in(list(listing_ids)))
    assert_frame_equal(loaded, wanted)


@pytest.mark.parametrize("listing_ids", [LISTINGS, (22, 33)])
def test_a_listing_out_of_time_order_gets_the_batch_sorted(
    tmp_path: Path, listing_ids: tuple[int, ...]
) -> None:
    written = _day_file(late_first_trade_of=22)
    loaded = _load(tmp_path, written, listing_ids)
    assert loaded["ListingId"].is_sorted()  # the stable sort by (listing, time)
    assert _per_listing(loaded) == _expected(written, listing_ids)


def test_rows_without_a_listing_never_reach_a_batch(tmp_path: Path) -> None:
    written = _day_file(null_listing=True)
    loaded = _load(tmp_path, written, LISTINGS)
    assert loaded["ListingId"].null_count() == 0
    assert _per_listing(loaded) == _expected(written, LISTINGS)


@pytest.mark.parametrize("listing_ids", [LISTINGS, (22, 33)])
def test_a_module_needing_no_time_order_gets_its_listings_in_file_order(
    tmp_path: Path, listing_ids: tuple[int, ...]
) -> None:
    # ordered=False (a module with TIME_ORDERED_INPUTS = False): the batch's rows, unsorted.
    written = _day_file(late_first_trade_of=22)
    loaded = _load(tmp_path, written, listing_ids, ordered=False)
    assert_frame_equal(loaded, written.filter(pl.col("ListingId").is_in(list(listing_ids))))


def test_modules_reading_one_table_share_one_scan(tmp_path: Path) -> None:
    # Two modules of a pass reading the same table (l2 and l2tw) get the same lazy frame,
    # which Polars then decodes once for the pass's query.
    write_partition(_day_file(), tmp_path / "lake", Trades, SAMPLE_MIC, SAMPLE_DAY, "hive")
    source = LocalSource(LocalSourceConfig(root=tmp_path / "lake"))
    load = naive_loader(source, {"trades": Trades}, SAMPLE_DAY, SymbolBatch(0, LISTINGS, (SAMPLE_MIC,)))
    first = load("trades", ordered=False)
    assert load("trades", ordered=False) is first
    assert load("trades") is not first  # the time-ordered form is its own frame
    assert load("trades") is load("trades")
