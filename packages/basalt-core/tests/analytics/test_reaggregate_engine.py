"""``l3`` → ``reaggregate`` → ``indicators`` as three passes of the engine, on the real BMLL sample.

The modules are served by a test-only plugin (they are not registered here): this checks
that per-instance ``KEYS``, configurable input names and ``pass:NAME`` inputs work with
``run_pass``.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl
import pytest

from basalt.engine.loader import load_pipeline
from basalt.engine.passes import run_pass
from basalt.engine.resolve import resolve
from basalt.testing import make_plugin_manager
from bmll_sample import SAMPLE_DAY, sample_frame

PASSES = [
    {"name": "bars", "modules": ["l3"], "time_bucket_seconds": 1},
    {
        "name": "agg",
        "modules": ["reaggregate"],
        "time_bucket_seconds": 5,
        "module_inputs": {"reaggregate": {"bars": "pass:bars"}},
        "module_configs": {
            "reaggregate": {
                "source_pass": "bars",
                "group_by": "InstrumentId",
                "reference": True,
                "columns": ["InsertCountBid", "InsertVolumeBid"],
                "rules": {"LastInsertVolumeAsk": {"rule": "last", "column": "InsertVolumeAsk"}},
            }
        },
    },
    {
        "name": "ind",
        "modules": ["indicators"],
        "time_bucket_seconds": 5,
        "module_inputs": {"indicators": {"agg": "pass:agg"}},
        "module_configs": {
            "indicators": {
                "source_pass": "agg",
                "group_by": "InstrumentId",
                "indicators": [{"kind": "sma", "column": "InsertCountBid", "window": 2}],
            }
        },
    },
]


def _load(name: str, *, ordered: bool = True) -> pl.LazyFrame:
    return sample_frame(name).lazy()


@pytest.fixture(scope="module")
def outputs() -> dict[str, pl.DataFrame]:
    data = {"START_DATE": SAMPLE_DAY, "END_DATE": SAMPLE_DAY, "DATASETNAME": "t", "PASSES": PASSES}
    resolved = resolve(load_pipeline(data=data), make_plugin_manager())  # the modules are built-ins
    inputs = {name: str(ref) for name, ref in resolved.passes[1].modules[0].inputs.items()}
    assert inputs == {"bars": "pass:bars", "reference": "reference"}
    context: dict[str, pl.DataFrame] = {}
    for resolved_pass in resolved.passes:
        context[resolved_pass.name] = run_pass(resolved_pass, SAMPLE_DAY, [121317], _load, context)
    return context


def test_l3_pass(outputs: dict[str, pl.DataFrame]) -> None:
    bars = outputs["bars"]
    assert bars.columns[:3] == ["ListingId", "Date", "TimeBucket"]
    assert bars["InsertCountBid"].to_list() == [1, 1, 0, 12]  # 12:00:01, :03, :05, :06


def test_reaggregated_pass_is_keyed_by_instrument(outputs: dict[str, pl.DataFrame]) -> None:
    agg = outputs["agg"]
    assert agg.columns == [
        "InstrumentId",
        "Date",
        "TimeBucket",
        "InsertCountBid",
        "InsertVolumeBid",
        "LastInsertVolumeAsk",
    ]
    assert agg["InstrumentId"].to_list() == [121429, 121429]
    assert agg["TimeBucket"].to_list() == [datetime(2026, 1, 2, 12, 0, 5), datetime(2026, 1, 2, 12, 0, 10)]
    assert agg["InsertCountBid"].to_list() == [2, 12]
    assert agg["InsertVolumeBid"].to_list() == [6844 + 5906, 58630 - 6844 - 5906]


def test_indicators_pass(outputs: dict[str, pl.DataFrame]) -> None:
    ind = outputs["ind"]
    assert ind.columns == ["InstrumentId", "Date", "TimeBucket", "InsertCountBidSMA2"]
    assert ind["InsertCountBidSMA2"].to_list() == [None, 7.0]
