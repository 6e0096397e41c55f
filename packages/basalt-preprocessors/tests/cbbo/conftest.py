"""Shared helpers of the cbbo tests: hand-built L2 frames, a random L2 generator, a synthetic lake.

The helper modules (``cbbo_frames``, ``cbbo_reference``) sit beside the tests; pytest runs in
importlib mode, so this folder is put on ``sys.path`` for them.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import polars as pl
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from basalt.synth import SynthConfig, generate_day

SYNTH = SynthConfig(
    start_date=dt.date(2026, 1, 5),
    end_date=dt.date(2026, 1, 5),
    listings=2,
    mics=("XLON", "BATE", "CHIX"),
    seed=3,
    session_scale=0.02,
    messages_per_day=3000,
)
"""Two instruments on three venues, one short day (auctions included)."""


@pytest.fixture(scope="session")
def synth_day() -> dict[str, pl.DataFrame]:
    """Every table of ``SYNTH``'s one day."""
    return generate_day(SYNTH, SYNTH.start_date)
