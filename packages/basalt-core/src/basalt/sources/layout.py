"""Where a table's file for one MIC and one date lives in a Parquet lake.

Two layouts are supported, both relative to a lake root (a folder or an S3 URL):

* ``bmll`` — BMLL's own: ``{Folder}/{MIC}/{yyyy}/{mm}/{dd}/{prefix}-{MIC}-{yyyymmdd}.parquet``
  (folders ``Trades-Plus``, ``Equity`` for L2, ``Equity-L3``, ``CBBO``,
  ``MarketState``, ``Reference``, ``Imbalance``);
* ``hive`` — ``{table}/MIC={mic}/Date={yyyy-mm-dd}/*.parquet``.
"""

from __future__ import annotations

import os
import re
import tempfile
from datetime import date
from pathlib import Path
from typing import Literal

import polars as pl

from basalt.tables.base import Table

LayoutName = Literal["bmll", "hive"]
LAYOUTS: tuple[LayoutName, ...] = ("bmll", "hive")
HIVE_FILE = "part-0.parquet"
"""File name Basalt writes in a hive partition folder (readers take any ``*.parquet``)."""


def partition_dir(table: type[Table], mic: str, day: date, layout: LayoutName) -> str:
    """The folder (relative to the lake root, '/'-separated) holding one (table, MIC, date)."""
    if layout == "bmll":
        return f"{table.BMLL_FOLDER}/{mic}/{day:%Y}/{day:%m}/{day:%d}"
    if layout == "hive":
        return f"{table.NAME}/MIC={mic}/Date={day:%Y-%m-%d}"
    raise ValueError(f"unknown lake layout {layout!r}; expected one of {', '.join(LAYOUTS)}")


def file_name(table: type[Table], mic: str, day: date, layout: LayoutName) -> str:
    """The file name Basalt writes (and BMLL's layout requires) for one partition."""
    if layout == "bmll":
        return f"{table.BMLL_PREFIX}-{mic}-{day:%Y%m%d}.parquet"
    return HIVE_FILE


def relative_path(table: type[Table], mic: str, day: date, layout: LayoutName) -> str:
    """Relative path of the file Basalt writes for one (table, MIC, date)."""
    return f"{partition_dir(table, mic, day, layout)}/{file_name(table, mic, day, layout)}"


def is_data_file(table: type[Table], mic: str, day: date, layout: LayoutName, name: str) -> bool:
    """Whether ``name`` (a file in the partition folder) holds that partition's data."""
    if layout == "bmll":
        return name == file_name(table, mic, day, layout)
    return name.endswith(".parquet") and not name.startswith((".", "_"))


_BMLL_MIC_DIR = re.compile(r"^[A-Z0-9]{4}$")
_HIVE_MIC_DIR = re.compile(r"^MIC=([A-Za-z0-9]+)$")


def mic_from_dir(name: str, layout: LayoutName) -> str | None:
    """The MIC a directory directly under the table folder stands for, if any."""
    if layout == "bmll":
        return name if _BMLL_MIC_DIR.match(name) else None
    match = _HIVE_MIC_DIR.match(name)
    return match.group(1) if match else None


def table_dir(table: type[Table], layout: LayoutName) -> str:
    """The table's top folder in the layout."""
    return table.BMLL_FOLDER if layout == "bmll" else table.NAME


def write_partition(
    frame: pl.DataFrame, root: Path, table: type[Table], mic: str, day: date, layout: LayoutName
) -> Path:
    """Write one (table, MIC, date) file under a local lake root, atomically.

    The frame is written to a temporary file in the target folder and renamed
    into place, so a reader never sees half a file and a killed writer leaves
    no partial file behind. Statistics are written so readers can prune.
    """
    # Columns beyond BMLL's schema may be written (and read back with keep_extra_columns).
    known = [column for column in frame.columns if column in table.SCHEMA]
    table.check_schema(frame.schema, source=f"<frame for {table.NAME} {mic} {day}>", columns=known)
    target = root / relative_path(table, mic, day, layout)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".tmp-", suffix=".parquet", dir=target.parent)
    os.close(fd)
    try:
        frame.write_parquet(tmp_name, statistics=True, compression="zstd")
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return target
