"""The materialisation heatmap: drawn from the Dagster instance's event log after a CLI materialisation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import dagster as dg
import polars as pl
import pytest
from typer.testing import CliRunner

from basalt.cli import build_app
from basalt.testing import make_plugin_manager
from basalt_dagster import plugin
from basalt_dagster.dashboard import materialised_rows


def test_heatmap_of_a_materialised_partition(
    tmp_path: Path, lake: Path, demo_writer: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline = demo_writer(tmp_path / "p", lake)
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    manager = make_plugin_manager(dagster=plugin)
    app = build_app(manager)
    done = CliRunner().invoke(
        app, ["dagster", "materialize", "-p", str(pipeline), "--partition", "date=2026-01-05"], obj=manager
    )
    assert done.exit_code == 0, done.output
    out = tmp_path / "heatmap.png"
    drawn = CliRunner().invoke(
        app, ["dagster", "heatmap", "-p", str(pipeline), "--pass", "bars", "-o", str(out)], obj=manager
    )
    assert drawn.exit_code == 0, drawn.output
    assert f"wrote {out}: 1 of 2 partitions materialised" in drawn.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    stored = pl.read_parquet(pipeline.parent / "output" / "demo" / "bars", hive_partitioning=False)
    with dg.DagsterInstance.get() as instance:
        rows = materialised_rows(instance, dg.AssetKey(["basalt", "demo", "bars"]))
        runs = instance.get_runs()
    assert rows.select("date", "universe", "rows").to_dicts() == [
        {"date": date(2026, 1, 5), "universe": "all", "rows": stored.height}
    ]
    assert rows["run_id"].to_list() == [runs[0].run_id]
