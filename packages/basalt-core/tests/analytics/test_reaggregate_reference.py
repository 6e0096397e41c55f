"""``reaggregate`` vs the plain-Python reference on generated bars (6 listings, 3 instruments, 2 days)."""

from __future__ import annotations

from datetime import datetime

import polars as pl
import pytest
from analytics.reference_cellwise import assert_matches
from analytics.reference_reaggregate import LISTINGS, bars_frame, generate_bars, reference_reaggregate

from basalt.analytics.reaggregate import ReaggregateModule
from basalt.testing import run_module
from basalt.timebuckets import TimeBuckets

ROWS = generate_bars()
RULES = {
    "Volume": {"rule": "sum"},
    "Count": {"rule": "sum"},
    "Notional": {"rule": "sum"},
    "PriceMean": {"rule": "mean", "column": "Price"},
    "VWAP": {"rule": "weighted_mean", "column": "Price", "weight": "Volume"},
    "PriceW": {"rule": "weighted_mean", "column": "Price", "weight": "Weight"},
    "Open": {"rule": "first", "column": "Price"},
    "Close": {"rule": "last", "column": "Price"},
    "Low": {"rule": "min", "column": "Price"},
    "High": {"rule": "max", "column": "Price"},
    "MaxVolume": {"rule": "max", "column": "Volume"},
}
OUTPUTS = {name: (spec["rule"], spec.get("column", name), spec.get("weight")) for name, spec in RULES.items()}


@pytest.mark.parametrize(
    ("group_by", "seconds", "anchor", "source_anchor"),
    [
        ("ListingId", 900, "end", None),
        ("InstrumentId", 60, "end", None),
        ("InstrumentId", 1800, "start", "end"),
        ("MIC", 300, "end", None),
        ("ListingId", 86_400, "end", None),
    ],
)
def test_every_column_matches_the_reference(
    group_by: str, seconds: int, anchor: str, source_anchor: str | None
) -> None:
    config = {"group_by": group_by, "rules": RULES, "source_anchor": source_anchor}
    source = bars_frame(ROWS).sample(fraction=1.0, shuffle=True, seed=seconds)
    result = run_module(
        ReaggregateModule,
        {"source": source},
        config=config,
        buckets=TimeBuckets(seconds=seconds, anchor=anchor),
    )
    expected = reference_reaggregate(
        ROWS, lambda row: row[group_by], OUTPUTS, size_ns=seconds * 1_000_000_000, anchor=anchor
    )
    assert result.height == len(expected) > 10
    assert assert_matches(result, [group_by, "TimeBucket"], expected) == len(expected) * len(RULES)


def test_instrument_from_the_reference_table_matches() -> None:
    reference = pl.DataFrame(
        {
            "ListingId": list(LISTINGS) * 2,
            "InstrumentId": [i for i, _ in LISTINGS.values()] * 2,
            "Date": [datetime(2024, 3, 4)] * len(LISTINGS) + [datetime(2024, 3, 5)] * len(LISTINGS),
        }
    ).with_columns(pl.col("Date").cast(pl.Datetime("ms")))
    source = bars_frame(ROWS).drop("InstrumentId")
    config = {"group_by": "InstrumentId", "reference": True, "rules": RULES}
    result = run_module(
        ReaggregateModule,
        {"source": source, "reference": reference},
        config=config,
        buckets=TimeBuckets(seconds=900),
    )
    expected = reference_reaggregate(
        ROWS, lambda row: LISTINGS[row["ListingId"]][0], OUTPUTS, size_ns=900 * 10**9
    )
    assert_matches(result, ["InstrumentId", "TimeBucket"], expected)
