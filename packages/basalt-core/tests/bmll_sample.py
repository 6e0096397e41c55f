"""The real BMLL sample rows (one listing, XLON, 2026-01-02) shipped as test data.

Importable from any test (pytest.ini puts this folder on ``pythonpath``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from basalt.sources.layout import LayoutName, write_partition
from basalt.tables.bmll import BMLL_TABLES

SAMPLE = Path(__file__).parent / "data" / "bmll-sample"
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


def write_sample_lake(root: Path, layout: LayoutName = "bmll") -> Path:
    """Write every sample table for XLON on 2026-01-02 into a lake at ``root``."""
    for table in BMLL_TABLES:
        write_partition(sample_frame(table.NAME), root, table, SAMPLE_MIC, SAMPLE_DAY, layout)
    return root
