"""Data sources: how the file(s) of a table for one MIC and one date are found and read.

A source knows *where* data lives (a folder, an S3 prefix, an API); tables
know *what* it must look like. ``scan`` joins the two: it finds the files,
checks their schema from Parquet metadata (no data read), and returns a lazy
scan with the listing and time filters pushed into it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any, ClassVar

import polars as pl
from pydantic import BaseModel, ConfigDict

from basalt._registrable import Registrable
from basalt.sources.errors import CorruptFileError, MissingDataError
from basalt.tables.base import Table


class SourceConfig(BaseModel):
    """Base class of source configurations; unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(Registrable, ABC):
    """Where market data comes from (registered by ``basalt_register_sources``)."""

    Config: ClassVar[type[SourceConfig]] = SourceConfig
    """The pydantic model validating this source's configuration."""
    CHEAP_ROW_COUNTS: ClassVar[bool] = True
    """Whether :meth:`row_count` only reads footers (a local or object-store file). False when
    counting means fetching the data (an API): the run's planner then does not count rows to
    size its worker pool (:mod:`basalt.engine.sizing`), and uses ``NUM_WORKERS``."""

    def __init__(self, config: SourceConfig | dict[str, Any] | None = None) -> None:
        if not isinstance(config, SourceConfig):
            config = self.Config.model_validate(config or {})
        self.config = config

    # -- what each source implements ------------------------------------------------

    @abstractmethod
    def files(self, table: type[Table], mic: str, day: date) -> list[str]:
        """Paths or URLs of the Parquet files holding ``table`` for ``mic`` on ``day``."""

    @abstractmethod
    def mics(self, table: type[Table]) -> list[str]:
        """MICs for which the source holds any data of ``table``."""

    @abstractmethod
    def location(self, table: type[Table], mic: str, day: date) -> str:
        """Where that partition would be (for error messages and ``describe``)."""

    def storage_options(self) -> dict[str, str] | None:
        """Object-store options Polars needs to read the files (None for local files)."""
        return None

    def check(self, tables: Sequence[type[Table]] = ()) -> list[str]:
        """Problems visible without reading data (a missing folder…), each a sentence; none by default.

        ``tables`` are the tables a run will read (a source may check they exist at all).

        ``basalt pipeline validate`` and ``--dry-run`` report them before any work starts.
        """
        return []

    # -- shared reading logic ---------------------------------------------------------

    def scan(
        self,
        table: type[Table],
        mics: str | Sequence[str],
        days: date | Sequence[date],
        *,
        columns: Iterable[str] | None = None,
        listing_ids: Sequence[int] | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        allow_missing: bool = False,
        keep_extra_columns: bool = False,
    ) -> pl.LazyFrame:
        """A lazy scan of ``table`` over every (MIC, day), validated and filtered.

        Every file's schema is checked against the table's contract from its
        Parquet footer before anything is read. Listing and time filters are
        applied to the scan itself, so Polars pushes them into the Parquet
        reader (row groups whose statistics exclude them are skipped).

        Args:
            table: The table to read.
            mics: One MIC or several.
            days: One date or several.
            columns: Subset of the table's columns (default: all).
            listing_ids: Keep only these listings.
            start: Keep events at or after this time (table's timestamp column).
            end: Keep events strictly before this time.
            allow_missing: Return an empty frame instead of raising when a
                (MIC, day) has no file.
            keep_extra_columns: Also keep columns a file has beyond the BMLL
                schema (e.g. a reference's ``IndexMembership``), after the
                schema's; files may differ in which extras they have.

        Raises:
            MissingDataError: A (MIC, day) has no file and ``allow_missing`` is False.
            TableSchemaError: A file does not meet the table's schema.
            CorruptFileError: A file is not readable Parquet.
        """
        wanted = table.resolve_columns(columns)
        paths: list[str] = []
        for mic in [mics] if isinstance(mics, str) else mics:
            for day in [days] if isinstance(days, date) else days:
                found = self.files(table, mic, day)
                if not found and not allow_missing:
                    raise MissingDataError(table.NAME, mic, day, self.location(table, mic, day))
                paths.extend(found)
        if not paths:
            return table.empty(wanted).lazy()
        schemas = {path: self.file_schema(path) for path in paths}
        for path, schema in schemas.items():
            table.check_schema(schema, source=path, columns=wanted)
        if keep_extra_columns:
            frame = pl.concat(
                [
                    self.scan_files(path).select([*wanted, *(c for c in schema if c not in table.SCHEMA)])
                    for path, schema in schemas.items()
                ],
                how="diagonal_relaxed",
            )
        else:
            frame = self.scan_files(paths).select(wanted)
        predicates = self._predicates(table, listing_ids, start, end)
        return frame.filter(*predicates) if predicates else frame

    def scan_files(self, paths: str | list[str]) -> pl.LazyFrame:
        """A raw Parquet scan of these files (no hive columns: the files hold MIC and dates)."""
        return pl.scan_parquet(paths, storage_options=self.storage_options(), hive_partitioning=False)

    def file_schema(self, path: str) -> pl.Schema:
        """The schema in a file's Parquet footer (reads no data)."""
        try:
            return self.scan_files(path).collect_schema()
        except (pl.exceptions.ComputeError, OSError) as exc:
            raise CorruptFileError(path, str(exc).splitlines()[0]) from exc

    def row_count(self, table: type[Table], mic: str, day: date) -> int:
        """Rows of ``table`` for (MIC, day), from Parquet metadata; 0 when absent."""
        paths = self.files(table, mic, day)
        if not paths:
            return 0
        try:
            counted = self.scan_files(paths).select(pl.len())
            return int(counted.collect().item())
        except (pl.exceptions.ComputeError, OSError) as exc:
            raise CorruptFileError(", ".join(paths), str(exc).splitlines()[0]) from exc

    def row_count_of(self, path: str) -> int:
        """Rows in one file, from its Parquet metadata."""
        return int(self.scan_files(path).select(pl.len()).collect().item())

    @staticmethod
    def _predicates(
        table: type[Table], listing_ids: Sequence[int] | None, start: datetime | None, end: datetime | None
    ) -> list[pl.Expr]:
        predicates = []
        if listing_ids is not None:
            predicates.append(pl.col("ListingId").is_in(list(listing_ids)))
        if start is None and end is None:
            return predicates
        column = table.TIMESTAMP_COLUMN
        if column is None:
            raise ValueError(f"table {table.NAME!r} has no timestamp column to filter on")
        if start is not None:
            predicates.append(pl.col(column) >= start)
        if end is not None:
            predicates.append(pl.col(column) < end)
        return predicates
