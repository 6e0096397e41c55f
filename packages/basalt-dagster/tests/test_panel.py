"""A panel pass as an asset: it depends on the day pass with its lookback, and equals Basalt's own run.

Alphas 12 and 101 of ``bmll-basalt-alpha101`` over daily bars: Alpha012 reads the
previous day's bar (lookback 1), so the second date's panel step must see the
first date's stored bars, exactly as ``basalt pipeline run`` does.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import dagster as dg
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from basalt.engine import load_pipeline, run_pipeline
from basalt.testing import make_plugin_manager
from basalt_dagster import build_definitions

alpha101 = pytest.importorskip("basalt_alpha101.plugin")

PIPELINE = """
START_DATE: 2026-01-05
END_DATE: 2026-01-06
DATASETNAME: panel
SOURCE: {{type: local, root: {lake}}}
BATCH_FREQ: D
OUTPUT_TARGET: {{type: parquet, root: output}}
PASSES:
  - name: bars
    modules: [trade]
    timeline_mode: daily
    module_configs:
      trade: {{sides: [Total], measures: [Volume, Notional, VWAP, Open, High, Low, Close]}}
  - name: alphas
    scope: panel
    modules: [alpha101]
    module_inputs:
      alpha101: {{bars: "pass:bars"}}
    module_configs:
      alpha101:
        alpha_ids: [12, 101]
        columns:
          open: TradeTotalOpen
          high: TradeTotalHigh
          low: TradeTotalLow
          close: TradeTotalClose
          volume: TradeTotalVolume
          vwap: TradeTotalVWAP
          amount: TradeTotalNotional
"""


def write(folder: Path, lake: Path) -> Path:
    folder.mkdir(parents=True)
    path = folder / "panel.yaml"
    path.write_text(PIPELINE.format(lake=lake))
    return path


def stored(pipeline: Path, name: str) -> pl.DataFrame:
    return pl.read_parquet(pipeline.parent / "output" / "panel" / name, hive_partitioning=False).sort(
        "ListingId", "TimeBucket"
    )


def test_panel_pass_assets_equal_the_cli_run(tmp_path: Path, lake: Path) -> None:
    manager = make_plugin_manager(alpha101=alpha101)
    reference = write(tmp_path / "reference", lake)
    report = run_pipeline(load_pipeline(reference), state_dir=tmp_path / "state", manager=manager)
    assert report.status == "succeeded"
    pipeline = write(tmp_path / "dagster", lake)
    defs = build_definitions(pipeline, plugins=manager, sensor=False)

    graph = defs.resolve_asset_graph()
    bars, alphas = dg.AssetKey(["basalt", "panel", "bars"]), dg.AssetKey(["basalt", "panel", "alphas"])
    assert graph.get(alphas).parent_keys == {bars}
    panel_step = next(a for a in defs.assets if alphas in a.keys)
    assert isinstance(panel_step.get_partition_mapping(bars), dg.MultiPartitionMapping)  # lookback 1

    for day in ("2026-01-05", "2026-01-06"):
        result = dg.materialize(
            list(defs.assets),
            partition_key=dg.MultiPartitionKey({"date": day, "universe": "all"}),
            resources=defs.resources,
        )
        assert result.success
        rows = {
            e.asset_key.path[-1]: e.materialization.metadata["rows"].value
            for e in result.get_asset_materialization_events()
        }
        assert rows["alphas"] == rows["bars"] > 0
    expected = stored(reference, "alphas")
    assert set(expected["Date"].to_list()) == {date(2026, 1, 5), date(2026, 1, 6)}
    assert expected.filter(pl.col("Date") == date(2026, 1, 6))["Alpha012"].null_count() < expected.height / 2
    assert_frame_equal(stored(pipeline, "alphas"), expected)
    assert_frame_equal(stored(pipeline, "bars"), stored(reference, "bars"))
