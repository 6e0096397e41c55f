"""parquet, delta and sql hold the same rows after the same writes, re-runs included.

The same sequence of batches (three days, two symbol batchings, overlapping
re-runs, a batch that lost a listing, an empty re-run) goes through every
writer; each ``read()`` must equal the parquet writer's after sorting, with the
dtypes normalised where an engine stores less:

* unsigned integers: Delta and SQL have none, ``UInt32`` reads back as ``Int64``;
* timestamps: Delta and SQL keep microseconds, so nanoseconds are truncated
  (they read back as ``Datetime("ns")``);
* SQLite stores NaN as NULL (PostgreSQL and Delta keep NaN).

Engines: Delta on a local disk and on S3 (moto's server), SQL on SQLite and on
a real PostgreSQL server (skipped only when PostgreSQL is not installed).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from basalt.writers.base import OutputPartition, OutputWriter
from basalt.writers.parquet import ParquetWriter

DAYS = [date(2024, 1, 2), date(2024, 1, 3), date(2024, 1, 4)]
KEYS = ["ListingId", "Date", "TimeBucket"]


def _batch(day: date, ids: list[int], version: int) -> pl.DataFrame:
    """Three buckets per listing; values depend on listing, bucket and run so replacements show."""
    rows: dict[str, list[Any]] = {k: [] for k in [*KEYS, "Price", "Volume", "TradeCount", "Mic", "Flag"]}
    for listing in ids:
        for bucket in range(3):
            start = datetime(day.year, day.month, day.day, 9, 1 + bucket)
            rows["ListingId"].append(listing)
            rows["Date"].append(day)
            rows["TimeBucket"].append(start)
            price = 100.0 / (listing + bucket + version)  # not exactly representable
            rows["Price"].append(float("nan") if (listing, bucket) == (2, 1) else price)
            rows["Volume"].append(None if bucket == 2 else listing * 1000 + version)
            rows["TradeCount"].append(listing + bucket + 4_000_000_000 * (listing == 6))
            rows["Mic"].append(None if listing == 5 else ('X\'LON; "ä"' if listing == 4 else "XLON"))
            rows["Flag"].append(None if bucket == 1 else bool((listing + version) % 2))
    frame = pl.DataFrame(
        rows,
        schema={
            "ListingId": pl.Int64,
            "Date": pl.Date,
            "TimeBucket": pl.Datetime("ns"),
            "Price": pl.Float64,
            "Volume": pl.Int64,
            "TradeCount": pl.UInt32,
            "Mic": pl.String,
            "Flag": pl.Boolean,
        },
    )
    # a few sub-microsecond timestamps: the engines that keep µs truncate them
    return frame.with_columns(
        pl.when(pl.col("ListingId") == 3)
        .then(pl.col("TimeBucket") + pl.duration(nanoseconds=1_999))
        .otherwise(pl.col("TimeBucket"))
        .alias("TimeBucket")
    )


def _writes() -> list[tuple[pl.DataFrame, OutputPartition]]:
    def part(day: date, ids: tuple[int, ...]) -> OutputPartition:
        return OutputPartition("agree", "bars", day, ids, start_date=DAYS[0], end_date=DAYS[-1])

    first, second, third = DAYS
    return [
        (_batch(first, [1, 2, 3], 1), part(first, (1, 2, 3))),
        (_batch(first, [4, 5, 6], 1), part(first, (4, 5, 6))),
        (_batch(second, [1, 2, 3], 1), part(second, (1, 2, 3))),
        (_batch(second, [4, 5, 6], 1), part(second, (4, 5, 6))),
        (_batch(third, [1, 2, 3, 4, 5, 6], 1), part(third, (1, 2, 3, 4, 5, 6))),
        # re-runs: other batching overlapping both earlier batches of day 1
        (_batch(first, [2, 3, 4], 2), part(first, (2, 3, 4))),
        # day 2 again, listing 3 now without output: its old rows must go
        (_batch(second, [1, 2], 3), part(second, (1, 2, 3))),
        # day 3 again for 5 and 6, nothing computed: their rows must go
        (_batch(third, [], 4).clear(), part(third, (5, 6))),
        (_batch(first, [1], 5), part(first, (1,))),
    ]


def _normalised(frame: pl.DataFrame, *, nan_is_null: bool = False) -> pl.DataFrame:
    frame = frame.with_columns(
        pl.col("TradeCount").cast(pl.Int64),
        pl.col("TimeBucket").dt.cast_time_unit("us").dt.cast_time_unit("ns"),
    )
    if nan_is_null:
        frame = frame.with_columns(pl.col("Price").fill_nan(None))
    return frame.sort(KEYS)


@pytest.fixture(scope="module")
def postgres_url(basalt_postgres_server: Any) -> str:
    """The session's throwaway PostgreSQL (basalt.testing's fixture), skipped when absent."""
    return str(basalt_postgres_server.url)


@pytest.fixture
def engine_writer(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OutputWriter]:
    """The writer under comparison, on an empty store."""
    kind = request.param
    if kind.startswith("delta"):
        pytest.importorskip("deltalake", reason="needs deltalake (bmll-basalt[delta])")
        from basalt.writers.delta import DeltaWriter

        if kind == "delta-local":
            yield DeltaWriter({"root": str(tmp_path / "delta")})
            return
        server = request.getfixturevalue("basalt_s3_server")
        bucket = f"agree-{uuid.uuid4().hex[:12]}"
        server.client().create_bucket(Bucket=bucket)
        options = {
            "AWS_ENDPOINT_URL": server.endpoint_url,
            "AWS_ACCESS_KEY_ID": server.access_key_id,
            "AWS_SECRET_ACCESS_KEY": server.secret_access_key,
            "AWS_REGION": server.region,
            "AWS_ALLOW_HTTP": "true",
        }
        yield DeltaWriter({"root": f"s3://{bucket}/out", "storage_options": options})
        return
    sa = pytest.importorskip("sqlalchemy", reason="needs SQLAlchemy (bmll-basalt[sql])")
    from basalt.writers.sql import SqlWriter

    if kind == "sql-sqlite":
        writer = SqlWriter({"url": f"sqlite:///{tmp_path / 'basalt.db'}"})
        yield writer
        writer.dispose()
        return
    url = request.getfixturevalue("postgres_url")
    schema = f"agree_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.schema.CreateSchema(schema))
    writer = SqlWriter({"url": url, "schema": schema, "chunk_rows": 7})
    try:
        yield writer
    finally:
        writer.dispose()
        with engine.begin() as conn:
            conn.execute(sa.schema.DropSchema(schema, cascade=True))
        engine.dispose()


@pytest.mark.parametrize(
    "engine_writer", ["delta-local", "sql-sqlite", "sql-postgresql", "delta-s3"], indirect=True
)
def test_every_writer_holds_what_parquet_holds(engine_writer: OutputWriter, tmp_path: Path) -> None:
    reference = ParquetWriter({"root": tmp_path / "parquet"})
    for frame, partition in _writes():
        assert reference.write(frame, partition) == engine_writer.write(frame, partition) == frame.height

    probe = _writes()[0][1]
    expected = reference.read(probe)
    actual = engine_writer.read(probe)
    assert expected.height == 3 * (6 + 5 + 4)  # 6 listings on day 1, 5 on day 2, 4 on day 3
    assert actual.select(KEYS).is_duplicated().sum() == 0
    sqlite = "sqlite" in engine_writer.location(probe)
    assert_frame_equal(
        _normalised(actual.select(expected.columns), nan_is_null=sqlite),
        _normalised(expected, nan_is_null=sqlite),
    )
    if not sqlite:  # NaN survives everywhere but SQLite
        assert actual["Price"].is_nan().sum() == expected["Price"].is_nan().sum() > 0

    # Panel passes read a range of days: each writer returns exactly those days' rows.
    for start, end in [(DAYS[1], DAYS[2]), (DAYS[0], DAYS[0]), (DAYS[2], DAYS[2] + timedelta(days=30))]:
        wanted = _normalised(expected.filter(pl.col("Date").is_between(start, end)), nan_is_null=sqlite)
        assert wanted.height > 0
        assert_frame_equal(_normalised(reference.read_days(probe, start, end), nan_is_null=sqlite), wanted)
        got = engine_writer.read_days(probe, start, end)
        assert_frame_equal(_normalised(got.select(expected.columns), nan_is_null=sqlite), wanted)
    before = (DAYS[0] - timedelta(days=9), DAYS[0] - timedelta(days=1))
    assert engine_writer.read_days(probe, *before).height == 0


def test_the_scenario_exercises_replacement() -> None:
    writes = _writes()
    assert any(frame.height == 0 for frame, _ in writes)
    assert _batch(DAYS[0], [3], 1)["TimeBucket"][0] - datetime(2024, 1, 2, 9, 1) == timedelta(microseconds=1)
