"""The local Parquet-lake source, in BMLL's and the hive layout."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from basalt.sources import CorruptFileError, MissingDataError
from basalt.sources.local import LocalSource
from basalt.tables import TableSchemaError
from basalt.tables.bmll import BMLL_TABLES, L3, Trades

from .conftest import SAMPLE_DAY, SAMPLE_MIC, sample_frame


def test_bmll_layout_paths_are_bmll_s_own(make_lake: Callable[[str], Path]) -> None:
    root = make_lake("bmll")
    assert (root / "Trades-Plus/XLON/2026/01/02/trades-plus-XLON-20260102.parquet").is_file()
    assert (root / "Equity/XLON/2026/01/02/l2-XLON-20260102.parquet").is_file()
    assert (root / "Equity-L3/XLON/2026/01/02/l3-XLON-20260102.parquet").is_file()
    hive = make_lake("hive")
    assert (hive / "trades/MIC=XLON/Date=2026-01-02/part-0.parquet").is_file()


@pytest.mark.parametrize("table", BMLL_TABLES, ids=lambda t: t.NAME)
def test_both_layouts_read_back_the_sample_identically(make_lake: Callable[[str], Path], table: type) -> None:
    frames = [
        LocalSource({"root": make_lake(layout), "layout": "auto"})
        .scan(table, SAMPLE_MIC, SAMPLE_DAY)
        .collect()
        for layout in ("bmll", "hive")
    ]
    expected = sample_frame(table.NAME).select(list(table.SCHEMA))
    assert_frame_equal(frames[0], expected)
    assert_frame_equal(frames[1], expected)


def test_listing_and_time_filters_are_pushed_into_the_parquet_scan(make_lake: Callable[[str], Path]) -> None:
    source = LocalSource({"root": make_lake("bmll")})
    start, end = datetime(2026, 1, 2, 12, 0, 1), datetime(2026, 1, 2, 12, 0, 30)
    scan = source.scan(
        Trades,
        SAMPLE_MIC,
        SAMPLE_DAY,
        columns=["ListingId", "TradeTimestamp", "Price"],
        listing_ids=[121317],
        start=start,
        end=end,
    )
    plan = scan.explain()
    scan_node = plan[plan.index("Parquet SCAN") :]
    assert "SELECTION" in scan_node, plan
    assert "ListingId" in scan_node.split("SELECTION", 1)[1]
    assert "TradeTimestamp" in scan_node.split("SELECTION", 1)[1]
    assert "PROJECT 3/152 COLUMNS" in plan, plan
    result = scan.collect()
    full = sample_frame("trades")
    expected = full.filter((pl.col("TradeTimestamp") >= start) & (pl.col("TradeTimestamp") < end))
    assert result.height == expected.height > 0


def test_missing_day_names_table_mic_date_and_place(make_lake: Callable[[str], Path]) -> None:
    root = make_lake("bmll")
    source = LocalSource({"root": root})
    with pytest.raises(MissingDataError) as excinfo:
        source.scan(Trades, SAMPLE_MIC, date(2026, 1, 5))
    message = str(excinfo.value)
    assert "'trades'" in message
    assert "XLON" in message
    assert "2026-01-05" in message
    assert str(root / "Trades-Plus/XLON/2026/01/05") in message
    empty = source.scan(Trades, SAMPLE_MIC, date(2026, 1, 5), allow_missing=True).collect()
    assert empty.height == 0
    assert empty.schema == Trades.empty().schema


def test_corrupt_file_is_named(make_lake: Callable[[str], Path]) -> None:
    root = make_lake("bmll")
    path = root / "Equity-L3/XLON/2026/01/02/l3-XLON-20260102.parquet"
    path.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(CorruptFileError, match=str(path)):
        LocalSource({"root": root}).scan(L3, SAMPLE_MIC, SAMPLE_DAY)


def test_file_with_a_wrong_dtype_is_named(make_lake: Callable[[str], Path]) -> None:
    root = make_lake("hive")
    path = root / "l3/MIC=XLON/Date=2026-01-02/part-0.parquet"
    sample_frame("l3").with_columns(pl.col("Size").cast(pl.Float64)).write_parquet(path)
    with pytest.raises(TableSchemaError) as excinfo:
        LocalSource({"root": root}).scan(L3, SAMPLE_MIC, SAMPLE_DAY)
    assert str(path) in str(excinfo.value)
    assert "column 'Size' has dtype Float64, expected Int64" in str(excinfo.value)


def test_row_counts_and_mics_come_from_metadata(make_lake: Callable[[str], Path]) -> None:
    source = LocalSource({"root": make_lake("hive"), "layout": "hive"})
    assert source.row_count(L3, SAMPLE_MIC, SAMPLE_DAY) == sample_frame("l3").height
    assert source.row_count(L3, SAMPLE_MIC, date(2026, 1, 5)) == 0
    assert source.mics(L3) == ["XLON"]


def test_hive_partitions_accept_any_parquet_file_name(make_lake: Callable[[str], Path]) -> None:
    root = make_lake("hive")
    folder = root / "trades/MIC=XLON/Date=2026-01-02"
    (folder / "part-0.parquet").rename(folder / "00000-from-spark.parquet")
    (folder / "_SUCCESS").write_text("")
    source = LocalSource({"root": root})
    assert [Path(p).name for p in source.files(Trades, SAMPLE_MIC, SAMPLE_DAY)] == [
        "00000-from-spark.parquet"
    ]
