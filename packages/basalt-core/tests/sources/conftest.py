"""A small lake built from the real BMLL sample rows, in either layout."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bmll_sample import SAMPLE_DAY, SAMPLE_MIC, sample_frame, write_sample_lake

__all__ = ["SAMPLE_DAY", "SAMPLE_MIC", "sample_frame"]


@pytest.fixture
def make_lake(tmp_path: Path) -> Callable[[str], Path]:
    """Write every sample table for XLON on 2026-01-02 into a lake in the given layout."""
    return lambda layout: write_sample_lake(tmp_path / f"lake-{layout}", layout)  # type: ignore[arg-type]
