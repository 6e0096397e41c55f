"""The simulated market shows the stylized facts of a liquid European stock."""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl
import pytest

from basalt.synth import Stat, SynthConfig, SynthReport, report, write_lake

STATS = (
    "spread_1_tick_share",
    "spread_1_3_tick_share",
    "mean_spread_ticks",
    "return_kurtosis_1min",
    "abs_return_acf_lag1",
    "abs_return_acf_lag5",
    "abs_return_acf_lag10",
    "u_shape_ratio",
    "order_size_tail_index",
    "cancel_trade_ratio",
    "cbbo_locked_or_crossed_share",
    "cbbo_locked_or_crossed_time_share",
    "cbbo_longest_cross_seconds",
)


@pytest.fixture(scope="module")
def facts(small: dict[str, pl.DataFrame]) -> SynthReport:
    return report(small)


@pytest.mark.parametrize("name", STATS)
def test_stylized_fact_is_in_its_plausible_band(facts: SynthReport, name: str) -> None:
    stat = facts[name]
    assert stat.ok, f"{name} = {stat.value:.4g}, expected within [{stat.low}, {stat.high}]"


def test_the_facts_are_not_trivially_satisfied(facts: SynthReport) -> None:
    # Heavy tails and clustering: clearly beyond what a Gaussian random walk shows.
    assert facts["return_kurtosis_1min"].value > 4.5
    assert facts["abs_return_acf_lag1"].value > 0.1
    assert facts["u_shape_ratio"].value > 1.4
    assert facts["cancel_trade_ratio"].value > 4
    assert 1.2 < facts["order_size_tail_index"].value < 2.2
    assert facts.listing_days == 12


def test_report_rejects_values_outside_bands() -> None:
    assert not Stat("x", math.nan, 0, 1, "").ok
    assert not Stat("x", 1.5, 0, 1, "").ok
    assert Stat("x", 1.0, 0, 1, "").ok


def test_report_reads_a_lake_folder(tmp_path: Path, tiny_config: SynthConfig) -> None:
    write_lake(tiny_config, tmp_path, layout="hive", workers=1)
    facts = report(tmp_path)
    assert facts.listing_days == 3
    assert not math.isnan(facts["spread_1_3_tick_share"].value)
    assert facts.to_frame().columns == ["name", "value", "low", "high", "ok", "note"]
