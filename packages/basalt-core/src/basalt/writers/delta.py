"""The ``delta`` writer: one Delta Lake table per dataset and pass, on a local disk or S3.

Layout: ``{root}/{path}`` is a Delta table (``_delta_log/`` plus Parquet
files), partitioned by ``Date`` unless ``partition_by_date`` is false. The
table is created by the first write.

A write is ONE Delta commit: ``write_deltalake(mode="overwrite",
predicate=...)`` removes exactly the rows with ``Date = day AND ListingId IN
(batch)`` and adds the new ones in the same transaction (an empty batch is a
single ``DELETE`` commit, or none when nothing matched). Readers therefore see
the table before or after the write, never in between, and every write adds
exactly one version. A commit that loses a race with another process (two
workers writing other days at once) is retried from a fresh snapshot; re-running
a write is harmless as it replaces its own rows.

Schema: a batch holding columns the table lacks adds them (``schema_mode=
"merge"``; older rows read them as null), and columns the batch lacks are
written as null. A column may not change type. Delta has no unsigned
integers, so UInt8/16/32/64 are stored widened to Int16/32/64/64, and it keeps
timestamps in microseconds: ``Datetime("ns")`` is truncated to µs when written,
and :meth:`DeltaWriter.read` returns timestamps as ``Datetime("ns")`` again
(Basalt's output dtype), other types as stored. Time zones are stored as UTC.
Columns of dtype ``Null`` (no values, no type) are not written.

On S3 (``root: s3://bucket/prefix``) commits rely on S3's conditional writes
(deltalake ≥ 1.0), which AWS S3 supports; other S3-compatible stores need
them too for concurrent writers to be safe.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import polars as pl
from pydantic import Field, field_validator

from basalt.writers.base import (
    DATE_COLUMN,
    LISTING_COLUMN,
    OutputPartition,
    OutputWriter,
    WriterConfig,
    check_batch,
    check_template,
    engine_problem,
    render_template,
)

COMMIT_ATTEMPTS = 6
"""Times a write is tried when its commit conflicts with a concurrent writer's."""

_WIDER_SIGNED = {pl.UInt8: pl.Int16, pl.UInt16: pl.Int32, pl.UInt32: pl.Int64, pl.UInt64: pl.Int64}


def _deltalake() -> Any:
    try:
        import deltalake
    except ImportError:
        raise ImportError("the delta writer needs deltalake: pip install 'bmll-basalt[delta]'") from None
    return deltalake


class DeltaWriterConfig(WriterConfig):
    """A Delta Lake table per dataset and pass, on a local disk or S3."""

    root: str = Field(
        "output",
        description="Local folder or object-store URL (s3://bucket/prefix) holding the tables; "
        "--output-root replaces it.",
    )
    path: str = Field(
        "{datasetname}/{pass}",
        description="Table folder under root, templated with {datasetname}, {pass}, {universe}, "
        "{start_date}, {end_date}, {date}; it may not escape root.",
    )
    storage_options: dict[str, str] = Field(
        default_factory=dict,
        description="deltalake storage options, e.g. AWS_REGION, AWS_ENDPOINT_URL, AWS_ALLOW_HTTP; "
        "credentials default to the environment (AWS_* variables, profile, instance role).",
    )
    partition_by_date: bool = Field(
        True,
        description="Partition the table by Date (one folder per day); used when the table is created, "
        "an existing table keeps its partitioning.",
    )

    @field_validator("path")
    @classmethod
    def _path_stays_inside_root(cls, template: str) -> str:
        return check_template(template)


def _storable(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame in types Delta stores: no unsigned ints, µs timestamps in UTC, no Null columns."""
    casts: list[pl.Expr] = []
    dropped: list[str] = []
    for name, dtype in frame.schema.items():
        if dtype == pl.Null:
            dropped.append(name)
        elif dtype.base_type() in _WIDER_SIGNED:
            casts.append(pl.col(name).cast(_WIDER_SIGNED[dtype.base_type()]))
        elif isinstance(dtype, pl.Datetime):
            column = pl.col(name)
            if dtype.time_zone is not None and dtype.time_zone != "UTC":
                column = column.dt.convert_time_zone("UTC")
            casts.append(column.dt.cast_time_unit("us"))
        elif isinstance(dtype, pl.Categorical | pl.Enum):
            casts.append(pl.col(name).cast(pl.String))
    return frame.drop(dropped).with_columns(casts)


def replace_predicate(partition: OutputPartition) -> str:
    """The rows a write replaces, as a Delta (DataFusion SQL) predicate.

    Only a date and integers reach the text, formatted here, so nothing from the
    data or the configuration is interpolated.
    """
    ids = ", ".join(str(int(listing)) for listing in sorted(set(partition.listing_ids)))
    return f'"{DATE_COLUMN}" = DATE \'{partition.day.isoformat()}\' AND "{partition.key_column}" IN ({ids})'


class DeltaWriter(OutputWriter):
    """Delta Lake tables (local or S3): one commit per write, re-runs replace their own rows."""

    NAME = "delta"
    Config = DeltaWriterConfig
    EXTRA = "delta"
    config: DeltaWriterConfig

    def check(self, partition: OutputPartition) -> list[str]:
        """deltalake must be installed, and the table inside its root."""
        engine = engine_problem("deltalake", self.NAME, self.EXTRA)
        return [*([engine] if engine else []), *super().check(partition)]

    def table_uri(self, partition: OutputPartition) -> str:
        """Where the partition's dataset and pass table lives: a local path or a URL."""
        relative = render_template(self.config.path, partition)
        root = self.config.root
        if "://" in root:
            return f"{root.rstrip('/')}/{relative}"
        return str(Path(root) / relative)

    def location(self, partition: OutputPartition) -> str:
        return self.table_uri(partition)

    def _open(self, uri: str) -> Any:
        deltalake = _deltalake()
        options = self.config.storage_options or None
        if not deltalake.DeltaTable.is_deltatable(uri, storage_options=options):
            return None
        return deltalake.DeltaTable(uri, storage_options=options)

    def version(self, partition: OutputPartition) -> int | None:
        """The table's current version (one more per write), ``None`` before the first write."""
        table = self._open(self.table_uri(partition))
        return None if table is None else int(table.version())

    def write(self, frame: pl.DataFrame, partition: OutputPartition) -> int:
        deltalake = _deltalake()
        from deltalake.exceptions import CommitFailedError

        check_batch(frame, partition)
        if not partition.listing_ids:
            return 0
        uri = self.table_uri(partition)
        predicate = replace_predicate(partition)
        data = _storable(frame).to_arrow() if frame.height else None
        commit = deltalake.CommitProperties(
            custom_metadata={
                "basalt.dataset": partition.dataset,
                "basalt.pass": partition.pass_name,
                "basalt.date": partition.day.isoformat(),
                "basalt.listings": len(partition.listing_ids),
            }
        )
        for attempt in range(COMMIT_ATTEMPTS):
            try:
                table = self._open(uri)
                if data is None:
                    if table is not None:
                        table.delete(predicate, commit_properties=commit)
                    return 0
                partition_by = None
                if table is None and self.config.partition_by_date:
                    partition_by = [DATE_COLUMN]
                deltalake.write_deltalake(
                    uri,
                    data,
                    mode="overwrite",
                    predicate=predicate,
                    partition_by=partition_by,
                    schema_mode="merge",
                    storage_options=self.config.storage_options or None,
                    commit_properties=commit,
                )
                return frame.height
            except CommitFailedError:
                if attempt == COMMIT_ATTEMPTS - 1:
                    raise
                time.sleep(0.05 * 2**attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    # read_days is the base class's filter of read(): the whole table is read. Pushing the
    # Date filter into to_pyarrow_table would be a speed-up, not yet measured.
    def read(self, partition_like: OutputPartition) -> pl.DataFrame:
        table = self._open(self.table_uri(partition_like))
        if table is None:
            return pl.DataFrame()
        frame = pl.from_arrow(table.to_pyarrow_table())
        assert isinstance(frame, pl.DataFrame)
        first = [c for c in (LISTING_COLUMN, DATE_COLUMN) if c in frame.columns]
        return frame.select(*first, pl.exclude(first)).with_columns(
            pl.col(name).dt.cast_time_unit("ns")
            for name, dtype in frame.schema.items()
            if isinstance(dtype, pl.Datetime)
        )
