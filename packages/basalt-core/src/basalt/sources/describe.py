"""What a source holds for a date: files, rows and time span per table and MIC.

Row counts and time spans come from Parquet footers (row-group statistics) for
local files; for object stores Polars reads the footer and, if it lacks
statistics, the timestamp column.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from basalt.sources.base import Source
from basalt.tables.base import Table


@dataclass(frozen=True)
class PartitionSummary:
    """One (table, MIC) of a day."""

    table: str
    mic: str
    files: int
    rows: int
    first: datetime | None
    last: datetime | None
    location: str


def _span_from_footer(
    path: str, column: str, dtype: pl.DataType
) -> tuple[int, datetime | None, datetime | None]:
    metadata = pq.ParquetFile(path).metadata
    index = metadata.schema.to_arrow_schema().get_field_index(column)
    lows, highs = [], []
    for group in range(metadata.num_row_groups):
        stats = metadata.row_group(group).column(index).statistics
        if stats is None or not stats.has_min_max:
            return metadata.num_rows, None, None
        # Raw int64 values: pyarrow cannot turn nanosecond statistics into datetimes.
        lows.append(stats.min_raw)
        highs.append(stats.max_raw)
    if not lows:
        return metadata.num_rows, None, None
    bounds = pl.Series([min(lows), max(highs)], dtype=pl.Int64).cast(dtype)
    return metadata.num_rows, bounds[0], bounds[1]


def _span(
    source: Source, paths: list[str], table: type[Table]
) -> tuple[int, datetime | None, datetime | None]:
    column = table.TIMESTAMP_COLUMN
    if column is None:
        return sum(source.row_count_of(path) for path in paths), None, None
    if all(Path(path).exists() for path in paths):
        spans = [_span_from_footer(path, column, table.SCHEMA[column]) for path in paths]
        lows = [low for _, low, _ in spans if low is not None]
        highs = [high for _, _, high in spans if high is not None]
        return sum(rows for rows, _, _ in spans), min(lows, default=None), max(highs, default=None)
    scan = source.scan_files(paths)
    rows, first, last = (
        scan.select(pl.len(), pl.col(column).min().alias("first"), pl.col(column).max().alias("last"))
        .collect()
        .row(0)
    )
    return int(rows), first, last


def describe_day(source: Source, day: date, tables: list[type[Table]]) -> list[PartitionSummary]:
    """Summaries of every (table, MIC) the source holds on ``day``, reading no data rows locally."""
    summaries = []
    for table in tables:
        for mic in source.mics(table):
            paths = source.files(table, mic, day)
            if not paths:
                continue
            for path in paths:
                source.file_schema(path)  # a corrupt file is named here, not half-way through
            rows, first, last = _span(source, paths, table)
            summaries.append(
                PartitionSummary(
                    table.NAME, mic, len(paths), rows, first, last, source.location(table, mic, day)
                )
            )
    return summaries
