"""The run plan: built once in the parent, carried to workers (plugins, universe), never re-read."""

from __future__ import annotations

import types
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from basalt import AnalyticModule, ColumnDoc, hookimpl
from basalt.engine.loader import load_pipeline
from basalt.engine.partition import run_partition
from basalt.engine.plan import build_plan
from basalt.engine.resolve import resolve
from basalt.engine.runner import run_pipeline
from basalt.plugins.manager import PluginManager
from basalt.plugins.pluginset import PluginShipError

DAYS = [date(2026, 1, 5), date(2026, 1, 6), date(2026, 1, 7)]

CODE_PLUGIN = '''
import polars as pl
from basalt import AnalyticModule, ColumnDoc, hookimpl


class CodeCount(AnalyticModule):
    """Trades per bucket, from a plugin registered in code (no entry point)."""

    NAME = "code_count"
    INPUTS = ("trades",)

    def columns(self):
        return [ColumnDoc("CodeCount", unit="count", definition="Trades in the bucket.")]

    def compute(self, inputs, buckets):
        return (
            inputs["trades"]
            .group_by("ListingId", buckets.label(pl.col("TradeTimestamp")).alias("TimeBucket"))
            .agg(pl.len().cast(pl.Int64).alias("CodeCount"))
        )


@hookimpl
def basalt_register_analytics():
    return [CodeCount]
'''


def _data(env: dict[str, Path], modules: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "START_DATE": str(DAYS[0]),
        "END_DATE": str(DAYS[-1]),
        "DATASETNAME": "plans",
        "UNIVERSE": "mic=XLON",
        "BATCH_FREQ": "D",
        "NUM_WORKERS": 2,
        "MIN_ROWS_PER_WORKER": 0,  # tiny data, yet two workers: batches run side by side
        "SOURCE": {"type": "local", "root": str(env["lake"])},
        "OUTPUT_TARGET": {"type": "parquet", "root": str(env["out"])},
        "PASSES": [{"name": "bars", "modules": modules}],
        **extra,
    }


def _output(env: dict[str, Path]) -> pl.DataFrame:
    return pl.read_parquet(env["out"] / "plans/bars", hive_partitioning=False).sort("Date", "TimeBucket")


@pytest.fixture
def code_plugin(env: dict[str, Path]) -> types.ModuleType:
    """A plugin module that is importable (on the path) but registered in code, not as an entry point."""
    site = next(Path(p) for p in __import__("sys").path if Path(p, "runner_test_plugin.py").exists())
    (site / "code_registered_plugin.py").write_text(CODE_PLUGIN)
    import importlib

    return importlib.import_module("code_registered_plugin")


def test_a_plugin_registered_in_code_runs_in_every_worker(env: dict[str, Path], code_plugin: Any) -> None:
    manager = PluginManager(plugins={"in_code": code_plugin})
    report = run_pipeline(
        load_pipeline(data=_data(env, ["code_count", "runner_volume"])),
        state_dir=env["state"],
        manager=manager,
    )
    assert report.status == "succeeded"
    output = _output(env)
    assert output["Date"].unique().sort().to_list() == DAYS
    assert output["CodeCount"].sum() == sum(
        pl.read_parquet(f).height for f in env["lake"].rglob("*trades*.parquet")
    )
    # The plan names the plugin by reference; the entry-point plugin by distribution and version.
    plan = build_plan(resolve(load_pipeline(data=_data(env, ["code_count"])), manager))
    assert "in_code (code_registered_plugin)" in plan.plugins.describe()
    assert "runner_test (runner-test-plugin 1.0)" in plan.plugins.describe()


def test_run_partition_takes_an_explicit_plugin_set(env: dict[str, Path], code_plugin: Any) -> None:
    manager = PluginManager(plugins={"in_code": code_plugin})
    pipeline = load_pipeline(data=_data(env, ["code_count"]))
    result = run_partition(pipeline, None, DAYS[0], DAYS[0], plugins=manager.plugin_set())
    assert result.rows["bars"] > 0
    again = run_partition(pipeline, None, DAYS[1], DAYS[1], plugins=manager)
    assert again.rows["bars"] > 0
    with pytest.raises(Exception, match="code_count"):
        run_partition(pipeline, None, DAYS[0], DAYS[0])  # the installed plugins lack it


def test_a_plugin_workers_cannot_load_is_refused_at_plan_time(env: dict[str, Path]) -> None:
    class Local(AnalyticModule):
        """Defined inside a function: no worker can import it."""

        NAME = "local_count"
        INPUTS = ("trades",)

        def columns(self) -> list[ColumnDoc]:
            return [ColumnDoc("LocalCount", unit="count", definition="Trades.")]

        def compute(self, inputs: Any, buckets: Any) -> pl.LazyFrame:
            return inputs["trades"].select("ListingId")

    class Hooks:
        @hookimpl
        def basalt_register_analytics(self) -> list[type[AnalyticModule]]:
            return [Local]

    manager = PluginManager(plugins={"local_hooks": Hooks()})
    with pytest.raises(PluginShipError, match="plugin 'local_hooks' was registered in code, but worker"):
        run_pipeline(load_pipeline(data=_data(env, ["local_count"])), state_dir=env["state"], manager=manager)
    assert not (env["state"] / "plans" / "runs").exists()  # refused before any run started


def test_get_universe_of_a_python_pipeline_works_in_workers_and_the_file_is_not_reread(
    env: dict[str, Path], tmp_path: Path
) -> None:
    data = _data(env, ["runner_volume"])
    path = tmp_path / "pipeline.py"
    path.write_text(
        "import polars as pl\n"
        f"USER_CONFIG = {data!r}\n"
        "def get_universe(day):\n"
        "    # Only the 5th and the 7th: the pipeline's own UNIVERSE would give every day.\n"
        "    from basalt.universe import UniverseSpec, resolve_universe\n"
        "    from basalt.sources.local import LocalSource\n"
        f"    source = LocalSource({{'root': {str(env['lake'])!r}}})\n"
        "    listings = resolve_universe(UniverseSpec.parse('mic=XLON'), day, source)\n"
        "    return listings.head(0) if day.day == 6 else listings\n"
    )
    pipeline = load_pipeline(path)
    path.unlink()  # workers get the plan, not the file
    report = run_pipeline(pipeline, state_dir=env["state"])
    assert report.status == "succeeded"
    assert _output(env)["Date"].unique().sort().to_list() == [DAYS[0], DAYS[2]]
