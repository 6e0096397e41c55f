"""``examples/microstructure.yaml`` end to end through ``basalt pipeline run`` on a synthesised two-day lake.

The lake has the demo's shape (XLON + BATE, 2026-01-05/06), made small. Every column of the book
modules (ofi, microprice, volatility, liquidity) must be in the output with values, and each
must be explained by ``basalt analytics explain``.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from basalt.cli import build_app
from basalt.plugins.manager import get_plugin_manager
from basalt.synth import SynthConfig, write_lake
from basalt_characteristics.catalog_book import MODULES

EXAMPLE = Path(__file__).resolve().parents[4] / "examples" / "microstructure.yaml"


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory) -> pl.DataFrame:
    root = tmp_path_factory.mktemp("microstructure-example")
    config = SynthConfig(
        start_date=dt.date(2026, 1, 5),
        end_date=dt.date(2026, 1, 6),
        listings=1,
        mics=("XLON", "BATE"),
        seed=7,
        session_scale=0.02,
        messages_per_day=3000,
    )
    write_lake(config, root / "lake", workers=1)
    manager = get_plugin_manager()
    args = [
        "pipeline", "run", "-p", str(EXAMPLE), "--state-dir", str(root / "state"),
        "--set", f"SOURCE.root={root / 'lake'}", "--set", f"OUTPUT_TARGET.root={root / 'out'}",
    ]  # fmt: skip
    result = CliRunner().invoke(build_app(manager), args, obj=manager)
    assert result.exit_code == 0, result.output
    return pl.read_parquet(root / "out" / "microstructure" / "micro", hive_partitioning=False)


def book_columns() -> list[str]:
    from basalt.engine.loader import load_pipeline

    configs = load_pipeline(EXAMPLE).config.PASSES[0].module_configs
    return [doc.name for module in MODULES for doc in module(configs.get(module.NAME, {})).columns()]


def test_every_book_column_is_written_with_values(output: pl.DataFrame) -> None:
    assert output["Date"].n_unique() == 2
    assert output["ListingId"].n_unique() == 2
    for column in book_columns():
        assert column in output.columns, column
        assert output[column].drop_nulls().len() > 0, column
    # 1-minute buckets, labelled by their end.
    assert (output["TimeBucket"].dt.second() == 0).all()


def test_every_book_column_is_explained() -> None:
    manager = get_plugin_manager()
    app = build_app(manager)
    # Every column under the example's configs (levels, options), with its definition.
    listed = CliRunner().invoke(app, ["analytics", "list", "--pipeline", str(EXAMPLE), "--json"], obj=manager)
    assert listed.exit_code == 0, listed.output
    documented = {row["name"]: row for row in json.loads(listed.output)}
    for column in book_columns():
        assert documented[column]["definition"], column
    # explain answers for a column the config adds, and for default columns without a pipeline.
    result = CliRunner().invoke(
        app, ["analytics", "explain", "OFI5", "--pipeline", str(EXAMPLE)], obj=manager
    )
    assert result.exit_code == 0, result.output
    assert "Xu, Gould & Howison" in result.output
    for column in ("MicroPriceStoikov", "MidRealizedKernel", "KyleLambda"):
        result = CliRunner().invoke(app, ["analytics", "explain", column], obj=manager)
        assert result.exit_code == 0, result.output
        assert column in result.output
