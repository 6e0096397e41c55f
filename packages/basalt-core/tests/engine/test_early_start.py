"""``pipeline run`` starts its first worker before importing the engine; the run adopts it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from basalt.cli import build_app
from basalt.engine import pool
from basalt.plugins.manager import get_plugin_manager

PIPELINE = """
START_DATE: 2026-01-05
END_DATE: 2026-01-05
DATASETNAME: early
UNIVERSE: mic=XLON
SOURCE: {{type: local, root: {lake}}}
OUTPUT_TARGET: {{type: parquet, root: {out}}}
PASSES:
  - name: bars
    modules: [runner_volume]
"""


def _run(tmp_path: Path, env: dict[str, Path], pipeline_text: str) -> tuple[int, str]:
    path = tmp_path / "pipeline.yaml"
    path.write_text(pipeline_text.format(lake=env["lake"], out=env["out"]))
    manager = get_plugin_manager()
    args = ["pipeline", "run", "-p", str(path), "--state-dir", str(env["state"])]
    result = CliRunner().invoke(build_app(manager), args, obj=manager)
    return result.exit_code, result.output


def test_the_run_adopts_the_worker_started_early(
    tmp_path: Path, env: dict[str, Path], monkeypatch: Any
) -> None:
    started: list[int] = []
    spawn = pool._spawn_worker

    def recording_spawn(**options: Any) -> pool.PooledWorker:
        worker = spawn(**options)
        started.append(worker.pid)
        return worker

    monkeypatch.setattr(pool, "_spawn_worker", recording_spawn)
    code, output = _run(tmp_path, env, PIPELINE)
    assert code == 0, output
    assert len(started) == 1, "one worker for a one-batch run: the early one, adopted"
    events = [
        json.loads(line)
        for line in next(env["state"].glob("early/runs/*/events.jsonl")).read_text().splitlines()
    ]
    (batch,) = [event for event in events if event["event"] == "batch_started"]
    assert batch["worker"] == started[0]
    assert not pool._EARLY


def test_a_command_failing_before_its_run_leaves_no_worker(tmp_path: Path, env: dict[str, Path]) -> None:
    code, output = _run(tmp_path, env, PIPELINE.replace("runner_volume", "no_such_module"))
    assert code == 2, output
    assert "no_such_module" in output
    assert not pool._EARLY, "the early worker must be stopped when no run adopts it"
