"""``basalt dagster defs|validate|materialize`` and ``dagster definitions validate`` on the written file."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from basalt.cli import build_app
from basalt.testing import make_plugin_manager
from basalt_dagster import plugin


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory, lake: Path, demo_writer: Callable[..., Path]) -> Path:
    return demo_writer(tmp_path_factory.mktemp("dagster-cli"), lake)


def invoke(*args: str) -> tuple[int, str]:
    manager = make_plugin_manager(dagster=plugin)
    result = CliRunner().invoke(build_app(manager), ["dagster", *args], obj=manager)
    return result.exit_code, result.output


def test_defs_writes_a_file_dagster_validates(pipeline: Path) -> None:
    code, output = invoke("defs", "--pipeline", str(pipeline), "--holiday", "2026-01-06")
    assert code == 0, output
    written = pipeline.parent / "definitions.py"
    text = written.read_text()
    assert "Path(__file__).parent / 'demo.yaml'" in text
    assert "holidays=['2026-01-06']" in text
    dagster = Path(sys.executable).with_name("dagster")
    checked = subprocess.run(
        [str(dagster), "definitions", "validate", "-f", str(written)],
        capture_output=True,
        text=True,
        cwd=pipeline.parent,
        timeout=240,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Validation successful" in checked.stdout + checked.stderr


def test_validate_lists_the_assets(pipeline: Path) -> None:
    code, output = invoke("validate", "--pipeline", str(pipeline))
    assert code == 0, output
    sources = ", ".join(f"basalt/demo/source/{t}" for t in ("l2", "marketstate", "reference", "trades"))
    assert output.strip() == f"ok: 6 assets: basalt/demo/bars, basalt/demo/bars15, {sources}"


def test_materialize_writes_one_partition(pipeline: Path) -> None:
    code, output = invoke("materialize", "--pipeline", str(pipeline), "--partition", "date=2026-01-06")
    assert code == 0, output
    bars = pl.read_parquet(pipeline.parent / "output" / "demo" / "bars")
    assert set(bars["Date"].to_list()) == {date(2026, 1, 6)}
    mine = [line for line in output.splitlines() if line.startswith("2026-01-06|all: ")]  # not Dagster's log
    assert len(mine) == 2
    assert mine[0].startswith(f"2026-01-06|all: basalt/demo/bars: {bars.height} rows (run ")


def test_materialize_refuses_a_date_that_is_not_a_partition(pipeline: Path) -> None:
    code, output = invoke("materialize", "--pipeline", str(pipeline), "--partition", "date=2026-01-10")
    assert code != 0
    assert "is not a partition" in output
