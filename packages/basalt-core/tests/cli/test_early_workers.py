"""`basalt pipeline run` starts its first worker before importing the CLI; other commands start none."""

from __future__ import annotations

import pytest

from basalt.cli import early


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["pipeline", "run", "-p", "p.yaml"], [1]),
        (["--debug", "pipeline", "run", "-p", "p.yaml", "--workers", "4"], [1]),  # more: when planned
        (["pipeline", "run", "-p", "p.yaml", "--dry-run"], []),
        (["pipeline", "run", "--help"], []),
        (["pipeline", "validate", "p.yaml"], []),
        (["plugins", "list"], []),
        ([], []),
    ],
)
def test_only_a_pipeline_run_starts_a_worker_early(
    args: list[str], expected: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[int] = []
    monkeypatch.setattr("basalt.engine.pool.start_early", started.append)
    early.start_run_workers_early(args)
    assert started == expected
