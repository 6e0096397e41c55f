"""A small lake built from the real BMLL sample rows, in either layout."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from basalt.sources.layout import write_partition
from basalt.tables.bmll import BMLL_TABLES

SAMPLE = Path(__file__).parents[1] / "data" / "bmll-sample"
SAMPLE_FILES = {
    "trades": "trades-plus",
    "l2": "l2",
    "l3": "l3",
    "marketstate": "market-state",
    "reference": "reference",
    "cbbo": "cbbo",
    "imbalance": "imbalance",
}
SAMPLE_DAY = date(2026, 1, 2)
SAMPLE_MIC = "XLON"


def sample_frame(table_name: str) -> pl.DataFrame:
    """The real BMLL sample rows of one table."""
    return pl.read_parquet(SAMPLE / f"{SAMPLE_FILES[table_name]}.parquet")


@pytest.fixture
def make_lake(tmp_path: Path) -> Callable[[str], Path]:
    """Write every sample table for XLON on 2026-01-02 into a lake in the given layout."""

    def make(layout: str) -> Path:
        root = tmp_path / f"lake-{layout}"
        for table in BMLL_TABLES:
            write_partition(sample_frame(table.NAME), root, table, SAMPLE_MIC, SAMPLE_DAY, layout)
        return root

    return make
