"""``examples/icebergs.yaml`` end to end through ``basalt pipeline run`` on a lake with planted icebergs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from basalt.cli import build_app
from basalt.plugins.manager import get_plugin_manager
from basalt.synth import SynthConfig, write_lake
from basalt.synth.icebergs import DEFAULT_RATE, TRUTH_PATH
from basalt_preprocessors.icebergs.evaluate import score

EXAMPLE = Path(__file__).resolve().parents[4] / "examples" / "icebergs.yaml"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("iceberg-example")
    config = SynthConfig(
        start_date=dt.date(2026, 1, 5),
        end_date=dt.date(2026, 1, 6),
        listings=1,
        mics=("XLON", "BATE"),
        seed=11,
        session_scale=0.02,
        messages_per_day=4000,
        iceberg_rate=DEFAULT_RATE,
    )
    write_lake(config, root / "lake", workers=1)
    manager = get_plugin_manager()
    args = [
        "pipeline", "run", "-p", str(EXAMPLE), "--state-dir", str(root / "state"),
        "--set", f"SOURCE.root={root / 'lake'}", "--set", f"OUTPUT_TARGET.root={root / 'out'}",
    ]  # fmt: skip
    result = CliRunner().invoke(build_app(manager), args, obj=manager)
    assert result.exit_code == 0, result.output
    return root


def test_the_example_finds_the_planted_icebergs_and_buckets_their_volume(run: Path) -> None:
    icebergs = pl.read_parquet(run / "out" / "icebergs" / "icebergs", hive_partitioning=False)
    bars = pl.read_parquet(run / "out" / "icebergs" / "bars", hive_partitioning=False)
    truth = pl.read_parquet(run / "lake" / TRUTH_PATH)
    result = score(icebergs, truth)
    assert result.detectable > 0
    assert result.precision >= 0.9
    assert result.recall >= 0.9
    assert bars["IcebergExecutedVolume"].sum() == icebergs["ExecutedVolume"].sum()
    # the core l3 module's executions (all market states) bound the icebergs' (continuous trading)
    l3_volume = bars["ExecuteVolumeBid"] + bars["ExecuteVolumeAsk"]
    assert (bars["IcebergExecutedVolume"] <= l3_volume).all()
    assert (bars["IcebergExecutedVolume"] > 0).any()
