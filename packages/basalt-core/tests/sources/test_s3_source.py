"""The S3 source against a real S3 endpoint (moto's server on 127.0.0.1)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError, NoCredentialsError
from polars.testing import assert_frame_equal

from basalt.sources import MissingDataError
from basalt.sources.errors import S3AccessError
from basalt.sources.local import LocalSource
from basalt.sources.s3 import S3Source
from basalt.tables.bmll import BMLL_TABLES, L2, Trades

from .conftest import SAMPLE_DAY, SAMPLE_MIC

_bucket_numbers = itertools.count()


def _upload(server: Any, root: Path, prefix: str) -> str:
    """Copy a local lake folder to a new bucket under ``prefix``; return its URL."""
    bucket = f"basalt-lake-{next(_bucket_numbers)}"
    client = server.client()
    client.create_bucket(Bucket=bucket)
    for path in root.rglob("*.parquet"):
        client.upload_file(str(path), bucket, f"{prefix}/{path.relative_to(root).as_posix()}")
    return f"s3://{bucket}/{prefix}"


def _source(server: Any, url: str, layout: str = "auto") -> S3Source:
    return S3Source(
        {
            "url": url,
            "layout": layout,
            "endpoint_url": server.endpoint_url,
            "region": server.region,
            "access_key_id": server.access_key_id,
            "secret_access_key": server.secret_access_key,
        }
    )


@pytest.mark.parametrize("layout", ["bmll", "hive"])
def test_s3_reads_what_the_local_lake_holds(
    basalt_s3_server: Any, make_lake: Callable[[str], Path], layout: str
) -> None:
    root = make_lake(layout)
    source = _source(basalt_s3_server, _upload(basalt_s3_server, root, "data/lake"))
    local = LocalSource({"root": root})
    for table in BMLL_TABLES:
        assert source.layout_for(table) == layout
        from_s3 = source.scan(table, SAMPLE_MIC, SAMPLE_DAY).collect()
        assert_frame_equal(from_s3, local.scan(table, SAMPLE_MIC, SAMPLE_DAY).collect())
        assert source.row_count(table, SAMPLE_MIC, SAMPLE_DAY) == from_s3.height
    assert source.mics(L2) == ["XLON"]


def test_bmll_and_hive_layouts_on_s3_read_back_identically(
    basalt_s3_server: Any, make_lake: Callable[[str], Path]
) -> None:
    bmll = _source(basalt_s3_server, _upload(basalt_s3_server, make_lake("bmll"), "bmll"), "bmll")
    hive = _source(basalt_s3_server, _upload(basalt_s3_server, make_lake("hive"), "hive"), "hive")
    for table in BMLL_TABLES:
        assert_frame_equal(
            bmll.scan(table, SAMPLE_MIC, SAMPLE_DAY).collect(),
            hive.scan(table, SAMPLE_MIC, SAMPLE_DAY).collect(),
        )


def test_missing_partition_on_s3_names_the_url(
    basalt_s3_server: Any, make_lake: Callable[[str], Path]
) -> None:
    url = _upload(basalt_s3_server, make_lake("bmll"), "lake")
    with pytest.raises(MissingDataError, match=rf"{url}/Trades-Plus/XLON/2026/01/05"):
        _source(basalt_s3_server, url).scan(Trades, SAMPLE_MIC, date(2026, 1, 5))


def test_s3_urls_are_validated() -> None:
    with pytest.raises(ValueError, match="not an s3://bucket"):
        S3Source({"url": "/local/path"})


class _RefusingClient:
    """A boto3 client stand-in whose listing fails with ``error``."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def get_paginator(self, name: str) -> Any:
        raise self.error

    def list_objects_v2(self, **kwargs: Any) -> Any:
        raise self.error


def _refusing_source(error: Exception) -> S3Source:
    source = S3Source({"url": "s3://some-bucket/lake", "layout": "bmll"})
    source.__dict__["client"] = _RefusingClient(error)  # the cached boto3 client
    return source


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (
            ClientError({"Error": {"Code": "NoSuchBucket", "Message": "gone"}}, "ListObjectsV2"),
            "NoSuchBucket",
        ),
        (ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "ListObjectsV2"), "AccessDenied"),
        (NoCredentialsError(), "Unable to locate credentials"),
    ],
)
def test_final_s3_refusals_are_source_errors_naming_the_url(error: Exception, reason: str) -> None:
    with pytest.raises(S3AccessError, match=rf"cannot read s3://some-bucket/lake: .*{reason}") as raised:
        _refusing_source(error).mics(Trades)
    assert raised.value.__cause__ is error


def test_transient_s3_errors_are_left_for_the_runner_to_retry() -> None:
    throttled = ClientError({"Error": {"Code": "SlowDown", "Message": "slow"}}, "ListObjectsV2")
    with pytest.raises(ClientError):
        _refusing_source(throttled).files(Trades, "XLON", SAMPLE_DAY)
