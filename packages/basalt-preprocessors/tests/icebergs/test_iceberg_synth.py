"""Planted icebergs of the synthetic market: precision and recall, and the reference on generated data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from reference_icebergs import reference_detect, reference_metrics

from basalt import TimeBuckets
from basalt.synth import SynthConfig, write_lake
from basalt.synth.icebergs import DEFAULT_RATE, TRUTH_PATH
from basalt.testing import run_module
from basalt_preprocessors.icebergs.evaluate import score
from basalt_preprocessors.icebergs.metrics import IcebergMetrics
from basalt_preprocessors.icebergs.module import Icebergs

CONFIG = SynthConfig(
    start_date=dt.date(2024, 3, 4),
    end_date=dt.date(2024, 3, 4),
    listings=2,
    mics=("XLON", "BATE"),
    messages_per_day=12_000,
    session_scale=0.05,
    iceberg_rate=DEFAULT_RATE,
    seed=3,
)
"""Two instruments on two venues, one day, the default planting rate (about 60 icebergs refilled)."""


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(L3 of every listing, planted truth)."""
    root = tmp_path_factory.mktemp("iceberg-lake")
    write_lake(CONFIG, root, workers=1)
    l3 = pl.concat([pl.read_parquet(p) for p in sorted(Path(root).glob("Equity-L3/**/*.parquet"))])
    return l3, pl.read_parquet(root / TRUTH_PATH)


def test_precision_and_recall_against_the_planted_truth(lake: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    l3, truth = lake
    detected = run_module(Icebergs, {"l3": l3})
    result = score(detected, truth)
    print(result.table())  # the report: pytest -s shows it
    assert result.detectable >= 30  # enough planted icebergs revealed for the bounds below to mean something
    assert result.precision >= 0.9
    assert result.recall >= 0.9
    # matched icebergs are measured right, not just found
    assert result.refills_equal >= 0.9 * result.true_positives
    assert result.volume_equal >= 0.9 * result.true_positives


def test_detection_equals_the_plain_python_reference(lake: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    l3, _ = lake
    assert run_module(Icebergs, {"l3": l3}).to_dicts() == reference_detect(l3)
    # The data starting mid-day (orders resting before them unknown) and a 10 µs refill delay.
    late = l3.filter(pl.col("EventNo") > pl.col("EventNo").max().over("ListingId") // 3)
    config = {"refill_delay_ns": 10_000}
    assert run_module(Icebergs, {"l3": late}, config=config).to_dicts() == reference_detect(late, 10_000)
    # Events as rows sharing a timestamp (no EndOfEvent column), and the refill rule alone.
    bare = l3.drop("EndOfEvent")
    assert run_module(Icebergs, {"l3": bare}).to_dicts() == reference_detect(bare)
    only_refills = run_module(Icebergs, {"l3": l3}, config={"hidden_executions": False})
    assert only_refills.to_dicts() == reference_detect(l3, hidden=False)
    assert only_refills["HiddenExecutionCount"].sum() == 0


def test_metrics_equal_the_reference_and_add_up_to_the_table(lake: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    l3, _ = lake
    out = run_module(IcebergMetrics, {"l3": l3}, buckets=TimeBuckets(seconds=10))
    ref = reference_metrics(l3, bucket_ns=10 * 10**9)
    assert out.height == len(ref)
    for row in out.to_dicts():
        expected = ref[(row["ListingId"], _ns(row["TimeBucket"]))]
        for name, value in expected.items():
            if isinstance(value, float):
                assert row[name] == pytest.approx(value, rel=1e-9), name
            else:
                assert row[name] == value, name
    table = run_module(Icebergs, {"l3": l3})
    assert out["IcebergExecutedVolume"].sum() == table["ExecutedVolume"].sum()
    assert out["IcebergRefillCount"].sum() == table["RefillCount"].sum()


def _ns(value: dt.datetime) -> int:
    return (value - dt.datetime(1970, 1, 1)) // dt.timedelta(microseconds=1) * 1000
