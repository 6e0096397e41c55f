"""Symbol batches packed under the row limit, instruments kept whole."""

from __future__ import annotations

import polars as pl

from basalt.engine.batching import pack_symbol_batches, per_listing_rows

UNIVERSE = pl.DataFrame(
    {
        "ListingId": [11, 12, 21, 31, 32, 41],
        "InstrumentId": [1, 1, 2, 3, 3, 4],
        "MIC": ["XLON", "BATE", "XLON", "XLON", "BATE", "XLON"],
    }
)


def test_rows_are_spread_over_the_mics_listings() -> None:
    estimate = per_listing_rows({("trades", "XLON"): 400, ("trades", "BATE"): 100}, {"XLON": 4, "BATE": 2})
    assert estimate == {("trades", "XLON"): 100.0, ("trades", "BATE"): 50.0}


def test_packs_instruments_under_the_limit() -> None:
    per_listing = {("trades", "XLON"): 100.0, ("trades", "BATE"): 50.0}
    # Instrument sizes: 1 → 150, 2 → 100, 3 → 150, 4 → 100.
    batches = pack_symbol_batches(UNIVERSE, per_listing, max_rows=260)
    assert [b.listing_ids for b in batches] == [(11, 12, 21), (31, 32, 41)]
    assert [b.estimated_rows for b in batches] == [{"trades": 250}, {"trades": 250}]
    assert batches[0].mics == ("BATE", "XLON")


def test_an_oversized_instrument_gets_its_own_batch_and_every_table_counts() -> None:
    per_listing = {("trades", "XLON"): 10.0, ("l3", "XLON"): 500.0, ("l3", "BATE"): 0.0}
    batches = pack_symbol_batches(UNIVERSE, per_listing, max_rows=400)
    assert [b.listing_ids for b in batches] == [(11, 12), (21,), (31, 32), (41,)]
    assert all(b.estimated_rows["l3"] == 500 for b in batches)
    assert sorted(i for b in batches for i in b.listing_ids) == sorted(UNIVERSE["ListingId"])
