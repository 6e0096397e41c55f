"""How many workers `basalt pipeline run` starts before importing the CLI: a guess, never a failure."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from basalt.cli.early import expected_workers

PIPELINE = """
START_DATE: {start}
END_DATE: {end}
DATASETNAME: guess
NUM_WORKERS: {workers}
{extra}
PASSES: [{{name: bars, modules: [trade]}}]
"""


def _file(tmp_path: Path, start: str, end: str, workers: int, extra: str = "") -> str:
    path = tmp_path / "pipeline.yaml"
    path.write_text(PIPELINE.format(start=start, end=end, workers=workers, extra=extra))
    return str(path)


@pytest.mark.parametrize(
    ("start", "end", "workers", "extra", "options", "expected"),
    [
        ("2026-01-05", "2026-01-09", 2, "", [], 2),  # five weekdays, two workers
        ("2026-01-05", "2026-01-05", 2, "", [], 1),  # one day: one batch
        ("2026-01-10", "2026-01-11", 2, "", [], 1),  # a weekend: no trading day
        ("2026-01-10", "2026-01-11", 2, "EXCLUDE_WEEKENDS: false", [], 2),
        ("2026-01-05", "2026-01-09", 1, "", [], 1),
        ("2026-01-05", "2026-01-09", 1, "", ["--workers", "2"], 2),
        ("2026-01-05", "2026-01-09", 2, "", ["--workers=1"], 1),
        ("2026-01-05", "2026-01-09", 2, "", ["--date", "2026-01-06"], 1),
        ("2026-01-05", "2026-01-09", 2, "", ["--start-date", "2026-01-09"], 1),
        ("2026-01-05", "2026-01-09", 2, "", ["--end-date", "today"], 1),  # relative: unsure, one
        ("2026-01-05", "2026-01-09", 2, "", ["--set", "NUM_WORKERS=1"], 1),  # overrides: unsure, one
    ],
)
def test_the_guess_follows_the_pipeline_and_the_command_line(
    tmp_path: Path, start: str, end: str, workers: int, extra: str, options: list[str], expected: int
) -> None:
    path = _file(tmp_path, start, end, workers, extra)
    assert expected_workers(["-p", path, *options]) == min(expected, os.cpu_count() or 1)


def test_the_guess_never_exceeds_the_cores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 1)
    assert expected_workers(["-p", _file(tmp_path, "2026-01-05", "2026-01-09", 4)]) == 1


@pytest.mark.parametrize(
    "content", ["START_DATE: [unclosed", "just a string", "NUM_WORKERS: many\nSTART_DATE: 2026-01-05"]
)
def test_anything_unclear_counts_as_one_worker(tmp_path: Path, content: str) -> None:
    path = tmp_path / "pipeline.yaml"
    path.write_text(content)
    assert expected_workers(["-p", str(path)]) == 1
    assert expected_workers(["-p", str(tmp_path / "missing.yaml")]) == 1
    assert expected_workers(["-p", str(tmp_path / "pipeline.py")]) == 1
