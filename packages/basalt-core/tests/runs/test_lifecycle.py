"""Data lifecycle: shredded inputs are deleted once their day is written, kept on failure and reused."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from basalt.engine.loader import load_pipeline
from basalt.engine.runner import RunFailedError, run_pipeline
from basalt.runs.store import find, fold_run

HELD = "2026-01-06"


def test_shredded_inputs_are_kept_for_resume_and_removed_once_written(
    env: dict[str, Path], make_pipeline: Callable[..., Path]
) -> None:
    scratch = env["root"] / "scratch"
    pipeline = make_pipeline(PREPARE_DATA_MODE="shredding", TEMP_DIR=str(scratch))
    (env["control"] / f"raise-{HELD}").touch()  # the 6th fails after its inputs are shredded
    with pytest.raises(RunFailedError):
        run_pipeline(load_pipeline(pipeline), state_dir=env["state"])
    root = scratch / "basalt-watched"
    (kept,) = root.iterdir()  # the 5th was written: its scratch is gone
    assert kept.name.startswith(f"{HELD}-")
    assert (kept / ".complete").exists()
    shredded = sorted(p.relative_to(kept) for p in kept.rglob("*.parquet"))
    assert any(str(p).startswith("trades/XLON/") for p in shredded)
    (env["control"] / f"raise-{HELD}").unlink()
    report = run_pipeline(load_pipeline(pipeline), state_dir=env["state"], resume="last")
    assert report.committed == [f"{HELD}_{HELD}"]
    assert not root.exists()  # written: nothing is left behind
    view = fold_run(find(env["state"], "last"))
    resumed = next(a for a in view.attempts if a.batch == f"{HELD}_{HELD}" and a.outcome == "committed")
    assert "reusing the shredded inputs of 2026-01-06" in Path(resumed.log).read_text()
    assert len(list((env["out"] / "watched" / "bars").rglob("*.parquet"))) == 2  # both days written
