"""A day pass grouping across symbol batches (e.g. by MIC) is refused, never written as partial rows."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from basalt.engine.errors import ConfigError
from basalt.engine.loader import load_pipeline
from basalt.engine.partition import run_partition

DAY = date(2026, 1, 5)


@pytest.fixture
def lake(two_mic_lake: Path) -> Path:
    return two_mic_lake


def _data(env: dict[str, Path], lake: Path, max_rows: int, group_by: str) -> dict[str, Any]:
    return {
        "START_DATE": DAY,
        "END_DATE": DAY,
        "DATASETNAME": "cross",
        "MAX_ROWS_PER_TABLE": max_rows,
        "SOURCE": {"type": "local", "root": str(lake)},
        "OUTPUT_TARGET": {"type": "parquet", "root": str(env["out"])},
        "PASSES": [
            {"name": "bars", "modules": ["runner_volume"], "timeline_mode": "sparse"},
            {
                "name": "by_group",
                "timeline_mode": "sparse",
                "modules": ["reaggregate"],
                "module_inputs": {"reaggregate": {"source": "pass:bars"}},
                "module_configs": {
                    "reaggregate": {"group_by": group_by, "reference": True, "columns": ["Volume"]}
                },
            },
        ],
    }


def test_grouping_by_mic_across_symbol_batches_is_refused(env: dict[str, Path], lake: Path) -> None:
    pipeline = load_pipeline(data=_data(env, lake, max_rows=1, group_by="MIC"))
    with pytest.raises(ConfigError) as excinfo:
        run_partition(pipeline, None, DAY, DAY)
    message = str(excinfo.value)
    assert "pass 'by_group' (scope: day) groups by ['MIC'" in message
    assert "scope: panel" in message
    assert not (env["out"] / "cross" / "by_group").exists()


def test_grouping_by_mic_in_one_batch_gives_one_row_per_group_and_bucket(
    env: dict[str, Path], lake: Path
) -> None:
    run_partition(load_pipeline(data=_data(env, lake, max_rows=10**9, group_by="MIC")), None, DAY, DAY)
    grouped = pl.read_parquet(env["out"] / "cross" / "by_group", hive_partitioning=False)
    bars = pl.read_parquet(env["out"] / "cross" / "bars", hive_partitioning=False)
    reference = pl.concat([pl.read_parquet(f) for f in (lake / "Reference").rglob("*.parquet")])
    mics = dict(zip(reference["ListingId"], reference["MIC"], strict=True))
    assert grouped.select("MIC", "TimeBucket").is_duplicated().sum() == 0
    expected: dict[tuple[str, Any], int] = {}
    for row in bars.iter_rows(named=True):
        key = (mics[row["ListingId"]], row["TimeBucket"])
        expected[key] = expected.get(key, 0) + row["Volume"]
    got = {(r["MIC"], r["TimeBucket"]): r["Volume"] for r in grouped.iter_rows(named=True)}
    assert got == expected


def test_grouping_by_instrument_across_batches_is_allowed(env: dict[str, Path], lake: Path) -> None:
    # Symbol batches never split an instrument, so an instrument-keyed day pass is whole.
    result = run_partition(
        load_pipeline(data=_data(env, lake, max_rows=1, group_by="InstrumentId")), None, DAY, DAY
    )
    assert result.symbol_batches > 1
    grouped = pl.read_parquet(env["out"] / "cross" / "by_group", hive_partitioning=False)
    assert grouped.select("InstrumentId", "TimeBucket").is_duplicated().sum() == 0
