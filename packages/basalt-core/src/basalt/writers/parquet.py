"""The ``parquet`` writer: one folder per trading day, one file per set of listings.

Layout: ``{root}/{path}/Date={yyyy-mm-dd}/part-{digest}.parquet``, where the
digest names the batch's listings and the file footer lists them
(``basalt.listing_ids``). A write goes to a hidden temporary file renamed into
place, so readers never see half a file; files of earlier runs holding any of
the same listings for that day are removed (or rewritten without them), so a
re-run replaces exactly its own rows.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import polars as pl
from pydantic import Field

from basalt.writers.base import OutputPartition, OutputWriter, WriterConfig, check_batch, render_template

LISTINGS_KEY = "basalt.listing_ids"


class ParquetWriterConfig(WriterConfig):
    """Parquet files on a local disk."""

    root: Path = Field(Path("output"), description="Output root folder; --output-root replaces it.")
    path: str = Field(
        "{datasetname}/{pass}",
        description="Folder under root, templated with {datasetname}, {pass}, {universe}, {start_date}, "
        "{end_date}, {date}; it may not escape root.",
    )
    compression: str = Field("zstd", description="Parquet compression codec.")


def _digest(listing_ids: tuple[int, ...]) -> str:
    return hashlib.sha1(",".join(map(str, sorted(listing_ids))).encode()).hexdigest()[:16]


def _listings_of(path: Path) -> set[int]:
    text = pl.read_parquet_metadata(path).get(LISTINGS_KEY, "")
    return {int(part) for part in text.split(",") if part}


class ParquetWriter(OutputWriter):
    """Parquet files, one folder per day, atomic per file, re-runs replace their own rows."""

    NAME = "parquet"
    Config = ParquetWriterConfig
    config: ParquetWriterConfig

    def dataset_dir(self, partition: OutputPartition) -> Path:
        """The folder holding every day of the partition's dataset and pass."""
        return self.config.root / render_template(self.config.path, partition)

    def location(self, partition: OutputPartition) -> str:
        return str(self.dataset_dir(partition))

    def write(self, frame: pl.DataFrame, partition: OutputPartition) -> int:
        check_batch(frame, partition)
        day_dir = self.dataset_dir(partition) / f"Date={partition.day.isoformat()}"
        day_dir.mkdir(parents=True, exist_ok=True)
        ours = set(partition.listing_ids)
        target = day_dir / f"part-{_digest(partition.listing_ids)}.parquet"
        self._write_file(frame, target, ours)
        for other in day_dir.glob("part-*.parquet"):
            if other == target:
                continue
            theirs = _listings_of(other)
            if theirs <= ours:
                other.unlink()
            elif theirs & ours:
                kept = pl.read_parquet(other).filter(~pl.col(partition.key_column).is_in(sorted(ours)))
                self._write_file(kept, other, theirs - ours)
        return frame.height

    def _write_file(self, frame: pl.DataFrame, target: Path, listing_ids: set[int]) -> None:
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".parquet", dir=target.parent)
        os.close(fd)
        try:
            metadata = {LISTINGS_KEY: ",".join(map(str, sorted(listing_ids)))}
            frame.write_parquet(tmp, compression=self.config.compression, metadata=metadata)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def read(self, partition_like: OutputPartition) -> pl.DataFrame:
        files = sorted(self.dataset_dir(partition_like).glob("Date=*/part-*.parquet"))
        if not files:
            return pl.DataFrame()
        return pl.read_parquet(files, hive_partitioning=False)
