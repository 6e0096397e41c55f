"""The lake's partition writer: frames appended in order, row groups of a bounded size, atomic files."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest
from polars.testing import assert_frame_equal

from basalt.sources import layout
from basalt.sources.layout import PartitionWriter, relative_path, write_partition
from basalt.tables.bmll import Trades
from basalt.tables.errors import TableSchemaError
from bmll_sample import SAMPLE_DAY, SAMPLE_MIC, sample_frame


def test_appended_frames_make_one_file_in_order_cut_into_row_groups(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(layout, "ROW_GROUP_ROWS", 20)
    trades = sample_frame("trades")  # 50 rows
    parts = [trades[0:7], trades[7:7], trades[7:30], trades[30:50]]
    with PartitionWriter(tmp_path, Trades, SAMPLE_MIC, SAMPLE_DAY, "hive") as writer:
        for part in parts:
            writer.append(part)
        path = writer.close()
    assert path == tmp_path / relative_path(Trades, SAMPLE_MIC, SAMPLE_DAY, "hive")
    assert writer.rows == 50
    assert_frame_equal(pl.read_parquet(path), trades)
    # Gathered to 7 + 23 = 30 rows, written as 20 + 10; then the last 20.
    metadata = pq.ParquetFile(path).metadata
    assert [metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)] == [20, 10, 20]
    assert metadata.row_group(0).column(0).statistics.has_min_max
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left


def test_the_same_frames_give_the_same_bytes_as_one_whole_frame_written_in_one_go(tmp_path: Path) -> None:
    trades = sample_frame("trades")
    whole = write_partition(trades, tmp_path / "whole", Trades, SAMPLE_MIC, SAMPLE_DAY, "bmll")
    with PartitionWriter(tmp_path / "parts", Trades, SAMPLE_MIC, SAMPLE_DAY, "bmll") as writer:
        writer.append(trades[:25])
        writer.append(trades[25:])
        parts = writer.close()
    assert whole.read_bytes() == parts.read_bytes()


def test_a_writer_given_nothing_writes_the_empty_table(tmp_path: Path) -> None:
    with PartitionWriter(tmp_path, Trades, SAMPLE_MIC, SAMPLE_DAY, "hive") as writer:
        path = writer.close()
    written = pl.read_parquet(path)
    assert written.height == 0
    assert written.schema == Trades.empty().schema


def _write_parts(root: Path, parts: list[pl.DataFrame]) -> Path:
    with PartitionWriter(root, Trades, SAMPLE_MIC, SAMPLE_DAY, "hive") as writer:
        for part in parts:
            writer.append(part)
        return writer.close()


def test_a_failure_midway_leaves_no_file_and_keeps_the_earlier_one(tmp_path: Path) -> None:
    trades = sample_frame("trades")
    earlier = write_partition(trades[:10], tmp_path, Trades, SAMPLE_MIC, SAMPLE_DAY, "hive")
    broken = trades.with_columns(pl.col("Price").cast(pl.String))  # breaks the table's contract
    with pytest.raises(TableSchemaError, match="trades"):
        _write_parts(tmp_path, [trades[10:20], broken])
    assert_frame_equal(pl.read_parquet(earlier), trades[:10])
    assert [p.name for p in earlier.parent.iterdir()] == [earlier.name]
