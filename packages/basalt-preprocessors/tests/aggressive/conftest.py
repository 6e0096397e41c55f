"""Helpers of the aggressive-order tests (``aggressive_frames``) are put on ``sys.path`` (importlib mode)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import datetime as dt

import polars as pl
import pytest

from basalt.synth import SynthConfig, generate_day


@pytest.fixture(scope="session")
def synth_trades() -> pl.DataFrame:
    """One short day of two instruments on two venues: its trades."""
    config = SynthConfig(
        start_date=dt.date(2026, 1, 5),
        end_date=dt.date(2026, 1, 5),
        listings=2,
        mics=("XLON", "BATE"),
        seed=7,
        session_scale=0.02,
        messages_per_day=3000,
    )
    return generate_day(config, config.start_date)["trades"]
