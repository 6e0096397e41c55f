"""Bit-reproducible output: the demo pipeline gives byte-identical Parquet and identical SQL rows
whatever the worker count or date-batch cut."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from basalt.demo import demo_pipeline_text
from basalt.engine.loader import load_pipeline
from basalt.engine.runner import run_pipeline
from basalt.synth import SynthConfig, write_lake

DAYS = (date(2026, 1, 5), date(2026, 1, 7))


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = SynthConfig(
        start_date=DAYS[0],
        end_date=DAYS[1],
        listings=3,
        mics=("XLON", "BATE"),
        seed=11,
        session_scale=0.05,
        messages_per_day=3000,
    )
    root = tmp_path_factory.mktemp("repro-lake")
    write_lake(config, root, workers=1)
    return root


def _run(lake: Path, out: Path, **execution: Any) -> dict[str, bytes]:
    data = yaml.safe_load(demo_pipeline_text())
    data.update(
        START_DATE=DAYS[0], END_DATE=DAYS[1], SOURCE={"type": "local", "root": str(lake)}, **execution
    )
    data["OUTPUT_TARGET"] = {"type": "parquet", "root": str(out)}
    data["PASSES"][1]["output"] = {"type": "sql", "url": f"sqlite:///{out / 'demo.db'}"}
    report = run_pipeline(load_pipeline(data=data), state_dir=out / ".state")
    assert report.status == "succeeded"
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*.parquet"))}


def _sql_rows(out: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(out / "demo.db") as db:
        return db.execute("SELECT * FROM demo_bars15 ORDER BY 1, 2, 3").fetchall()


def test_worker_count_and_batch_cut_do_not_change_a_byte(lake: Path, tmp_path: Path) -> None:
    one = _run(lake, tmp_path / "one", NUM_WORKERS=1, BATCH_FREQ=None)
    daily = _run(lake, tmp_path / "daily", NUM_WORKERS=2, MIN_ROWS_PER_WORKER=0, BATCH_FREQ="D")
    assert one.keys() == daily.keys()
    assert len(one) >= 3
    differing = [name for name in one if one[name] != daily[name]]
    assert differing == []
    rows = _sql_rows(tmp_path / "one")
    assert rows
    assert rows == _sql_rows(tmp_path / "daily")
