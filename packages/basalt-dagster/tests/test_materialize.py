"""``dagster.materialize`` of the demo pipeline's assets equals ``basalt pipeline run`` over the same days.

The reference is Basalt's own runner (what ``basalt pipeline run`` calls) over the
same lake into another folder; the Dagster side materialises one partition, then
the second, through ``build_definitions``. Frames are compared whole (every
column, every row, nulls included), read back through each pass's writer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import dagster as dg
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from basalt.engine import load_pipeline, run_pipeline
from basalt.engine.resolve import resolve
from basalt.testing import make_plugin_manager
from basalt.writers.base import OutputPartition
from basalt_dagster import build_definitions

DAYS = ("2026-01-05", "2026-01-06")
PASSES = ("bars", "bars15")


def stored(pipeline: Path, pass_name: str) -> pl.DataFrame:
    """Everything ``pass_name`` of the pipeline has stored, in a canonical order."""
    resolved = resolve(load_pipeline(pipeline), make_plugin_manager())
    writer = next(p for p in resolved.passes if p.name == pass_name).writer
    frame = writer.read(OutputPartition("demo", pass_name, date(2026, 1, 5), ()))
    keys = [c for c in ("ListingId", "InstrumentId", "Date", "TimeBucket") if c in frame.columns]
    return frame.sort(keys)


def key(day: str, universe: str = "all") -> dg.MultiPartitionKey:
    return dg.MultiPartitionKey({"date": day, "universe": universe})


@pytest.fixture(scope="module")
def runs(
    tmp_path_factory: pytest.TempPathFactory, lake: Path, demo_writer: Callable[..., Path]
) -> dict[str, Any]:
    """The reference run, and the Dagster definitions with their materialisation results."""
    root = tmp_path_factory.mktemp("dagster-materialize")
    reference = demo_writer(root / "reference", lake)
    report = run_pipeline(load_pipeline(reference), state_dir=root / "state", manager=make_plugin_manager())
    assert report.status == "succeeded"
    pipeline = demo_writer(root / "dagster", lake)
    defs = build_definitions(pipeline, plugins=make_plugin_manager())
    results = []
    for index, day in enumerate(DAYS):
        results.append(
            dg.materialize(
                list(defs.assets),
                partition_key=key(day),
                resources=defs.resources,
                instance=dg.DagsterInstance.ephemeral(),
            )
        )
        if index == 0:
            after_first = {name: stored(pipeline, name) for name in PASSES}
    return {
        "reference": reference,
        "pipeline": pipeline,
        "defs": defs,
        "results": results,
        "first": after_first,
    }


def test_one_partition_writes_what_the_cli_run_wrote_for_that_day(runs: dict[str, Any]) -> None:
    assert runs["results"][0].success
    for name in PASSES:
        expected = stored(runs["reference"], name).filter(pl.col("Date") == date(2026, 1, 5))
        got = runs["first"][name]
        assert got.height > 0
        assert set(got["Date"].to_list()) == {date(2026, 1, 5)}
        assert_frame_equal(got, expected)


def test_two_partitions_write_what_the_cli_run_wrote(runs: dict[str, Any]) -> None:
    assert all(result.success for result in runs["results"])
    for name in PASSES:
        expected = stored(runs["reference"], name)
        assert set(expected["Date"].to_list()) == {date(2026, 1, 5), date(2026, 1, 6)}
        assert_frame_equal(stored(runs["pipeline"], name), expected)


def test_materialisation_metadata_counts_the_rows_written(runs: dict[str, Any]) -> None:
    reference = {name: stored(runs["reference"], name) for name in PASSES}
    for day, result in zip(DAYS, runs["results"], strict=True):
        events = {
            e.asset_key.path[-1]: e.materialization.metadata
            for e in result.get_asset_materialization_events()
        }
        assert sorted(events) == sorted(PASSES)
        for name in PASSES:
            rows = reference[name].filter(pl.col("Date") == date.fromisoformat(day)).height
            assert events[name]["rows"].value == rows
            assert events[name]["dagster_run_id"].value == result.run_id
            assert events[name]["duration_s"].value > 0
        assert str(events["bars"]["output_uri"].value).endswith("output/demo/bars")
        assert events["bars15"]["writer"].value == "sql"


def test_asset_checks_are_evaluated_per_pass(runs: dict[str, Any]) -> None:
    checks = {
        (e.asset_key.path[-1], e.check_name): e for e in runs["results"][0].get_asset_check_evaluations()
    }
    assert sorted(checks) == sorted(
        (p, c) for p in PASSES for c in ("null_rates", "rows_written", "unique_keys")
    )
    assert checks[("bars", "rows_written")].passed
    assert checks[("bars", "unique_keys")].passed
    assert checks[("bars", "unique_keys")].metadata["key_columns"].value == "ListingId,TimeBucket,Date"
    assert checks[("bars15", "unique_keys")].metadata["key_columns"].value == "InstrumentId,TimeBucket,Date"
    # TradeUnknown* are null on every bar of the synthetic lake (no unknown-side trades): a warning.
    nulls = checks[("bars", "null_rates")]
    assert not nulls.passed
    assert nulls.severity == dg.AssetCheckSeverity.WARN
    assert "TradeUnknownVWAP" in nulls.metadata["columns_over_limit"].value


def test_assets_follow_passes_and_module_inputs(runs: dict[str, Any]) -> None:
    graph = runs["defs"].resolve_asset_graph()
    bars, bars15 = dg.AssetKey(["basalt", "demo", "bars"]), dg.AssetKey(["basalt", "demo", "bars15"])
    assert {bars, bars15} <= set(graph.get_all_asset_keys())
    assert graph.get(bars15).parent_keys == {bars}
    partitions = graph.get(bars).partitions_def
    assert isinstance(partitions, dg.MultiPartitionsDefinition)
    assert sorted(partitions.get_partition_keys()) == sorted(str(key(d)) for d in DAYS)


def test_a_downstream_asset_loads_a_pass_as_a_lazyframe(runs: dict[str, Any]) -> None:
    defs: dg.Definitions = runs["defs"]
    bars_key = dg.AssetKey(["basalt", "demo", "bars"])
    partitions = defs.resolve_asset_graph().get(bars_key).partitions_def
    seen: dict[str, Any] = {}

    @dg.asset(partitions_def=partitions, ins={"bars": dg.AssetIn(key=bars_key)})
    def bar_volume(bars: pl.LazyFrame) -> int:
        seen["frame"] = bars
        return int(bars.select(pl.col("TradeTotalVolume").sum()).collect().item())

    result = dg.materialize(
        [*defs.assets, bar_volume],
        selection=[bar_volume],
        partition_key=key("2026-01-06"),
        resources=defs.resources,
    )
    assert result.success
    assert isinstance(seen["frame"], pl.LazyFrame)
    expected = stored(runs["reference"], "bars").filter(pl.col("Date") == date(2026, 1, 6))
    assert_frame_equal(seen["frame"].collect(), expected)
    assert result.output_for_node("bar_volume") == expected["TradeTotalVolume"].sum()
