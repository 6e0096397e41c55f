"""Shared fixtures of the alpha101 tests: the generated panel, and the helper modules.

The helpers (``alpha101_panel``, ``alpha101_numpy``) sit beside the tests; pytest
runs in importlib mode, so this folder is put on ``sys.path`` for them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from alpha101_panel import make_panel


@pytest.fixture(scope="session")
def panel() -> pl.DataFrame:
    """30 listings x 300 days, with gaps, nulls, a NaN and tied volumes (see alpha101_panel)."""
    return make_panel()


@pytest.fixture(scope="session")
def alphas(panel: pl.DataFrame) -> pl.DataFrame:
    """All 101 alphas of the panel, computed once for the session."""
    import basalt_alpha101

    return basalt_alpha101.compute(panel).collect()
