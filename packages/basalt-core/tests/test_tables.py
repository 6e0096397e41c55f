"""BMLL tables: the schema contract, validated against real BMLL sample rows."""

from __future__ import annotations

import polars as pl
import pytest

from basalt.tables import TableSchemaError, UnknownColumnError
from basalt.tables.bmll import BMLL_TABLES, L3, Reference, Trades
from basalt.tables.schema import parse_dtype
from bmll_sample import SAMPLE, SAMPLE_FILES


@pytest.mark.parametrize("table", BMLL_TABLES, ids=lambda t: t.NAME)
def test_real_bmll_sample_rows_meet_every_table_schema(table: type) -> None:
    path = SAMPLE / f"{SAMPLE_FILES[table.NAME]}.parquet"
    frame = pl.read_parquet(path)
    table.check_schema(frame.schema, source=str(path))
    assert frame.height > 0
    if table.TIMESTAMP_COLUMN:
        assert frame.schema[table.TIMESTAMP_COLUMN] == table.SCHEMA[table.TIMESTAMP_COLUMN]
    for key in table.KEYS:
        assert key in table.SCHEMA, f"{table.NAME} key {key} is not a schema column"


def test_schema_sizes_match_the_bmll_contract_files() -> None:
    # Row counts of the shipped CSVs (one header line each) — a truncated copy would fail here.
    assert (len(Trades.SCHEMA), len(L3.SCHEMA), len(Reference.SCHEMA)) == (152, 36, 22)
    assert Trades.SCHEMA["TradeTimestamp"] == pl.Datetime("us")
    assert L3.SCHEMA["TimestampNanoseconds"] == pl.Datetime("ns")
    assert Trades.SCHEMA["AggressorSide"] == pl.Int64()


def test_wrong_dtype_and_missing_column_name_table_file_column_and_dtypes() -> None:
    schema = dict(Trades.SCHEMA)
    schema["Price"] = pl.String()
    del schema["Size"]
    with pytest.raises(TableSchemaError) as excinfo:
        Trades.check_schema(schema, source="/lake/trades-plus-XLON-20240102.parquet")
    message = str(excinfo.value)
    assert "table 'trades'" in message
    assert "/lake/trades-plus-XLON-20240102.parquet" in message
    assert "column 'Price' has dtype String, expected Float64" in message
    assert "column 'Size' is missing (expected Float64)" in message
    assert [p.column for p in excinfo.value.problems] == ["Price", "Size"]


def test_a_subset_of_columns_is_checked_alone_and_extra_columns_are_fine() -> None:
    found = {"ListingId": pl.Int64(), "Price": pl.Float64(), "SomethingNew": pl.String()}
    Trades.check_schema(found, source="f.parquet", columns=["ListingId", "Price"])
    with pytest.raises(TableSchemaError, match="'Size' is missing"):
        Trades.check_schema(found, source="f.parquet", columns=["Price", "Size"])


def test_null_typed_columns_accept_any_dtype() -> None:
    Trades.check_schema({"BrokerIdBuyer": pl.String()}, source="f.parquet", columns=["BrokerIdBuyer"])


def test_renamed_columns_are_refused_with_a_suggestion() -> None:
    expected = r"table 'trades' has no column 'Prices'\. Did you mean 'Price'"
    with pytest.raises(UnknownColumnError, match=expected):
        Trades.resolve_columns(["Prices"])


def test_empty_frames_carry_the_schema() -> None:
    empty = L3.empty(["ListingId", "TimestampNanoseconds"])
    assert empty.schema == pl.Schema({"ListingId": pl.Int64(), "TimestampNanoseconds": pl.Datetime("ns")})


@pytest.mark.parametrize(
    ("text", "dtype"),
    [("Int32", pl.Int32()), ("Datetime(time_unit='ms', time_zone=None)", pl.Datetime("ms"))],
)
def test_parse_dtype(text: str, dtype: pl.DataType) -> None:
    assert parse_dtype(text) == dtype


def test_parse_dtype_rejects_unknown() -> None:
    with pytest.raises(ValueError, match="Decimal"):
        parse_dtype("Decimal(10, 2)")
