"""The delta writer: one Delta commit per write, re-runs replace exactly their own rows."""

from __future__ import annotations

import sys
import threading
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest
from pydantic import ValidationError

from basalt.writers.base import OutputPartition, PathTemplateError, render_template
from basalt.writers.delta import DeltaWriter, replace_predicate

deltalake = pytest.importorskip("deltalake", reason="needs deltalake (bmll-basalt[delta])")

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


def _partition(ids: tuple[int, ...], day: date = DAY) -> OutputPartition:
    return OutputPartition(dataset="demo", pass_name="bars", day=day, listing_ids=ids)


def _writer(tmp_path: Path, **config: object) -> DeltaWriter:
    return DeltaWriter({"root": str(tmp_path), "path": "{datasetname}/{pass}", **config})


def _volumes(writer: DeltaWriter) -> list[tuple[int, float]]:
    frame = writer.read(_partition(())).sort("ListingId")
    return list(zip(frame["ListingId"].to_list(), frame["Volume"].to_list(), strict=True))


def test_creates_a_date_partitioned_table_on_first_write(tmp_path: Path) -> None:
    writer = _writer(tmp_path)
    assert writer.location(_partition(())) == str(tmp_path / "demo" / "bars")
    assert writer.version(_partition(())) is None
    assert writer.read(_partition(())).height == 0
    assert writer.write(_frame([1, 2], 10.0), _partition((1, 2))) == 2
    writer.write(_frame([1, 2], 20.0, date(2024, 1, 3)), _partition((1, 2), date(2024, 1, 3)))
    table = deltalake.DeltaTable(writer.table_uri(_partition(())))
    assert table.metadata().partition_columns == ["Date"]
    assert sorted(p.name for p in (tmp_path / "demo" / "bars").glob("Date=*")) == [
        "Date=2024-01-02",
        "Date=2024-01-03",
    ]
    result = writer.read(_partition(()))
    assert result.columns[:2] == ["ListingId", "Date"]
    assert result.height == 4


def test_unpartitioned_table(tmp_path: Path) -> None:
    writer = _writer(tmp_path, partition_by_date=False)
    writer.write(_frame([1], 1.0), _partition((1,)))
    table = deltalake.DeltaTable(writer.table_uri(_partition(())))
    assert table.metadata().partition_columns == []
    assert not list((tmp_path / "demo" / "bars").glob("Date=*"))


def test_rerunning_a_batch_replaces_its_rows(tmp_path: Path) -> None:
    writer = _writer(tmp_path)
    writer.write(_frame([1, 2], 10.0), _partition((1, 2)))
    writer.write(_frame([3], 30.0), _partition((3,)))
    writer.write(_frame([1, 2], 11.0), _partition((1, 2)))
    assert _volumes(writer) == [(1, 11.0), (2, 11.0), (3, 30.0)]


def test_a_rerun_with_other_batching_leaves_no_duplicates(tmp_path: Path) -> None:
    writer = _writer(tmp_path)
    writer.write(_frame([1, 2], 10.0), _partition((1, 2)))
    writer.write(_frame([3, 4], 10.0), _partition((3, 4)))
    writer.write(_frame([2, 3], 99.0), _partition((2, 3)))  # overlaps both earlier batches
    assert _volumes(writer) == [(1, 10.0), (2, 99.0), (3, 99.0), (4, 10.0)]


def test_a_write_touches_only_its_own_day(tmp_path: Path) -> None:
    writer = _writer(tmp_path)
    writer.write(_frame([1], 1.0), _partition((1,)))
    writer.write(_frame([1], 2.0, date(2024, 1, 3)), _partition((1,), date(2024, 1, 3)))
    writer.write(_frame([1], 3.0), _partition((1,)))
    result = writer.read(_partition(())).sort("Date")
    assert result["Volume"].to_list() == [3.0, 2.0]


def test_an_empty_batch_still_replaces_old_rows(tmp_path: Path) -> None:
    writer = _writer(tmp_path)
    assert writer.write(_frame([], 0.0), _partition((5,))) == 0  # no table yet: nothing to do
    assert writer.version(_partition(())) is None
    writer.write(_frame([5, 6], 1.0), _partition((5, 6)))
    assert writer.write(pl.DataFrame(), _partition((5,))) == 0  # untyped empty frame too
    assert _volumes(writer) == [(6, 1.0)]
    assert writer.version(_partition(())) == 1


def test_each_write_is_exactly_one_commit_and_old_versions_stay_readable(tmp_path: Path) -> None:
    writer = _writer(tmp_path)
    versions = []
    for value in (1.0, 2.0, 3.0):
        writer.write(_frame([1, 2], value), _partition((1, 2)))
        versions.append(writer.version(_partition(())))
    writer.write(_frame([], 0.0), _partition((2,)))
    versions.append(writer.version(_partition(())))
    assert versions == [0, 1, 2, 3]
    uri = writer.table_uri(_partition(()))
    before = pl.from_arrow(deltalake.DeltaTable(uri, version=1).to_pyarrow_table())
    assert isinstance(before, pl.DataFrame)
    assert before.sort("ListingId")["Volume"].to_list() == [2.0, 2.0]
    history = deltalake.DeltaTable(uri).history()
    assert history[0]["operation"] == "DELETE"
    assert {entry["operation"] for entry in history[1:]} == {"WRITE"}
    assert history[1]["basalt.date"] == "2024-01-02"


def test_a_concurrent_reader_sees_the_old_or_the_new_batch_never_a_mix(tmp_path: Path) -> None:
    writer = _writer(tmp_path)
    ids = list(range(1, 41))
    writer.write(_frame(ids, 0.0), _partition(tuple(ids)))
    done = threading.Event()
    seen: list[tuple[int, set[float]]] = []

    def read_repeatedly() -> None:
        reader = _writer(tmp_path)
        while not done.is_set():
            frame = reader.read(_partition(()))
            seen.append((frame.height, set(frame["Volume"].to_list())))

    thread = threading.Thread(target=read_repeatedly)
    thread.start()
    try:
        for value in range(1, 16):
            writer.write(_frame(ids, float(value)), _partition(tuple(ids)))
    finally:
        done.set()
        thread.join()
    assert seen, "the reader never read"
    assert all(height == len(ids) and len(values) == 1 for height, values in seen), seen[:5]


def test_concurrent_writers_of_other_days_all_land(tmp_path: Path) -> None:
    days = [date(2024, 1, day) for day in (2, 3, 4, 5)]
    errors: list[BaseException] = []

    def write_day(day: date) -> None:
        try:
            writer = _writer(tmp_path)
            for value in (1.0, 2.0):
                writer.write(_frame([1, 2, 3], value, day), _partition((1, 2, 3), day))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=write_day, args=(day,)) for day in days]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    result = _writer(tmp_path).read(_partition(()))
    assert result.height == 12
    assert set(result["Volume"].to_list()) == {2.0}
    assert _writer(tmp_path).version(_partition(())) == len(days) * 2 - 1


def test_a_later_batch_may_add_columns_and_omit_others(tmp_path: Path) -> None:
    writer = _writer(tmp_path)
    writer.write(_frame([1], 1.0), _partition((1,)))
    writer.write(_frame([2], 2.0).with_columns(Spread=pl.lit(0.5)), _partition((2,)))
    writer.write(_frame([3], 3.0).drop("Volume"), _partition((3,)))
    result = writer.read(_partition(())).sort("ListingId")
    assert result["Spread"].to_list() == [None, 0.5, None]
    assert result["Volume"].to_list() == [1.0, 2.0, None]


def test_a_column_may_not_change_type(tmp_path: Path) -> None:
    writer = _writer(tmp_path)
    writer.write(_frame([1], 1.0), _partition((1,)))
    with pytest.raises(Exception, match=r"(?i)schema|type|cast"):
        writer.write(_frame([2], 2.0).with_columns(pl.lit("x").alias("Volume")), _partition((2,)))
    assert _volumes(writer) == [(1, 1.0)]


def test_dtypes_delta_cannot_store_are_widened_and_timestamps_keep_microseconds(tmp_path: Path) -> None:
    writer = _writer(tmp_path)
    frame = _frame([1, 2], 1.0).with_columns(
        pl.Series("TradeCount", [1, 4_000_000_000], dtype=pl.UInt32),
        pl.Series("Flag", [True, None], dtype=pl.Boolean),
        pl.Series("Side", ["B", None], dtype=pl.Categorical),
        pl.lit(None).alias("Untyped"),
        (pl.col("TimeBucket") + pl.duration(nanoseconds=1_234_567)).alias("TimeBucket"),
    )
    writer.write(frame, _partition((1, 2)))
    result = writer.read(_partition(())).sort("ListingId")
    assert result.schema["TradeCount"] == pl.Int64
    assert result["TradeCount"].to_list() == [1, 4_000_000_000]
    assert result.schema["TimeBucket"] == pl.Datetime("ns")
    assert result["TimeBucket"][0] == datetime(2024, 1, 2, 9, 1, 0, 1234)  # ns truncated to µs
    assert result["Side"].to_list() == ["B", None]
    assert "Untyped" not in result.columns


def test_rows_outside_the_batch_are_refused(tmp_path: Path) -> None:
    writer = _writer(tmp_path)
    with pytest.raises(ValueError, match="outside the batch"):
        writer.write(_frame([1, 2], 1.0), _partition((1,)))
    with pytest.raises(ValueError, match="another Date"):
        writer.write(_frame([1], 1.0, date(2024, 1, 3)), _partition((1,)))
    assert writer.version(_partition(())) is None


def test_the_predicate_holds_only_a_date_and_integers() -> None:
    predicate = replace_predicate(_partition((3, 1, 2, 3)))
    assert predicate == '"Date" = DATE \'2024-01-02\' AND "ListingId" IN (1, 2, 3)'


@pytest.mark.parametrize("template", ["../{datasetname}", "/abs/{pass}", "{datasetname}/{nope}"])
def test_paths_cannot_escape_the_root(tmp_path: Path, template: str) -> None:
    # Refused when the config is validated, before any write (``pipeline validate`` names it).
    with pytest.raises(ValidationError, match=r"escapes the output root|unknown or malformed placeholder"):
        _writer(tmp_path, path=template)
    with pytest.raises(PathTemplateError):
        render_template(template, _partition((1,)))


def test_s3_root(tmp_path: Path, basalt_s3_server: object) -> None:
    server = basalt_s3_server
    server.client().create_bucket(Bucket="basalt-delta-unit")  # type: ignore[attr-defined]
    writer = DeltaWriter(
        {
            "root": "s3://basalt-delta-unit/out",
            "storage_options": {
                "AWS_ENDPOINT_URL": server.endpoint_url,  # type: ignore[attr-defined]
                "AWS_ACCESS_KEY_ID": server.access_key_id,  # type: ignore[attr-defined]
                "AWS_SECRET_ACCESS_KEY": server.secret_access_key,  # type: ignore[attr-defined]
                "AWS_REGION": server.region,  # type: ignore[attr-defined]
                "AWS_ALLOW_HTTP": "true",
            },
        }
    )
    assert writer.location(_partition(())) == "s3://basalt-delta-unit/out/demo/bars"
    writer.write(_frame([1, 2], 1.0), _partition((1, 2)))
    writer.write(_frame([2], 2.0), _partition((2,)))
    assert _volumes(writer) == [(1, 1.0), (2, 2.0)]
    assert writer.version(_partition(())) == 1
    keys = [o["Key"] for o in server.client().list_objects_v2(Bucket="basalt-delta-unit")["Contents"]]  # type: ignore[attr-defined]
    assert "out/demo/bars/_delta_log/00000000000000000001.json" in keys


def test_a_missing_deltalake_says_which_extra_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "deltalake", None)
    with pytest.raises(ImportError, match=r"pip install 'bmll-basalt\[delta\]'"):
        _writer(tmp_path).write(_frame([1], 1.0), _partition((1,)))


def test_every_setting_is_described() -> None:
    from basalt.writers.delta import DeltaWriterConfig

    assert all(field.description for field in DeltaWriterConfig.model_fields.values())
