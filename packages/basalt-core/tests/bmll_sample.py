"""The real BMLL sample rows (one listing, XLON, 2026-01-02), as the core's tests use them.

The rows themselves ship with ``bmll-basalt`` (:mod:`basalt.testing.sample`); this module adds
the helpers only the core's tests need. Importable from any test (pytest.ini puts this folder
on ``pythonpath``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from basalt.sources.layout import LayoutName, write_partition
from basalt.tables.bmll import BMLL_TABLES
from basalt.testing.sample import SAMPLE_DAY, SAMPLE_FILES, SAMPLE_MIC, sample_frame
from basalt.testing.sample import SAMPLE_DIR as SAMPLE

__all__ = [
    "SAMPLE",
    "SAMPLE_DAY",
    "SAMPLE_FILES",
    "SAMPLE_MIC",
    "sample_frame",
    "shifted_sample",
    "write_sample_lake",
]


def shifted_sample(table_name: str, day: date) -> pl.DataFrame:
    """The sample rows of one table moved to ``day``: every datetime column shifted by whole days."""
    frame = sample_frame(table_name)
    days = (day - SAMPLE_DAY).days
    # offset_by keeps each column's time unit (adding a timedelta would turn ns into µs).
    return frame.with_columns(pl.col(pl.Datetime).dt.offset_by(f"{days}d")) if days else frame


def write_sample_lake(root: Path, layout: LayoutName = "bmll", days: list[date] | None = None) -> Path:
    """Write every sample table for XLON into a lake at ``root``, once per day (default 2026-01-02)."""
    for day in days or [SAMPLE_DAY]:
        for table in BMLL_TABLES:
            write_partition(shifted_sample(table.NAME, day), root, table, SAMPLE_MIC, day, layout)
    return root
