"""Shared fixtures: one small synthesised lake and the demo pipeline pointed at it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from basalt.demo import demo_pipeline_text
from basalt.synth import SynthConfig, write_lake

START, END = date(2026, 1, 5), date(2026, 1, 6)


@pytest.fixture(scope="session")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two listings on XLON and BATE, two trading days (the demo pipeline's dates)."""
    config = SynthConfig(
        start_date=START,
        end_date=END,
        listings=2,
        mics=("XLON", "BATE"),
        seed=3,
        session_scale=0.02,
        messages_per_day=400,
    )
    root = tmp_path_factory.mktemp("dagster-lake")
    write_lake(config, root, workers=1)
    return root


def write_demo(folder: Path, lake: Path, extra: str = "") -> Path:
    """The packaged demo pipeline in ``folder``, reading ``lake``, one worker; ``extra`` YAML appended."""
    folder.mkdir(parents=True, exist_ok=True)
    text = demo_pipeline_text().replace(
        "SOURCE: {type: local, root: lake}", f"SOURCE: {{type: local, root: {lake}}}"
    )
    text = text.replace("NUM_WORKERS: 2", "NUM_WORKERS: 1")
    assert str(lake) in text
    path = folder / "demo.yaml"
    path.write_text(text + extra)
    return path


@pytest.fixture(scope="session")
def demo_writer() -> Callable[..., Path]:
    """:func:`write_demo`, for tests (conftest helpers are not importable in importlib mode)."""
    return write_demo
