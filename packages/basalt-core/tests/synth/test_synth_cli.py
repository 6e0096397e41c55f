"""``basalt data synth`` writes a lake in either layout and reports on it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from basalt.cli.data_cmd import app

ARGS = [
    "--start-date",
    "2024-03-04",
    "--listings",
    "1",
    "--messages-per-day",
    "3000",
    "--session-scale",
    "0.01",
]


@pytest.mark.parametrize(
    ("layout", "expected"),
    [
        ("bmll", "Equity-L3/XLON/2024/03/04/l3-XLON-20240304.parquet"),
        ("hive", "l3/MIC=XLON/Date=2024-03-04/part-0.parquet"),
    ],
)
def test_synth_writes_every_table_in_the_layout(tmp_path: Path, layout: str, expected: str) -> None:
    result = CliRunner().invoke(
        app, ["synth", "--out", str(tmp_path), *ARGS, "--layout", layout, "--workers", "1"]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / expected).is_file()
    files = sorted(p for p in tmp_path.rglob("*.parquet"))
    assert len(files) == 6 * 3 + 1  # six tables per MIC, CBBO for the primary
    assert "L3 events per CPU second" in result.output
    assert "l3" in result.output


def test_synth_report_prints_the_stylized_facts(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["synth", "--out", str(tmp_path), *ARGS, "--workers", "1", "--report"])
    assert result.exit_code == 0, result.output
    assert "Stylized facts" in result.output
    assert "cancel_trade_ratio" in result.output
    assert "OK" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--mics", "BATE,XLON"], "primary exchange"),
        (["--mics", "XLON,NOPE"], "unknown MIC"),
        (["--end-date", "2024-03-01"], "before start_date"),
    ],
)
def test_synth_rejects_bad_options(tmp_path: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["synth", "--out", str(tmp_path), *ARGS, *args])
    assert result.exit_code == 2
    assert message in result.output
    assert not list(tmp_path.rglob("*.parquet"))


def test_data_is_a_group_with_synth() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "synth" in result.output
