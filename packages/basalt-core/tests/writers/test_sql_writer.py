"""The sql writer on SQLite and on a real PostgreSQL: one transaction per write, keyed, injection-proof."""

from __future__ import annotations

import os
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from basalt.writers.base import OutputPartition, PathTemplateError
from basalt.writers.sql import SqlWriter

sa = pytest.importorskip("sqlalchemy", reason="needs SQLAlchemy (bmll-basalt[sql])")

DAY = date(2024, 1, 2)


def _frame(ids: list[int], value: float, day: date = DAY) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "ListingId": pl.Series(ids, dtype=pl.Int64),
            "Date": pl.Series([day] * len(ids), dtype=pl.Date),
            "TimeBucket": pl.Series([datetime(day.year, day.month, day.day, 9, 1)] * len(ids)).cast(
                pl.Datetime("ns")
            ),
            "Volume": pl.Series([value] * len(ids), dtype=pl.Float64),
        }
    )


def _partition(ids: tuple[int, ...], day: date = DAY, dataset: str = "demo") -> OutputPartition:
    return OutputPartition(dataset=dataset, pass_name="bars", day=day, listing_ids=ids)


@pytest.fixture(scope="module")
def postgres_url(basalt_postgres_server: Any) -> str:
    """The session's throwaway PostgreSQL (basalt.testing's fixture), skipped when absent."""
    return str(basalt_postgres_server.url)


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """Writer settings of an empty database: a SQLite file, or a fresh schema on PostgreSQL."""
    if request.param == "sqlite":
        yield {"url": f"sqlite:///{tmp_path / 'out' / 'basalt.db'}"}
        return
    url = request.getfixturevalue("postgres_url")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.schema.CreateSchema(schema))
    try:
        yield {"url": url, "schema": schema}
    finally:
        with engine.begin() as conn:
            conn.execute(sa.schema.DropSchema(schema, cascade=True))
        engine.dispose()


@pytest.fixture
def make_writer(database: dict[str, Any]) -> Iterator[Callable[..., SqlWriter]]:
    """Writers on ``database`` (extra settings as keywords), disposed after the test."""
    writers: list[SqlWriter] = []

    def make(**settings: Any) -> SqlWriter:
        writers.append(SqlWriter({**database, **settings}))
        return writers[-1]

    yield make
    for writer in writers:
        writer.dispose()


def _volumes(writer: SqlWriter, dataset: str = "demo") -> list[tuple[int, float]]:
    frame = writer.read(_partition((), dataset=dataset)).sort("ListingId", "Date")
    return list(zip(frame["ListingId"].to_list(), frame["Volume"].to_list(), strict=True))


def test_creates_a_keyed_table_on_first_write(make_writer: Callable[..., SqlWriter]) -> None:
    writer = make_writer()
    assert writer.read(_partition(())).height == 0
    assert writer.write(_frame([1, 2], 10.0), _partition((1, 2))) == 2
    writer.write(_frame([1, 2], 20.0, date(2024, 1, 3)), _partition((1, 2), date(2024, 1, 3)))
    inspector = sa.inspect(writer.engine())
    schema = writer.config.db_schema
    assert inspector.has_table("demo_bars", schema=schema)
    key = inspector.get_pk_constraint("demo_bars", schema=schema)["constrained_columns"]
    assert key == ["ListingId", "Date", "TimeBucket"]
    result = writer.read(_partition(()))
    assert result.height == 4
    assert result.columns == ["ListingId", "Date", "TimeBucket", "Volume"]


def test_read_returns_the_dtypes_written(make_writer: Callable[..., SqlWriter]) -> None:
    writer = make_writer()
    frame = _frame([1, 2], 1.5).with_columns(
        pl.Series("Trades", [3, None], dtype=pl.Int64),
        pl.Series("Count", [1, 4_000_000_000], dtype=pl.UInt32),
        pl.Series("Small", [1, -2], dtype=pl.Int32),
        pl.Series("Ratio", [0.5, None], dtype=pl.Float32),
        pl.Series("Flag", [True, None], dtype=pl.Boolean),
        pl.Series("Mic", ["XLON", None], dtype=pl.String),
        pl.Series("Side", ["B", "S"], dtype=pl.Enum(["B", "S"])),
        pl.Series("Open", [datetime(2024, 1, 2, 8, 0, 0, 1), None], dtype=pl.Datetime("us", "UTC")),
        pl.Series("Settle", [date(2024, 1, 4), None], dtype=pl.Date),
        (pl.col("TimeBucket") + pl.duration(nanoseconds=1_234_567)).alias("TimeBucket"),
    )
    writer.write(frame, _partition((1, 2)))
    result = writer.read(_partition(())).sort("ListingId")
    assert dict(result.schema) == {
        "ListingId": pl.Int64,
        "Date": pl.Date,
        "TimeBucket": pl.Datetime("ns"),
        "Volume": pl.Float64,
        "Trades": pl.Int64,
        "Count": pl.Int64,
        "Small": pl.Int32,
        "Ratio": pl.Float32,
        "Flag": pl.Boolean,
        "Mic": pl.String,
        "Side": pl.String,
        "Open": pl.Datetime("ns"),
        "Settle": pl.Date,
    }
    assert result["TimeBucket"].to_list() == [datetime(2024, 1, 2, 9, 1, 0, 1234)] * 2  # µs kept
    assert result["Count"].to_list() == [1, 4_000_000_000]
    assert result["Open"].to_list() == [datetime(2024, 1, 2, 8, 0, 0, 1), None]  # UTC, naive
    assert result.select(pl.exclude("TimeBucket", "Count", "Side", "Open")).equals(
        frame.select(pl.exclude("TimeBucket", "Count", "Side", "Open"))
    )


def test_rerunning_a_batch_replaces_its_rows(make_writer: Callable[..., SqlWriter]) -> None:
    writer = make_writer()
    writer.write(_frame([1, 2], 10.0), _partition((1, 2)))
    writer.write(_frame([3], 30.0), _partition((3,)))
    writer.write(_frame([1, 2], 11.0), _partition((1, 2)))
    assert _volumes(writer) == [(1, 11.0), (2, 11.0), (3, 30.0)]


def test_a_rerun_with_other_batching_leaves_no_duplicates(make_writer: Callable[..., SqlWriter]) -> None:
    writer = make_writer()
    writer.write(_frame([1, 2], 10.0), _partition((1, 2)))
    writer.write(_frame([3, 4], 10.0), _partition((3, 4)))
    writer.write(_frame([2, 3], 99.0), _partition((2, 3)))  # overlaps both earlier batches
    assert _volumes(writer) == [(1, 10.0), (2, 99.0), (3, 99.0), (4, 10.0)]


def test_a_write_touches_only_its_own_day(make_writer: Callable[..., SqlWriter]) -> None:
    writer = make_writer()
    writer.write(_frame([1], 1.0), _partition((1,)))
    writer.write(_frame([1], 2.0, date(2024, 1, 3)), _partition((1,), date(2024, 1, 3)))
    writer.write(_frame([1], 3.0), _partition((1,)))
    assert _volumes(writer) == [(1, 3.0), (1, 2.0)]


def test_an_empty_batch_still_replaces_old_rows(make_writer: Callable[..., SqlWriter]) -> None:
    writer = make_writer()
    assert writer.write(_frame([], 0.0), _partition((5,))) == 0  # no table yet: nothing to do
    writer.write(_frame([5, 6], 1.0), _partition((5, 6)))
    assert writer.write(pl.DataFrame(), _partition((5,))) == 0
    assert _volumes(writer) == [(6, 1.0)]


def test_a_batch_of_many_listings_is_deleted_in_chunks(make_writer: Callable[..., SqlWriter]) -> None:
    writer = make_writer()
    ids = list(range(1, 2502))  # over SQLite's historic 999-variable limit
    writer.write(_frame(ids, 1.0), _partition(tuple(ids)))
    writer.write(_frame(ids[::2], 2.0), _partition(tuple(ids)))
    result = writer.read(_partition(()))
    assert result.height == len(ids[::2])
    assert set(result["Volume"].to_list()) == {2.0}


def test_a_failing_insert_rolls_back_and_keeps_the_old_rows(make_writer: Callable[..., SqlWriter]) -> None:
    writer = make_writer(chunk_rows=1)  # earlier rows are sent before the bad one
    writer.write(_frame([1, 2, 3], 10.0), _partition((1, 2, 3)))
    bad = _frame([1, 2, 3], 20.0).with_columns(
        pl.when(pl.col("ListingId") == 3).then(None).otherwise(pl.col("TimeBucket")).alias("TimeBucket")
    )
    with pytest.raises(sa.exc.DBAPIError):  # NOT NULL key column
        writer.write(bad, _partition((1, 2, 3)))
    assert _volumes(writer) == [(1, 10.0), (2, 10.0), (3, 10.0)]


def test_duplicate_keys_in_a_batch_are_refused_before_any_change(
    make_writer: Callable[..., SqlWriter],
) -> None:
    writer = make_writer()
    writer.write(_frame([1], 1.0), _partition((1,)))
    with pytest.raises(
        ValueError, match=r"2 rows of the batch share a key \['ListingId', 'Date', 'TimeBucket'\]"
    ):
        writer.write(_frame([1, 1], 2.0), _partition((1,)))
    assert _volumes(writer) == [(1, 1.0)]


def test_key_columns_can_be_chosen(make_writer: Callable[..., SqlWriter]) -> None:
    writer = make_writer(key_columns=["ListingId", "Date", "TradeId"])
    frame = _frame([1, 1], 1.0).with_columns(pl.Series("TradeId", [7, 8]))  # same bucket, two trades
    writer.write(frame, _partition((1,)))
    key = sa.inspect(writer.engine()).get_pk_constraint("demo_bars", schema=writer.config.db_schema)
    assert key["constrained_columns"] == ["ListingId", "Date", "TradeId"]
    assert writer.read(_partition(())).height == 2


def test_a_later_batch_may_add_columns_and_omit_others(make_writer: Callable[..., SqlWriter]) -> None:
    writer = make_writer()
    writer.write(_frame([1], 1.0), _partition((1,)))
    writer.write(_frame([2], 2.0).with_columns(Spread=pl.lit(0.5), Venue=pl.lit("XLON")), _partition((2,)))
    writer.write(_frame([3], 3.0).drop("Volume"), _partition((3,)))
    result = writer.read(_partition(())).sort("ListingId")
    assert result.columns == ["ListingId", "Date", "TimeBucket", "Volume", "Spread", "Venue"]
    assert result["Spread"].to_list() == [None, 0.5, None]
    assert result["Venue"].to_list() == [None, "XLON", None]
    assert result["Volume"].to_list() == [1.0, 2.0, None]
    other = make_writer()  # a second writer (process) that has not seen the new columns
    other.write(_frame([4], 4.0).with_columns(Spread=pl.lit(1.5)), _partition((4,)))
    assert other.read(_partition(())).height == 4


@pytest.mark.parametrize(
    "dataset",
    ['demo"; DROP TABLE demo_bars; --', "demo'bars", "demo.bars", "demo bars", "demo/bars"],
)
def test_names_that_could_inject_are_refused(make_writer: Callable[..., SqlWriter], dataset: str) -> None:
    writer = make_writer()
    writer.write(_frame([1], 1.0), _partition((1,)))
    with pytest.raises(PathTemplateError, match="not a table name"):
        writer.write(_frame([1], 2.0), _partition((1,), dataset=dataset))
    with pytest.raises(PathTemplateError):
        writer.location(_partition((1,), dataset=dataset))
    assert _volumes(writer) == [(1, 1.0)]
    assert sa.inspect(writer.engine()).get_table_names(schema=writer.config.db_schema) == ["demo_bars"]


def test_bad_table_templates_and_schemas_are_config_errors() -> None:
    with pytest.raises(ValueError, match="not a table name"):
        SqlWriter({"table": "{datasetname};drop"})
    with pytest.raises(ValueError, match="unknown or malformed placeholder"):
        SqlWriter({"table": "{dataset}"})
    with pytest.raises(ValueError, match="should match pattern"):
        SqlWriter({"schema": 'x"; --'})
    with pytest.raises(ValueError, match="Extra inputs are not permitted"):
        SqlWriter({"tabel": "x"})


def test_odd_column_names_and_values_are_quoted_and_bound(make_writer: Callable[..., SqlWriter]) -> None:
    writer = make_writer()
    evil = "x'); DROP TABLE demo_bars; --"
    frame = _frame([1], 1.0).with_columns(
        pl.lit(evil).alias('Note"; DROP TABLE demo_bars; --'),
        pl.lit(2.0).alias("100%"),
        pl.lit("naïve ☃").alias("Unicode"),
    )
    writer.write(frame, _partition((1,)))
    writer.write(frame, _partition((1,)))
    result = writer.read(_partition(()))
    assert result.height == 1
    assert result['Note"; DROP TABLE demo_bars; --'].to_list() == [evil]
    assert result["100%"].to_list() == [2.0]
    assert result["Unicode"].to_list() == ["naïve ☃"]


def test_table_names_with_capitals_and_hyphens(make_writer: Callable[..., SqlWriter]) -> None:
    writer = make_writer()
    writer.write(_frame([1], 1.0), _partition((1,), dataset="My-Data"))
    assert sa.inspect(writer.engine()).has_table("My-Data_bars", schema=writer.config.db_schema)
    assert _volumes(writer, dataset="My-Data") == [(1, 1.0)]


def test_concurrent_writers_of_other_days_all_land(make_writer: Callable[..., SqlWriter]) -> None:
    days = [date(2024, 1, day) for day in (2, 3, 4, 5)]
    writers = {day: make_writer() for day in days}
    writers[days[0]].write(_frame([1], 0.0, days[0]), _partition((1,), days[0]))  # table exists
    errors: list[BaseException] = []

    def write_day(day: date) -> None:
        try:
            for value in (1.0, 2.0, 3.0):
                writers[day].write(_frame([1, 2, 3], value, day), _partition((1, 2, 3), day))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=write_day, args=(day,)) for day in days]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    result = writers[days[0]].read(_partition(()))
    assert result.height == 12
    assert set(result["Volume"].to_list()) == {3.0}


def test_rows_outside_the_batch_are_refused(make_writer: Callable[..., SqlWriter]) -> None:
    writer = make_writer()
    with pytest.raises(ValueError, match="outside the batch"):
        writer.write(_frame([1, 2], 1.0), _partition((1,)))
    assert writer.read(_partition(())).height == 0


def test_location_names_the_table_without_the_password() -> None:
    writer = SqlWriter({"url": "postgresql+psycopg://basalt:s3cret@db.example:5432/analytics"})
    assert (
        writer.location(_partition(())) == "postgresql+psycopg://basalt@db.example:5432/analytics/demo_bars"
    )
    writer = SqlWriter({"url": "postgresql+psycopg://basalt@db/analytics", "schema": "out"})
    assert writer.location(_partition(())) == "postgresql+psycopg://basalt@db/analytics/out.demo_bars"
    assert SqlWriter().location(_partition(())) == "sqlite:///output/basalt.db/demo_bars"


def test_unsupported_dtypes_are_named(tmp_path: Path) -> None:
    writer = SqlWriter({"url": f"sqlite:///{tmp_path / 'x.db'}"})
    frame = _frame([1], 1.0).with_columns(pl.lit([1, 2]).alias("Levels"))
    with pytest.raises(TypeError, match="Levels"):
        writer.write(frame, _partition((1,)))


def test_a_missing_sqlalchemy_says_which_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sqlalchemy", None)
    writer = SqlWriter()
    (problem,) = writer.check(_partition(()))
    assert "pip install 'bmll-basalt[sql]'" in problem  # validate and --dry-run report it up front
    assert writer.location(_partition(())).endswith("/demo_bars")  # plans still name the table
    with pytest.raises(ImportError, match=r"pip install 'bmll-basalt\[sql\]'"):
        writer.write(pl.DataFrame({"ListingId": [1]}), _partition((1,)))


def test_postgres_server_starts_answers_and_is_stopped_by_pid(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("psycopg", reason="PostgreSQL tests need psycopg[binary]")
    from basalt.testing.postgres import URL_ENV, PostgresUnavailableError, postgres_server

    monkeypatch.delenv(URL_ENV, raising=False)
    try:
        with postgres_server() as server:
            assert server.pid is not None
            assert server.data_dir is not None
            engine = sa.create_engine(server.url)
            with engine.connect() as conn:
                assert conn.execute(sa.text("select 1")).scalar() == 1
            engine.dispose()
            pid, data_dir = server.pid, server.data_dir
    except PostgresUnavailableError as exc:
        pytest.skip(f"no PostgreSQL server: {exc}")
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert not data_dir.parent.exists()


def test_postgres_server_uses_the_url_given_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from basalt.testing import postgres

    url = "postgresql+psycopg://postgres@127.0.0.1:1/postgres"
    monkeypatch.setenv(postgres.URL_ENV, url)
    monkeypatch.setattr(postgres, "find_bindir", lambda: pytest.fail("must not look for PostgreSQL"))
    with postgres.postgres_server() as server:
        assert (server.url, server.pid) == (url, None)


def test_postgres_server_is_unavailable_without_postgresql(monkeypatch: pytest.MonkeyPatch) -> None:
    from basalt.testing import postgres

    monkeypatch.delenv(postgres.URL_ENV, raising=False)
    monkeypatch.setattr(postgres.shutil, "which", lambda name: None)
    monkeypatch.setattr(postgres.glob, "glob", lambda pattern: [])
    with (
        pytest.raises(postgres.PostgresUnavailableError, match="PostgreSQL is not installed"),
        postgres.postgres_server(),
    ):
        pass


def test_every_setting_is_described_and_schema_is_the_key() -> None:
    from basalt.writers.sql import SqlWriterConfig

    assert all(field.description for field in SqlWriterConfig.model_fields.values())
    assert SqlWriter({"schema": "analytics"}).config.db_schema == "analytics"


def test_names_the_database_would_truncate_are_refused(make_writer: Callable[..., SqlWriter]) -> None:
    writer = make_writer()
    limit = writer.engine().dialect.max_identifier_length
    long_dataset = "d" * (limit - len("_bars") + 1)
    with pytest.raises(ValueError, match="byte limit"):
        writer.write(_frame([1], 1.0), _partition((1,), dataset=long_dataset))
    with pytest.raises(ValueError, match="byte limit"):
        writer.write(_frame([1], 1.0).with_columns(pl.lit(1.0).alias("c" * (limit + 1))), _partition((1,)))
    assert writer.read(_partition(())).height == 0
