"""The parquet writer: day folders, atomic files, re-runs replace exactly their own rows."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from basalt.writers.base import OutputPartition, PathTemplateError, render_template
from basalt.writers.parquet import ParquetWriter

DAY = date(2024, 1, 2)


def _frame(ids: list[int], value: float, day: date = DAY) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "ListingId": ids,
            "Date": [day] * len(ids),
            "TimeBucket": [datetime(2024, 1, 2, 9, 1)] * len(ids),
            "Volume": [value] * len(ids),
        }
    )


def _partition(ids: tuple[int, ...], day: date = DAY) -> OutputPartition:
    return OutputPartition(dataset="demo", pass_name="bars", day=day, listing_ids=ids)


def _writer(tmp_path: Path) -> ParquetWriter:
    return ParquetWriter({"root": tmp_path, "path": "{datasetname}/{pass}"})


def test_writes_one_file_per_day_and_listing_set(tmp_path: Path) -> None:
    writer = _writer(tmp_path)
    assert writer.write(_frame([1, 2], 10.0), _partition((1, 2))) == 2
    writer.write(_frame([1, 2], 20.0, date(2024, 1, 3)), _partition((1, 2), date(2024, 1, 3)))
    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.parquet"))
    assert len(files) == 2
    assert files[0].startswith("demo/bars/Date=2024-01-02/part-")
    assert not list(tmp_path.rglob(".tmp-*"))
    assert writer.read(_partition((1, 2))).height == 4


def test_rerunning_a_batch_replaces_its_rows(tmp_path: Path) -> None:
    writer = _writer(tmp_path)
    writer.write(_frame([1, 2], 10.0), _partition((1, 2)))
    writer.write(_frame([3], 30.0), _partition((3,)))
    writer.write(_frame([1, 2], 11.0), _partition((1, 2)))
    result = writer.read(_partition((1, 2))).sort("ListingId")
    assert result["ListingId"].to_list() == [1, 2, 3]
    assert result["Volume"].to_list() == [11.0, 11.0, 30.0]


def test_a_rerun_with_other_batching_leaves_no_duplicates(tmp_path: Path) -> None:
    writer = _writer(tmp_path)
    writer.write(_frame([1, 2], 10.0), _partition((1, 2)))
    writer.write(_frame([3, 4], 10.0), _partition((3, 4)))
    writer.write(_frame([2, 3], 99.0), _partition((2, 3)))  # overlaps both earlier files
    result = writer.read(_partition((1,))).sort("ListingId")
    assert result["ListingId"].to_list() == [1, 2, 3, 4]
    assert result["Volume"].to_list() == [10.0, 99.0, 99.0, 10.0]


def test_an_empty_batch_still_replaces_old_rows(tmp_path: Path) -> None:
    writer = _writer(tmp_path)
    writer.write(_frame([5], 1.0), _partition((5,)))
    writer.write(_frame([], 0.0), _partition((5,)))
    assert writer.read(_partition((5,))).height == 0


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("../{datasetname}", "escapes the output root"),
        ("/etc/{pass}", "escapes the output root"),
        ("{datasetname}/{nope}", "unknown or malformed placeholder"),
        ("a/{pass}/../../..", "escapes the output root"),
    ],
)
def test_templates_cannot_escape_the_root(template: str, message: str) -> None:
    with pytest.raises(PathTemplateError, match=message):
        render_template(template, _partition((1,)))


def test_templates_render_every_key() -> None:
    partition = OutputPartition("demo", "bars", DAY, (1,), "mic=XLON", date(2024, 1, 1), date(2024, 1, 5))
    assert render_template("{datasetname}/{pass}/{start_date}_{end_date}/{date}", partition) == (
        "demo/bars/2024-01-01_2024-01-05/2024-01-02"
    )


def test_rows_outside_the_batch_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="another Date or a ListingId outside"):
        _writer(tmp_path).write(_frame([1, 9], 1.0), _partition((1,)))


def test_the_same_semantics_on_s3(basalt_s3_server: Any) -> None:
    basalt_s3_server.client().create_bucket(Bucket="basalt-parquet-out")
    writer = ParquetWriter(
        {
            "root": "s3://basalt-parquet-out/results",
            "storage_options": {
                "aws_endpoint_url": basalt_s3_server.endpoint_url,
                "aws_access_key_id": basalt_s3_server.access_key_id,
                "aws_secret_access_key": basalt_s3_server.secret_access_key,
            },
        }
    )
    writer.write(_frame([1, 2], 10.0), _partition((1, 2)))
    writer.write(_frame([3, 4], 10.0), _partition((3, 4)))
    writer.write(_frame([2, 3], 99.0), _partition((2, 3)))
    result = writer.read(_partition((1,))).sort("ListingId")
    assert result["Volume"].to_list() == [10.0, 99.0, 99.0, 10.0]
    assert writer.location(_partition((1,))) == "s3://basalt-parquet-out/results/demo/bars"
    keys = [
        o["Key"] for o in basalt_s3_server.client().list_objects_v2(Bucket="basalt-parquet-out")["Contents"]
    ]
    assert all(k.startswith("results/demo/bars/Date=2024-01-02/part-") for k in keys), keys
    # Polars reads the written dataset back with hive pruning on Date.
    options = {**writer.config.storage_options, "aws_allow_http": "true", "aws_region": "us-east-1"}
    scanned = pl.scan_parquet(
        "s3://basalt-parquet-out/results/demo/bars/", storage_options=options, hive_partitioning=True
    )
    assert scanned.select(pl.len()).collect().item() == 4


def test_a_local_write_and_read_never_import_pyarrow(tmp_path: Path) -> None:
    # pyarrow's import is ~0.5 s of every worker process: local files need only Polars.
    code = f"""
import sys
from datetime import date
import polars as pl
from basalt.writers.base import OutputPartition
from basalt.writers.parquet import ParquetWriter
writer = ParquetWriter({{"root": {str(tmp_path)!r}}})
part = OutputPartition("d", "p", date(2026, 1, 5), (1, 2))
frame = pl.DataFrame({{"ListingId": [1, 2], "Date": [date(2026, 1, 5)] * 2, "X": [1.0, 2.0]}})
writer.write(frame, part)
writer.write(frame.head(1), OutputPartition("d", "p", date(2026, 1, 5), (1,)))
assert writer.read(part).sort("ListingId")["X"].to_list() == [1.0, 2.0]
print("pyarrow" in sys.modules)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_a_staging_file_left_by_a_killed_writer_is_removed_by_the_next_write(tmp_path: Path) -> None:
    writer = _writer(tmp_path)
    writer.write(_frame([1, 2], 10.0), _partition((1, 2)))
    day_dir = tmp_path / "demo" / "bars" / f"Date={DAY}"
    leftover = day_dir / ".tmp-0123456789abcdef.partial"  # what kill -9 mid-write leaves
    leftover.write_bytes(b"PAR1 half a file")
    writer.write(_frame([1, 2], 20.0), _partition((1, 2)))
    assert not leftover.exists()
    assert writer.read(_partition((1, 2)))["Volume"].to_list() == [20.0, 20.0]
    # Staging files are never *.parquet: a glob over the dataset cannot read one mid-write.
    assert sorted(p.name[:5] for p in day_dir.iterdir()) == ["part-"]
