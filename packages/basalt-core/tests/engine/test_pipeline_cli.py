"""``basalt pipeline run|validate|datasets`` through the real CLI app."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from basalt.cli import build_app
from basalt.plugins.manager import get_plugin_manager
from bmll_sample import shifted_sample

PIPELINE = """
START_DATE: 2026-01-05
END_DATE: 2026-01-07
DATASETNAME: clitest
UNIVERSE: mic=XLON
BATCH_FREQ: D
SOURCE: {{type: local, root: {lake}}}
OUTPUT_TARGET: {{type: parquet, root: {out}}}
PASSES:
  - name: bars
    modules: [runner_volume]
    time_bucket_seconds: 300
"""


def _write(tmp_path: Path, env: dict[str, Path], text: str = PIPELINE) -> Path:
    path = tmp_path / "pipeline.yaml"
    path.write_text(text.format(lake=env["lake"], out=env["out"]))
    return path


def _invoke(*args: str) -> tuple[int, str]:
    manager = get_plugin_manager()
    result = CliRunner().invoke(build_app(manager), list(args), obj=manager)
    return result.exit_code, result.output


def test_dry_run_prints_the_plan_and_writes_nothing(tmp_path: Path, env: dict[str, Path]) -> None:
    path = _write(tmp_path, env)
    code, output = _invoke("pipeline", "run", "--pipeline", str(path), "--dry-run", "--json")
    assert code == 0, output
    plan = json.loads(output)
    assert [b["key"] for b in plan["date_batches"]] == [
        "2026-01-05_2026-01-05",
        "2026-01-06_2026-01-06",
        "2026-01-07_2026-01-07",
    ]
    (symbol_batch,) = plan["date_batches"][0]["symbol_batches"]
    assert symbol_batch["estimated_rows"]["trades"] == 50  # the sample day's trades file, from its footer
    assert plan["passes"][0]["modules"] == ["runner_volume"]
    assert plan["passes"][0]["output"] == f"parquet: {env['out']}/clitest/bars"
    assert "runner_test (runner-test-plugin 1.0)" in plan["plugins"]
    assert plan["jobs"] == [b["key"] for b in plan["date_batches"]]
    assert len(plan["fingerprint"]) == 16
    assert not env["out"].exists()
    code, output = _invoke("pipeline", "run", "--pipeline", str(path), "--dry-run")
    assert code == 0
    assert "Date batches" in output
    assert f"Run fingerprint: {plan['fingerprint']}" in output
    assert f"Workers: {plan['workers']['count']} — " in output


def test_run_with_flags_and_set_overrides(tmp_path: Path, env: dict[str, Path]) -> None:
    path = _write(tmp_path, env)
    out = tmp_path / "elsewhere"
    code, output = _invoke(
        "pipeline",
        "run",
        "--pipeline",
        str(path),
        "--date",
        "2026-01-06",
        "--output-root",
        str(out),
        "--set",
        "PASSES.0.time_bucket_seconds=60",
        "--state-dir",
        str(tmp_path / "state"),
    )
    assert code == 0, output
    assert "succeeded" in output
    frame = pl.read_parquet(out / "clitest/bars", hive_partitioning=False)
    assert frame["Date"].unique().to_list() == [date(2026, 1, 6)]
    trades = shifted_sample("trades", date(2026, 1, 6))
    minutes = trades["TradeTimestamp"].dt.truncate("1m").n_unique()  # no sample trade is on a boundary
    assert frame.height == minutes  # one-minute buckets (--set), not the file's five


def test_validate_and_datasets(tmp_path: Path, env: dict[str, Path]) -> None:
    path = _write(tmp_path, env)
    code, output = _invoke("pipeline", "validate", str(path))
    assert (code, "is valid" in output) == (0, True)
    code, output = _invoke("pipeline", "datasets", "--pipeline", str(path), "--json")
    assert code == 0
    assert json.loads(output)["tables"] == ["trades"]


def test_config_errors_exit_2_with_the_key_named(tmp_path: Path, env: dict[str, Path]) -> None:
    path = _write(tmp_path, env, PIPELINE.replace("time_bucket_seconds", "time_bucket_secs"))
    code, output = _invoke("pipeline", "validate", str(path))
    assert code == 2
    assert "PASSES[0].time_bucket_secs: unknown key; did you mean 'time_bucket_seconds'?" in output


def test_analytics_list_and_explain_for_a_pipeline(tmp_path: Path, env: dict[str, Path]) -> None:
    path = _write(tmp_path, env)
    code, output = _invoke("analytics", "list", "--pipeline", str(path), "--json")
    assert code == 0, output
    assert [(row["module"], row["name"]) for row in json.loads(output)] == [("bars.runner_volume", "Volume")]
    code, output = _invoke("analytics", "explain", "Volume", "--pipeline", str(path), "--json")
    assert code == 0, output
    assert json.loads(output)["plugin"] == "runner_test"


def test_relative_dates_count_in_the_given_timezone(tmp_path: Path, env: dict[str, Path]) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    path = _write(tmp_path, env)
    target = date(2026, 1, 6)
    # UTC+14 and UTC-11: at any instant their calendar dates differ, so one offset N lands on
    # the target day in one zone and on another day in the other.
    east, west = "Pacific/Kiritimati", "Pacific/Pago_Pago"
    days_ago = (datetime.now(ZoneInfo(east)).date() - target).days

    def batches(zone: str) -> list[str]:
        code, output = _invoke(
            "pipeline", "run", "--pipeline", str(path), "--date", f"today-{days_ago}",
            "--timezone", zone, "--dry-run", "--json", "--allow-empty",
        )  # fmt: skip
        assert code == 0, output
        return [batch["key"] for batch in json.loads(output)["date_batches"]]

    assert batches(east) == ["2026-01-06_2026-01-06"]
    assert batches(west) != ["2026-01-06_2026-01-06"]


def test_a_bad_date_is_named(tmp_path: Path, env: dict[str, Path]) -> None:
    path = _write(tmp_path, env)
    code, output = _invoke("pipeline", "run", "--pipeline", str(path), "--date", "tomorrow", "--dry-run")
    assert code == 2
    assert "--date" in output
    assert "tomorrow" in output
    code, output = _invoke(
        "pipeline", "run", "--pipeline", str(path), "--date", "today", "--timezone", "Mars/Olympus"
    )
    assert code == 2
    assert "Mars/Olympus" in output
