"""Symbol batches packed under the row limit, instruments kept whole."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from basalt.engine.batching import pack_symbol_batches, per_listing_rows
from basalt.engine.loader import load_pipeline
from basalt.engine.partition import plan_symbol_batches, universe_for
from basalt.engine.resolve import ResolvedPipeline, resolve
from basalt.plugins.manager import get_plugin_manager

DAY = date(2026, 1, 5)

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


@pytest.fixture
def synth_lake(two_mic_lake: Path) -> Path:
    return two_mic_lake


def _resolved(lake: Path, **extra: Any) -> ResolvedPipeline:
    data = {
        "START_DATE": str(DAY),
        "END_DATE": str(DAY),
        "DATASETNAME": "batching",
        "SOURCE": {"type": "local", "root": str(lake)},
        "PASSES": [{"name": "bars", "modules": ["trade"]}],
        **extra,
    }
    return resolve(load_pipeline(data=data), get_plugin_manager())


def test_a_run_day_that_fits_one_batch_gets_the_exact_plans_batch_without_the_estimate(
    synth_lake: Path,
) -> None:
    resolved = _resolved(synth_lake)
    listings = universe_for(resolved, None, DAY)
    assert listings.height == 6
    assert listings["MIC"].n_unique() == 2
    exact = plan_symbol_batches(resolved, listings, [DAY])

    def no_reference(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the quick path read the reference")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("basalt.engine.partition.reference_for", no_reference)
        quick = plan_symbol_batches(resolved, listings, [DAY], exact=False)
    assert len(exact) == 1
    assert [(b.listing_ids, b.mics) for b in quick] == [(b.listing_ids, b.mics) for b in exact]
    # Its estimates are the files' totals, counted here by reading every row.
    counted = sum(
        pl.read_parquet(f, hive_partitioning=False).height
        for f in synth_lake.rglob("*.parquet")
        if "trades" in str(f).lower()
    )
    assert quick[0].estimated_rows["trades"] == counted


def test_a_run_day_over_the_row_limit_is_packed_as_the_plan_packs_it(synth_lake: Path) -> None:
    resolved = _resolved(synth_lake, MAX_ROWS_PER_TABLE=1)
    listings = universe_for(resolved, None, DAY)
    exact = plan_symbol_batches(resolved, listings, [DAY])
    assert len(exact) == 3  # one per instrument: each is over the limit on its own
    assert plan_symbol_batches(resolved, listings, [DAY], exact=False) == exact
