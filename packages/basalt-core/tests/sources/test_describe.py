"""``basalt data describe``: what a source holds for a date, from Parquet footers."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import typer
from typer.testing import CliRunner

from basalt.cli.data_describe import register
from basalt.sources.describe import describe_day
from basalt.sources.local import LocalSource
from basalt.sources.s3 import S3Source
from basalt.tables.bmll import BMLL_TABLES
from basalt.testing import make_plugin_manager

from .conftest import SAMPLE_DAY, sample_frame


def _expected(table: type) -> tuple[int, Any, Any]:
    frame = sample_frame(table.NAME)
    if table.TIMESTAMP_COLUMN is None:
        return frame.height, None, None
    column = frame[table.TIMESTAMP_COLUMN]
    return frame.height, column.min(), column.max()


def test_rows_and_time_span_per_table_and_mic(make_lake: Callable[[str], Path]) -> None:
    summaries = describe_day(LocalSource({"root": make_lake("bmll")}), SAMPLE_DAY, list(BMLL_TABLES))
    assert [(s.table, s.mic, s.files) for s in summaries] == [(t.NAME, "XLON", 1) for t in BMLL_TABLES]
    for summary, table in zip(summaries, BMLL_TABLES, strict=True):
        assert (summary.rows, summary.first, summary.last) == _expected(table)


def test_a_day_without_data_has_no_rows(make_lake: Callable[[str], Path]) -> None:
    assert describe_day(LocalSource({"root": make_lake("hive")}), date(2026, 1, 3), list(BMLL_TABLES)) == []


def test_describe_over_s3_agrees_with_local(basalt_s3_server: Any, make_lake: Callable[[str], Path]) -> None:
    root = make_lake("hive")
    client = basalt_s3_server.client()
    client.create_bucket(Bucket="basalt-describe")
    for path in root.rglob("*.parquet"):
        client.upload_file(str(path), "basalt-describe", path.relative_to(root).as_posix())
    source = S3Source(
        {
            "url": "s3://basalt-describe",
            "endpoint_url": basalt_s3_server.endpoint_url,
            "access_key_id": basalt_s3_server.access_key_id,
            "secret_access_key": basalt_s3_server.secret_access_key,
        }
    )
    remote = describe_day(source, SAMPLE_DAY, list(BMLL_TABLES))
    local = describe_day(LocalSource({"root": root}), SAMPLE_DAY, list(BMLL_TABLES))
    strip = [(s.table, s.mic, s.files, s.rows, s.first, s.last) for s in local]
    assert [(s.table, s.mic, s.files, s.rows, s.first, s.last) for s in remote] == strip


def test_cli_prints_json(make_lake: Callable[[str], Path]) -> None:
    app = typer.Typer()
    app.callback()(lambda: None)
    register(app)
    manager = make_plugin_manager()
    result = CliRunner().invoke(
        app,
        ["describe", "--source", str(make_lake("bmll")), "--date", "2026-01-02", "--table", "l3", "--json"],
        obj=manager,
    )
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.output)
    assert (row["table"], row["mic"], row["rows"]) == ("l3", "XLON", sample_frame("l3").height)
