"""Shared synthetic data for the generator's tests: two instruments, two short days, three venues."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from basalt.synth import SynthConfig, generate_day

SMALL = SynthConfig(
    start_date=dt.date(2024, 3, 4),
    end_date=dt.date(2024, 3, 5),
    listings=2,
    messages_per_day=30_000,
    session_scale=0.02,  # a 10-minute continuous session: the day's shape, in seconds of CPU
    halt_probability=0.5,
    seed=1,  # with this seed two of the four listing-days have a volatility auction
)
"""Configuration the tests share: small, yet with auctions, a volatility halt and all three venues."""

TINY = SynthConfig(
    start_date=dt.date(2024, 3, 4),
    end_date=dt.date(2024, 3, 4),
    listings=1,
    messages_per_day=3_000,
    session_scale=0.01,
)
"""For tests that write lakes or run the pure-Python kernel."""


@pytest.fixture(scope="session")
def small_config() -> SynthConfig:
    """``SMALL``."""
    return SMALL


@pytest.fixture(scope="session")
def tiny_config() -> SynthConfig:
    """``TINY``."""
    return TINY


@pytest.fixture(scope="session")
def small_days() -> list[dict[str, pl.DataFrame]]:
    """``generate_day`` output for each trading day of ``SMALL``."""
    return [generate_day(SMALL, day) for day in SMALL.trading_days()]


@pytest.fixture(scope="session")
def small(small_days: list[dict[str, pl.DataFrame]]) -> dict[str, pl.DataFrame]:
    """Every table of ``SMALL``, both days concatenated."""
    return {name: pl.concat([frames[name] for frames in small_days]) for name in small_days[0]}


@pytest.fixture(scope="session")
def listing_mic(small: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """ListingId → MIC, InstrumentId, IsPrimary."""
    return small["reference"].select("ListingId", "MIC", "InstrumentId", "IsPrimary").unique()
