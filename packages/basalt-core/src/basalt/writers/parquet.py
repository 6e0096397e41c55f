"""The ``parquet`` writer: one hive folder per trading day, one file per set of listings.

Layout: ``{root}/{path}/Date={yyyy-mm-dd}/part-{digest}.parquet`` on a local disk
or S3, where the digest names the batch's ids and the file footer lists them
(``basalt.listing_ids``). Files of earlier runs holding any of the same ids for
that day are removed (or rewritten without them), so a re-run replaces exactly
its own rows. A reader never sees half a file: locally a hidden temporary file
is renamed into place; on S3 an object appears only once its upload completes.
The ``Date=`` folders are hive partitions (``pl.scan_parquet(..., hive_partitioning=True)``
prunes on them).
"""

from __future__ import annotations

import hashlib
import io
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
from pydantic import Field, field_validator

from basalt.writers.base import OutputPartition, OutputWriter, WriterConfig, check_batch, render_template

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


def _digest(ids: tuple[int, ...]) -> str:
    return hashlib.sha1(",".join(map(str, sorted(ids))).encode()).hexdigest()[:16]


class ParquetWriter(OutputWriter):
    """Parquet files in day folders (local or S3); atomic per file; re-runs replace their own rows."""

    NAME = "parquet"
    Config = ParquetWriterConfig
    config: ParquetWriterConfig

    # -- where files live -------------------------------------------------------------

    def _filesystem(self) -> tuple[Any, str]:
        """A pyarrow filesystem and the root's path on it."""
        from pyarrow import fs

        root = self.config.root
        if not root.startswith("s3://"):
            return fs.LocalFileSystem(), str(Path(root).absolute())
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
        return s3, root.removeprefix("s3://").rstrip("/")

    def dataset_dir(self, partition: OutputPartition) -> str:
        """The folder (or S3 prefix, without the scheme) holding every day of the dataset and pass."""
        return f"{self._filesystem()[1]}/{render_template(self.config.path, partition)}"

    def location(self, partition: OutputPartition) -> str:
        relative = render_template(self.config.path, partition)
        root = self.config.root.rstrip("/")
        return f"{root}/{relative}" if root.startswith("s3://") else str(Path(root) / relative)

    # -- writing ------------------------------------------------------------------------

    def write(self, frame: pl.DataFrame, partition: OutputPartition) -> int:
        check_batch(frame, partition)
        filesystem, _ = self._filesystem()
        day_dir = f"{self.dataset_dir(partition)}/Date={partition.day.isoformat()}"
        if filesystem.type_name == "local":  # S3 has no folders (create_dir would leave marker objects)
            filesystem.create_dir(day_dir, recursive=True)
        ours = set(partition.listing_ids)
        target = f"{day_dir}/part-{_digest(partition.listing_ids)}.parquet"
        self._put(filesystem, frame, target, ours)
        for other in self._parts(filesystem, day_dir):
            if other == target:
                continue
            theirs = self._ids_of(filesystem, other)
            if theirs <= ours:
                filesystem.delete_file(other)
            elif theirs & ours:
                kept = self._get(filesystem, other).filter(~pl.col(partition.key_column).is_in(sorted(ours)))
                self._put(filesystem, kept, other, theirs - ours)
        return frame.height

    def _put(self, filesystem: Any, frame: pl.DataFrame, target: str, ids: set[int]) -> None:
        buffer = io.BytesIO()
        metadata = {LISTINGS_KEY: ",".join(map(str, sorted(ids)))}
        frame.write_parquet(buffer, compression=self.config.compression, metadata=metadata)
        local = filesystem.type_name == "local"
        # Locally: temp file + rename. On S3 the object appears only when the upload completes.
        staging = f"{target.rsplit('/', 1)[0]}/.tmp-{uuid.uuid4().hex}.parquet" if local else target
        try:
            with filesystem.open_output_stream(staging) as stream:
                stream.write(buffer.getvalue())
            if local:
                filesystem.move(staging, target)
        except BaseException:
            if local:
                Path(staging).unlink(missing_ok=True)
            raise

    @staticmethod
    def _parts(filesystem: Any, folder: str) -> list[str]:
        from pyarrow import fs

        infos = filesystem.get_file_info(fs.FileSelector(folder, allow_not_found=True))
        return sorted(
            info.path
            for info in infos
            if info.type == fs.FileType.File
            and info.base_name.startswith("part-")
            and info.path.endswith(".parquet")
        )

    @staticmethod
    def _ids_of(filesystem: Any, path: str) -> set[int]:
        import pyarrow.parquet as pq

        metadata = pq.read_metadata(path, filesystem=filesystem).metadata or {}
        text = metadata.get(LISTINGS_KEY.encode(), b"").decode()
        return {int(part) for part in text.split(",") if part}

    @staticmethod
    def _get(filesystem: Any, path: str) -> pl.DataFrame:
        import pyarrow.parquet as pq

        frame = pl.from_arrow(pq.read_table(path, filesystem=filesystem, partitioning=None))
        assert isinstance(frame, pl.DataFrame)
        return frame

    def read(self, partition_like: OutputPartition) -> pl.DataFrame:
        return self._read(partition_like, None, None)

    def read_days(self, partition_like: OutputPartition, start: date, end: date) -> pl.DataFrame:
        # Only the day folders in range are opened: a panel pass's lookback stays cheap.
        return self._read(partition_like, start, end)

    def _read(self, partition_like: OutputPartition, start: date | None, end: date | None) -> pl.DataFrame:
        from pyarrow import fs

        filesystem, _ = self._filesystem()
        infos = filesystem.get_file_info(
            fs.FileSelector(self.dataset_dir(partition_like), allow_not_found=True)
        )
        days = sorted(
            info.path
            for info in infos
            if info.type == fs.FileType.Directory and _in_range(info.base_name, start, end)
        )
        frames = [self._get(filesystem, path) for day in days for path in self._parts(filesystem, day)]
        return pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame()


def _in_range(folder: str, start: date | None, end: date | None) -> bool:
    """Whether a ``Date=yyyy-mm-dd`` folder lies in ``[start, end]`` (None: unbounded)."""
    if start is None and end is None:
        return True
    try:
        day = date.fromisoformat(folder.removeprefix("Date="))
    except ValueError:
        return False
    return (start is None or day >= start) and (end is None or day <= end)
