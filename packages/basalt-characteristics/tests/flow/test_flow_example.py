"""``examples/microstructure.yaml`` end to end: every flow column is written, with values, and explained.

One synthesised day of the demo's shape (XLON + BATE), made small.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from basalt.cli import build_app
from basalt.engine.loader import load_pipeline
from basalt.plugins.manager import get_plugin_manager
from basalt.synth import SynthConfig, write_lake
from basalt_characteristics.catalog_flow import MODULES

EXAMPLE = Path(__file__).resolve().parents[4] / "examples" / "microstructure.yaml"


def flow_columns() -> list[str]:
    configs = load_pipeline(EXAMPLE).config.PASSES[0].module_configs
    return [doc.name for module in MODULES for doc in module(configs.get(module.NAME, {})).columns()]


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory) -> pl.DataFrame:
    root = tmp_path_factory.mktemp("microstructure-flow")
    day = dt.date(2026, 1, 5)
    config = SynthConfig(
        start_date=day, end_date=day, listings=1, mics=("XLON", "BATE"), seed=3, session_scale=0.02,
        messages_per_day=3000,
    )  # fmt: skip
    write_lake(config, root / "lake", workers=1)
    manager = get_plugin_manager()
    args = [
        "pipeline", "run", "-p", str(EXAMPLE), "--state-dir", str(root / "state"),
        "--set", "END_DATE=2026-01-05",
        "--set", f"SOURCE.root={root / 'lake'}", "--set", f"OUTPUT_TARGET.root={root / 'out'}",
    ]  # fmt: skip
    result = CliRunner().invoke(build_app(manager), args, obj=manager)
    assert result.exit_code == 0, result.output
    return pl.read_parquet(root / "out" / "microstructure" / "micro", hive_partitioning=False)


def test_every_flow_module_is_in_the_example() -> None:
    modules = load_pipeline(EXAMPLE).config.PASSES[0].modules
    assert {module.NAME for module in MODULES} <= set(modules)


def test_every_flow_column_is_written_with_values(output: pl.DataFrame) -> None:
    assert output["ListingId"].n_unique() == 2
    for column in flow_columns():
        assert column in output.columns, column
        assert output[column].drop_nulls().len() > 0, column


def test_classifier_accuracy_on_the_synthesised_lake(output: pl.DataFrame) -> None:
    """Through the engine on a written lake, the bands of ``test_flow_synth_truth`` (which says why) hold."""
    lee_ready = output["LeeReadyAccuracy"].drop_nulls().mean()
    assert 0.99 <= lee_ready <= 1.0
    assert 0.6 <= output["TickRuleAccuracy"].drop_nulls().mean() < lee_ready
    assert 0.6 <= output["BVCAccuracy"].drop_nulls().mean() < lee_ready


def test_every_flow_column_is_explained() -> None:
    manager = get_plugin_manager()
    app = build_app(manager)
    for column in flow_columns():
        result = CliRunner().invoke(
            app, ["analytics", "explain", column, "--pipeline", str(EXAMPLE)], obj=manager
        )
        assert result.exit_code == 0, result.output
        assert column in result.output
