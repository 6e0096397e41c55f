"""The ``s3`` source: the same lake layouts on S3 (or any S3-compatible store).

Files are listed with boto3 and read by Polars' object store through
``storage_options``; credentials come from the config or, as usual, from the
``AWS_*`` environment variables.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator

from basalt.sources import layout as lake
from basalt.sources.base import Source, SourceConfig
from basalt.sources.errors import S3AccessError
from basalt.tables.base import Table


class S3SourceConfig(SourceConfig):
    """A Parquet lake under an S3 prefix."""

    url: str = Field(description="Lake root, e.g. s3://bucket/path/to/lake.")
    layout: Literal["bmll", "hive", "auto"] = Field(
        "auto", description="Lake layout, as for the local source; 'auto' probes the bucket."
    )
    endpoint_url: str | None = Field(
        None, description="Endpoint of an S3-compatible store (e.g. http://127.0.0.1:9000); None for AWS."
    )
    region: str = Field(
        default_factory=lambda: os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
        description="AWS region of the bucket.",
    )
    access_key_id: str | None = Field(None, description="Access key id; default: AWS_ACCESS_KEY_ID.")
    secret_access_key: SecretStr | None = Field(
        None, description="Secret access key; default: AWS_SECRET_ACCESS_KEY."
    )

    @field_validator("url")
    @classmethod
    def _s3_url(cls, value: str) -> str:
        if not value.startswith("s3://") or len(value) <= len("s3://"):
            raise ValueError(f"{value!r} is not an s3://bucket[/prefix] URL")
        return value.rstrip("/")

    @property
    def bucket(self) -> str:
        """The bucket name."""
        return self.url.removeprefix("s3://").split("/", 1)[0]

    @property
    def prefix(self) -> str:
        """The key prefix of the lake root ('' at the bucket's top)."""
        parts = self.url.removeprefix("s3://").split("/", 1)
        return parts[1] if len(parts) > 1 else ""


S3_MAX_ATTEMPTS = 10
"""Attempts per S3 request (listing by boto3, reading by Polars' object store) before giving up."""


class S3Source(Source):
    """Parquet files on S3, in BMLL's layout or a hive layout."""

    NAME = "s3"
    Config = S3SourceConfig
    config: S3SourceConfig

    @functools.cached_property
    def client(self) -> Any:
        """A boto3 S3 client for listing."""
        try:
            import boto3
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError("the s3 source lists files with boto3: pip install 'bmll-basalt[aws]'") from exc
        from botocore.config import Config

        secret = self.config.secret_access_key
        return boto3.client(
            "s3",
            endpoint_url=self.config.endpoint_url,
            region_name=self.config.region,
            aws_access_key_id=self.config.access_key_id,
            aws_secret_access_key=secret.get_secret_value() if secret else None,
            # S3 throttles (503 SlowDown) and fails transiently (500) as a matter of course:
            # botocore's standard mode retries those with backoff; its default of 3 attempts
            # gave up after three throttled listings in a row (tests/engine/test_faults_s3.py).
            config=Config(retries={"mode": "standard", "max_attempts": S3_MAX_ATTEMPTS}),
        )

    def storage_options(self) -> dict[str, str]:
        options = {"aws_region": self.config.region, "max_retries": S3_MAX_ATTEMPTS - 1}  # type: ignore[dict-item]
        if self.config.endpoint_url:
            options["aws_endpoint_url"] = self.config.endpoint_url
            options["aws_allow_http"] = str(self.config.endpoint_url.startswith("http://")).lower()
        if self.config.access_key_id:
            options["aws_access_key_id"] = self.config.access_key_id
        if self.config.secret_access_key:
            options["aws_secret_access_key"] = self.config.secret_access_key.get_secret_value()
        return options

    @contextmanager
    def _s3_errors(self) -> Iterator[None]:
        """Turn S3's final answers (no credentials, no bucket, access denied) into :class:`S3AccessError`."""
        try:
            yield
        except Exception as exc:
            reason = _permanent_reason(exc)
            if reason is None:
                raise
            raise S3AccessError(self.config.url, reason) from exc

    def _key(self, relative: str) -> str:
        return f"{self.config.prefix}/{relative}" if self.config.prefix else relative

    def _list(self, prefix: str, *, delimiter: str | None = None) -> tuple[list[str], list[str]]:
        """(object keys, common prefixes) under ``prefix``, all pages."""
        keys: list[str] = []
        prefixes: list[str] = []
        kwargs: dict[str, Any] = {"Bucket": self.config.bucket, "Prefix": prefix}
        if delimiter:
            kwargs["Delimiter"] = delimiter
        with self._s3_errors():
            for page in self.client.get_paginator("list_objects_v2").paginate(**kwargs):
                keys.extend(item["Key"] for item in page.get("Contents", []))
                prefixes.extend(item["Prefix"] for item in page.get("CommonPrefixes", []))
        return keys, prefixes

    def layout_for(self, table: type[Table]) -> lake.LayoutName:
        """The layout to read ``table`` in (resolving ``auto`` by probing the bucket once)."""
        if self.config.layout != "auto":
            return self.config.layout
        probed: dict[str, lake.LayoutName] = self.__dict__.setdefault("_probed_layouts", {})
        if table.NAME not in probed:
            probed[table.NAME] = "bmll"
            for candidate in lake.LAYOUTS:
                prefix = self._key(lake.table_dir(table, candidate)) + "/"
                with self._s3_errors():
                    response = self.client.list_objects_v2(
                        Bucket=self.config.bucket, Prefix=prefix, MaxKeys=1
                    )
                if response.get("KeyCount", 0):
                    probed[table.NAME] = candidate
                    break
        return probed[table.NAME]

    def location(self, table: type[Table], mic: str, day: date) -> str:
        return f"{self.config.url}/{lake.partition_dir(table, mic, day, self.layout_for(table))}"

    def files(self, table: type[Table], mic: str, day: date) -> list[str]:
        layout = self.layout_for(table)
        folder = self._key(lake.partition_dir(table, mic, day, layout)) + "/"
        keys, _ = self._list(folder, delimiter="/")
        return sorted(
            f"s3://{self.config.bucket}/{key}"
            for key in keys
            if lake.is_data_file(table, mic, day, layout, key.removeprefix(folder))
        )

    def mics(self, table: type[Table]) -> list[str]:
        layout = self.layout_for(table)
        top = self._key(lake.table_dir(table, layout)) + "/"
        _, prefixes = self._list(top, delimiter="/")
        found = (lake.mic_from_dir(prefix.removeprefix(top).rstrip("/"), layout) for prefix in prefixes)
        return sorted(mic for mic in found if mic)


PERMANENT_S3_CODES = frozenset(
    {"NoSuchBucket", "AccessDenied", "AllAccessDisabled", "InvalidAccessKeyId", "SignatureDoesNotMatch"}
)
"""S3 error codes that no retry can fix."""


def _permanent_reason(exc: Exception) -> str | None:
    """Why S3 refused, when it is final (credentials, bucket, permissions); None for anything else."""
    name = type(exc).__name__
    if type(exc).__module__.startswith("botocore") and name in {
        "NoCredentialsError",
        "PartialCredentialsError",
    }:
        return str(exc)
    code = getattr(exc, "response", {}).get("Error", {}).get("Code") if hasattr(exc, "response") else None
    if code in PERMANENT_S3_CODES:
        return f"{code}: {exc}"
    if code is not None and "reached max retries" in str(exc):
        # A transient error (throttling, 500s) that outlasted every retry is final for this run.
        return f"S3 kept failing after {S3_MAX_ATTEMPTS} attempts ({code}): {exc}"
    return None
