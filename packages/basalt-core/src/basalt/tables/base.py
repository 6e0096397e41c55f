"""Base class of market-data tables (registered by ``basalt_register_tables``)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import ClassVar

import polars as pl

from basalt._registrable import Registrable
from basalt.tables.errors import ColumnProblem, TableSchemaError, UnknownColumnError


class Table(Registrable):
    """A market-data table in BMLL's schema.

    Subclasses declare the registered ``NAME``, the column schema files must
    meet, the event-time column, the keys, and where the table lives in BMLL's
    own lake layout. Sources find files; the table validates what they read.
    """

    SCHEMA: ClassVar[dict[str, pl.DataType]] = {}
    """Column name → Polars dtype, exactly as BMLL publishes them."""

    TIMESTAMP_COLUMN: ClassVar[str | None] = None
    """The event-time column buckets are computed from (None for static tables)."""

    DATE_COLUMN: ClassVar[str | None] = "TradeDate"
    """The column holding the trading date of a row, if any."""

    KEYS: ClassVar[tuple[str, ...]] = ("ListingId",)
    """Columns identifying one row (listing, then event)."""

    BMLL_FOLDER: ClassVar[str] = ""
    """Top folder of the table in BMLL's layout (``Trades-Plus``, ``Equity``…)."""

    BMLL_PREFIX: ClassVar[str] = ""
    """File-name prefix in BMLL's layout: ``{prefix}-{MIC}-{yyyymmdd}.parquet``."""

    @classmethod
    def sort_columns(cls) -> list[str]:
        """The order the engine hands rows to modules in: each listing's rows by event time.

        Rows of different listings may interleave (a day's files are read in file
        order when every listing is already in time order); see
        :func:`basalt.engine.prepare.naive_loader`.
        """
        return ["ListingId", *([cls.TIMESTAMP_COLUMN] if cls.TIMESTAMP_COLUMN else [])]

    @classmethod
    def resolve_columns(cls, columns: Iterable[str] | None) -> list[str]:
        """The schema columns to load: all of them, or the requested subset.

        Raises:
            UnknownColumnError: A requested column is not in the schema
                (renaming BMLL's columns is never allowed).
        """
        if columns is None:
            return list(cls.SCHEMA)
        wanted = list(dict.fromkeys(columns))
        for column in wanted:
            if column not in cls.SCHEMA:
                close = difflib.get_close_matches(column, list(cls.SCHEMA), n=3)
                hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
                raise UnknownColumnError(f"table {cls.NAME!r} has no column {column!r}.{hint}")
        return wanted

    @classmethod
    def check_schema(
        cls, found: Mapping[str, pl.DataType], *, source: str, columns: Iterable[str] | None = None
    ) -> None:
        """Check that a file's schema meets the contract for ``columns``.

        Extra columns are allowed (BMLL adds columns over time); a missing
        column or a different dtype is not. A column BMLL types as ``Null``
        (always empty) accepts any dtype.

        Raises:
            TableSchemaError: Naming the table, the file and every offending
                column with its expected and found dtype.
        """
        problems = []
        for column in cls.resolve_columns(columns):
            expected = cls.SCHEMA[column]
            actual = found.get(column)
            if actual is None:
                problems.append(ColumnProblem(column, str(expected), "missing"))
            elif expected != pl.Null() and actual != expected:
                problems.append(ColumnProblem(column, str(expected), str(actual)))
        if problems:
            raise TableSchemaError(cls.NAME, source, problems)

    @classmethod
    def empty(cls, columns: Iterable[str] | None = None) -> pl.DataFrame:
        """An empty frame with the schema's dtypes (for days without data)."""
        return pl.DataFrame(schema={c: cls.SCHEMA[c] for c in cls.resolve_columns(columns)})
