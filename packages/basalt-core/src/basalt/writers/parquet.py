"""The ``parquet`` writer: one hive folder per trading day, one file per set of listings.

Layout: ``{root}/{path}/Date={yyyy-mm-dd}/part-{digest}.parquet`` on a local disk
or S3 (:mod:`basalt.writers._storage`), where the digest names the batch's ids and
the file footer lists them (``basalt.listing_ids``). Files of earlier runs holding any of the same ids for
that day are removed (or rewritten without them), so a re-run replaces exactly
its own rows. A reader never sees half a file: locally a hidden temporary file
is renamed into place; on S3 an object appears only once its upload completes.
The ``Date=`` folders are hive partitions (``pl.scan_parquet(..., hive_partitioning=True)``
prunes on them).
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
from pydantic import Field, field_validator

from basalt.writers._storage import ArrowStore, LocalStore, Store
from basalt.writers.base import (
    OutputPartition,
    OutputWriter,
    WriterConfig,
    check_batch,
    check_template,
    render_template,
)

LISTINGS_KEY = "basalt.listing_ids"


class ParquetWriterConfig(WriterConfig):
    """Parquet files on a local disk or S3."""

    root: str = Field(
        "output", description="Output root: a folder or s3://bucket/prefix; --output-root replaces it."
    )
    path: str = Field(
        "{datasetname}/{pass}",
        description="Folder under root, templated with {datasetname}, {pass}, {universe}, {start_date}, "
        "{end_date}, {date}; it may not escape root.",
    )
    compression: str = Field("zstd", description="Parquet compression codec.")
    storage_options: dict[str, str] = Field(
        default_factory=dict,
        description="S3 only: aws_endpoint_url, aws_region, aws_access_key_id, aws_secret_access_key "
        "(credentials default to the AWS_* environment).",
    )

    @field_validator("root", mode="before")
    @classmethod
    def _path_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, Path) else value

    @field_validator("path")
    @classmethod
    def _path_stays_inside_root(cls, template: str) -> str:
        return check_template(template)


def _digest(ids: tuple[int, ...]) -> str:
    return hashlib.sha1(",".join(map(str, sorted(ids))).encode()).hexdigest()[:16]


class ParquetWriter(OutputWriter):
    """Parquet files in day folders (local or S3); atomic per file; re-runs replace their own rows."""

    NAME = "parquet"
    Config = ParquetWriterConfig
    config: ParquetWriterConfig

    # -- where files live -------------------------------------------------------------

    def _store(self) -> Store:
        """Where files live: the local folder, or S3 through pyarrow (imported only then)."""
        root = self.config.root
        if not root.startswith("s3://"):
            return LocalStore(root)
        from pyarrow import fs

        options = self.config.storage_options
        endpoint = options.get("aws_endpoint_url")
        scheme, _, host = (endpoint or "").partition("://")
        s3 = fs.S3FileSystem(
            endpoint_override=host or None,
            scheme=scheme or "https",
            region=options.get("aws_region", "us-east-1"),
            access_key=options.get("aws_access_key_id"),
            secret_key=options.get("aws_secret_access_key"),
        )
        return ArrowStore(s3, root.removeprefix("s3://").rstrip("/"))

    def dataset_dir(self, partition: OutputPartition) -> str:
        """The folder (or S3 prefix, without the scheme) holding every day of the dataset and pass."""
        return f"{self._store().root}/{render_template(self.config.path, partition)}"

    def location(self, partition: OutputPartition) -> str:
        relative = render_template(self.config.path, partition)
        root = self.config.root.rstrip("/")
        return f"{root}/{relative}" if root.startswith("s3://") else str(Path(root) / relative)

    # -- writing ------------------------------------------------------------------------

    def write(self, frame: pl.DataFrame, partition: OutputPartition) -> int:
        check_batch(frame, partition)
        store = self._store()
        day_dir = f"{self.dataset_dir(partition)}/Date={partition.day.isoformat()}"
        ours = set(partition.listing_ids)
        target = f"{day_dir}/part-{_digest(partition.listing_ids)}.parquet"
        self._put(store, frame, target, ours)
        for other in store.parts(day_dir):
            if other == target:
                continue
            theirs = _ids_of(store, other)
            if theirs <= ours:
                store.delete(other)
            elif theirs & ours:
                kept = store.frame(other).filter(~pl.col(partition.key_column).is_in(sorted(ours)))
                self._put(store, kept, other, theirs - ours)
        return frame.height

    def _put(self, store: Store, frame: pl.DataFrame, target: str, ids: set[int]) -> None:
        metadata = {LISTINGS_KEY: ",".join(map(str, sorted(ids)))}
        store.put(frame, target, metadata, self.config.compression)

    def read(self, partition_like: OutputPartition) -> pl.DataFrame:
        return self._read(partition_like, None, None)

    def read_days(self, partition_like: OutputPartition, start: date, end: date) -> pl.DataFrame:
        # Only the day folders in range are opened: a panel pass's lookback stays cheap.
        return self._read(partition_like, start, end)

    def _read(self, partition_like: OutputPartition, start: date | None, end: date | None) -> pl.DataFrame:
        store = self._store()
        days = [
            path
            for path, name in store.folders(self.dataset_dir(partition_like))
            if _in_range(name, start, end)
        ]
        frames = [store.frame(path) for day in days for path in store.parts(day)]
        return pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame()


def _ids_of(store: Store, path: str) -> set[int]:
    """The ids a part file holds, from its footer."""
    text = store.metadata(path).get(LISTINGS_KEY, "")
    return {int(part) for part in text.split(",") if part}


def _in_range(folder: str, start: date | None, end: date | None) -> bool:
    """Whether a ``Date=yyyy-mm-dd`` folder lies in ``[start, end]`` (None: unbounded)."""
    if start is None and end is None:
        return True
    try:
        day = date.fromisoformat(folder.removeprefix("Date="))
    except ValueError:
        return False
    return (start is None or day >= start) and (end is None or day <= end)
