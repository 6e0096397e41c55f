"""``cbbo`` on the real BMLL sample rows (one listing on XLON, 2026-01-02).

With one venue the consolidated book is that venue's book: every level equals the L2 row in
force (the last one per EventTimestamp), and the output has BMLL's cbbo dtypes.
"""

from __future__ import annotations

import polars as pl

from basalt.tables.bmll import CBBO
from basalt.testing import run_module
from basalt_preprocessors.cbbo import ConsolidatedBook
from bmll_sample import sample_frame


def test_one_venue_gives_its_own_book_in_bmll_cbbo_dtypes() -> None:
    l2 = sample_frame("l2")
    out = run_module(ConsolidatedBook, {"l2": l2, "reference": sample_frame("reference")})
    last = l2.sort("EventTimestamp", "L2EventNo").unique("EventTimestamp", keep="last", maintain_order=True)
    levels = [c for c in out.columns if c.startswith(("Bid", "Ask")) and "LevelCount" not in c]
    assert out.height == last.height == l2["EventTimestamp"].n_unique()
    assert out.select(levels).equals(last.select(levels))
    # visible distinct prices: the sample's books are deeper than 10 levels
    assert out["BidLevelCount"].to_list() == last["BidLevelCount"].clip(upper_bound=10).to_list()
    assert (out["ListingId"] == 121317).all()
    assert (out["InstrumentId"] == 121429).all()
    schema = CBBO.SCHEMA
    shared = [c for c in out.columns if c in schema]
    assert shared == [c for c in out.columns if c != "InstrumentId"]  # every other column is BMLL's
    assert {c: out.schema[c] for c in shared} == {c: schema[c] for c in shared}
    assert out.filter(pl.col("BidPrice1") >= pl.col("AskPrice1")).height == 0


def test_cbbo_venue_on_bmlls_own_cbbo_table() -> None:
    """The sample's XLON L2 against BMLL's real CBBO (filed under the primary listing, all venues):
    checked against the plain-Python reference, 1-second buckets."""
    import datetime as dt
    import math

    from cbbo_reference import EPOCH, reference_cbbo_venue

    from basalt import TimeBuckets
    from basalt_preprocessors.cbbo import CBBOVenue

    l2, cbbo, reference = sample_frame("l2"), sample_frame("cbbo"), sample_frame("reference")
    out = run_module(
        CBBOVenue, {"l2": l2, "cbbo": cbbo, "reference": reference}, buckets=TimeBuckets(seconds=1)
    )
    last = cbbo.sort("EventTimestamp", "L2EventNo").unique("EventTimestamp", keep="last", maintain_order=True)
    consolidated = [
        {**row, "InstrumentId": 121429}
        for row in last.select("EventTimestamp", "^(Bid|Ask).*1$").iter_rows(named=True)
    ]
    expected = reference_cbbo_venue(l2, reference, consolidated, 1_000_000_000)
    assert out.height == len(expected) > 3
    for row in out.iter_rows(named=True):
        key = (row["ListingId"], (row["TimeBucket"] - EPOCH) // dt.timedelta(microseconds=1) * 1000)
        for name, value in expected[key].items():
            assert (row[name] is None) == (value is None), name
            if value is not None:
                assert math.isclose(row[name], value, rel_tol=1e-9, abs_tol=1e-12), (name, row[name], value)
    # XLON is at BMLL's consolidated best bid for some of the time
    assert 0 < out["AtCBBTimeShare"].mean() <= 1  # type: ignore[operator]
