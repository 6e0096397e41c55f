"""The ``sql`` writer: one table per dataset and pass in any SQLAlchemy database (SQLite by default).

The table is created by the first write from the batch's schema, with a
primary key on ``ListingId``, ``Date`` and ``TimeBucket`` (when the batch has
it; ``key_columns`` overrides), so duplicate rows are impossible. Columns that a
later batch adds are added with ``ALTER TABLE … ADD COLUMN`` (nullable; older
rows hold NULL); a column keeps the type of its first write and key columns
never change.

A write is ONE transaction: ``DELETE … WHERE Date = :day AND ListingId IN
(:ids…)`` (the list in chunks of 500, under SQLite's variable limit), then the
bulk insert, then commit; any error rolls it back, leaving the earlier rows.
Readers see the old rows or the new ones, never a mix.

Names and values never reach SQL as text: statements are SQLAlchemy constructs
(``Table``/``Column`` objects, bound parameters) compiled with the dialect's
quoting; PostgreSQL's bulk path is ``COPY … FROM STDIN`` with identifiers
composed by psycopg's ``sql.Identifier``. On top of that, table and schema
names must be letters, digits, ``_`` and ``-`` (at most the database's
identifier length, 63 on PostgreSQL) or the write is refused; column names may
be anything (quoted).

Types: Int64/UInt32/UInt64 → BIGINT, Int32/UInt16 → INTEGER, Int8/Int16/UInt8 →
SMALLINT, Float64 → DOUBLE, Float32 → REAL, Boolean → BOOLEAN, String/
Categorical/Enum → TEXT, Date → DATE, Datetime → TIMESTAMP (naive;
time-zoned values are converted to UTC first). Timestamps keep microseconds
(PostgreSQL's precision; SQLite stores ``YYYY-MM-DD HH:MM:SS.ffffff`` text):
nanoseconds are truncated. :meth:`SqlWriter.read` returns the same Polars
types — dates and timestamps parsed back from SQLite's text, timestamps as
``Datetime("ns")`` — except that unsigned and narrow integers come back as the
signed type stored. SQLite stores NaN as NULL; PostgreSQL keeps it. Columns of
dtype ``Null`` are not written (they read as NULL).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
from pydantic import ConfigDict, Field, field_validator

from basalt.writers._sql_types import polars_dtype, sql_frame, sql_type, sqlalchemy_module
from basalt.writers.base import (
    DATE_COLUMN,
    LISTING_COLUMN,
    OutputPartition,
    OutputWriter,
    PathTemplateError,
    WriterConfig,
    check_batch,
    engine_problem,
    render_template,
)

TIME_BUCKET_COLUMN = "TimeBucket"
IDENTIFIER = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")
"""Table and schema names: letters, digits, ``_`` and ``-`` (quoted by SQLAlchemy where needed)."""
DELETE_CHUNK = 500
"""Listing ids per DELETE statement: under SQLite's historic limit of 999 bound variables."""
SQLITE_TIMEOUT = 60.0
"""Seconds a SQLite connection waits for another process's write lock before failing."""
SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S%.6f"
"""How SQLAlchemy stores timestamps in SQLite (and how this writer writes them, to read them back)."""


class SqlWriterConfig(WriterConfig):
    """A table per dataset and pass in a SQL database (SQLAlchemy)."""

    model_config = ConfigDict(populate_by_name=True)  # "schema" (alias) or db_schema

    url: str = Field(
        "sqlite:///output/basalt.db",
        description="SQLAlchemy database URL; SQLite (the default, a file created with its folder) needs "
        "nothing else, others their driver, e.g. postgresql+psycopg://user@host:5432/db.",
    )
    table: str = Field(
        "{datasetname}_{pass}",
        description="Table name, templated with {datasetname}, {pass}, {universe}, {start_date}, "
        "{end_date}, {date}; it must render to letters, digits, _ and - only.",
    )
    db_schema: str | None = Field(
        None,
        alias="schema",
        pattern=IDENTIFIER.pattern,
        description="Database schema holding the table (key: schema); default: the connection's.",
    )
    chunk_rows: int = Field(
        50_000, gt=0, description="Rows sent per INSERT batch (PostgreSQL: per COPY chunk)."
    )
    key_columns: list[str] | None = Field(
        None,
        description="Primary-key columns of a new table; default ListingId, Date and TimeBucket when the "
        "first batch has it. Set it for passes keyed otherwise; [] for no key.",
    )

    @field_validator("table")
    @classmethod
    def _table_renders_to_a_name(cls, template: str) -> str:
        sample = OutputPartition(dataset="dataset", pass_name="pass", day=date(2024, 1, 2), listing_ids=())
        table_name(template, sample)
        return template


def table_name(template: str, partition: OutputPartition) -> str:
    """The rendered table name.

    Raises:
        PathTemplateError: The template is malformed or renders to something other than letters,
            digits, ``_`` and ``-`` (a dataset name with a quote, a semicolon, a dot…).
    """
    name = render_template(template, partition)
    if not IDENTIFIER.match(name):
        raise PathTemplateError(
            f"sql table template {template!r} renders to {name!r}, which is not a table name: "
            "use letters, digits, '_' and '-' only"
        )
    return name


def _chunks(values: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


@functools.cache
def _add_column_ddl() -> Any:
    """``ALTER TABLE t ADD COLUMN c TYPE`` as a SQLAlchemy DDL construct (Core has none).

    Names are quoted by the dialect's preparer, the type rendered by its type compiler.
    """
    sa = sqlalchemy_module()
    from sqlalchemy.ext.compiler import compiles
    from sqlalchemy.schema import ExecutableDDLElement

    class AddColumn(ExecutableDDLElement):
        inherit_cache = False

        def __init__(self, table: Any, column: Any) -> None:
            self.table = table
            self.column = column
            sa.Table(table.name, sa.MetaData(), column, schema=table.schema)  # gives the column a table

    @compiles(AddColumn)
    def _compile(element: AddColumn, compiler: Any, **kw: Any) -> str:
        return (
            f"ALTER TABLE {compiler.preparer.format_table(element.table)} "
            f"ADD COLUMN {compiler.get_column_specification(element.column)}"
        )

    return AddColumn


class SqlWriter(OutputWriter):
    """A table per dataset and pass (SQLite, PostgreSQL…): one transaction per write, keyed rows."""

    NAME = "sql"
    Config = SqlWriterConfig
    EXTRA = "sql"
    config: SqlWriterConfig

    def __init__(self, config: WriterConfig | dict[str, Any] | None = None) -> None:
        super().__init__(config)
        self._engine: Any = None
        self._tables: dict[str, Any] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_engine": None, "_tables": {}}

    def table_name(self, partition: OutputPartition) -> str:
        """The partition's table (validated: see :func:`table_name`)."""
        return table_name(self.config.table, partition)

    def _table_name(self, partition: OutputPartition) -> str:
        name = self.table_name(partition)
        self._check_length(name, "table name")
        return name

    def check(self, partition: OutputPartition) -> list[str]:
        """SQLAlchemy and the URL's database driver must be installed; the table name must render."""
        engine = engine_problem("sqlalchemy", self.NAME, self.EXTRA)
        if engine:
            return [engine, *super().check(partition)]
        sa = sqlalchemy_module()
        try:
            sa.engine.make_url(self.config.url).get_dialect().import_dbapi()
        except ImportError as exc:
            return [f"the database driver of url {self._safe_url()!r} is not installed ({exc})"]
        except Exception as exc:  # SQLAlchemy raises several types for a bad URL
            return [f"url {self._safe_url()!r} is not a usable SQLAlchemy URL ({exc})"]
        return super().check(partition)

    @classmethod
    def rerooted(cls, settings: dict[str, Any], root: Path) -> dict[str, Any]:
        """An embedded SQLite database given by a relative path moves under ``root``; a server URL stays."""
        url = settings.get("url", "sqlite:///output/basalt.db")
        if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
            return {**settings, "url": f"sqlite:///{root / Path(url.removeprefix('sqlite:///')).name}"}
        return dict(settings)

    def lock_dir(self) -> Path | None:
        """The folder of an SQLite database file (a server database has none)."""
        if self.config.url.startswith("sqlite:///"):
            database = self.config.url.removeprefix("sqlite:///")
            return Path(database).parent if database and database != ":memory:" else None
        return None

    def _safe_url(self) -> str:
        """The URL without its password, readable without SQLAlchemy."""
        return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", self.config.url)

    def location(self, partition: OutputPartition) -> str:
        if engine_problem("sqlalchemy", self.NAME, self.EXTRA):
            # Plans and reports name the table even where the writer cannot run yet.
            return f"{self._safe_url()}/{self.table_name(partition)}"
        sa = sqlalchemy_module()
        url = sa.engine.make_url(self.config.url)._replace(password=None)  # URL is a NamedTuple
        schema = f"{self.config.db_schema}." if self.config.db_schema else ""
        return f"{url.render_as_string(hide_password=False)}/{schema}{self.table_name(partition)}"

    def engine(self) -> Any:
        """The writer's SQLAlchemy engine (created on first use; SQLite: its folder too)."""
        if self._engine is None:
            sa = sqlalchemy_module()
            url = sa.engine.make_url(self.config.url)
            kwargs: dict[str, Any] = {}
            if url.get_backend_name() == "sqlite":
                kwargs["connect_args"] = {"timeout": SQLITE_TIMEOUT}
                database = url.database or ""
                if database and database != ":memory:" and not database.startswith("file:"):
                    Path(database).parent.mkdir(parents=True, exist_ok=True)
            self._engine = sa.create_engine(url, **kwargs)
        return self._engine

    def dispose(self) -> None:
        """Close the engine's connections (tests; the process exiting does the same)."""
        if self._engine is not None:
            self._engine.dispose()
        self._engine = None
        self._tables.clear()

    def _reflect(self, name: str, *, refresh: bool = False) -> Any:
        """The table as it is in the database now, ``None`` if it does not exist."""
        if name in self._tables and not refresh:
            return self._tables[name]
        sa = sqlalchemy_module()
        with self.engine().connect() as conn:
            if not sa.inspect(conn).has_table(name, schema=self.config.db_schema):
                return None
            table = sa.Table(name, sa.MetaData(), schema=self.config.db_schema, autoload_with=conn)
        self._tables[name] = table
        return table

    def _check_length(self, name: str, what: str) -> None:
        """Refuse names the database would truncate (PostgreSQL: 63 bytes), which could collide."""
        limit = self.engine().dialect.max_identifier_length
        if len(name.encode()) > limit:
            raise ValueError(f"sql {what} {name!r} is longer than the database's {limit}-byte limit")

    def _ensure_table(self, name: str, frame: pl.DataFrame, key_column: str = LISTING_COLUMN) -> Any:
        """Create the table from ``frame``'s schema, or add the columns it lacks; return it."""
        sa = sqlalchemy_module()
        from sqlalchemy.schema import CreateTable

        table = self._reflect(name)
        if table is None or any(column not in table.c for column in frame.columns):
            for column in frame.columns:
                self._check_length(column, "column name")
        if table is None:
            keys = self.config.key_columns
            if keys is None:
                keys = [key_column, DATE_COLUMN, *[c for c in [TIME_BUCKET_COLUMN] if c in frame.columns]]
            absent = [key for key in keys if key not in frame.columns]
            if absent:
                raise ValueError(f"sql table {name!r}: key column(s) {absent} are not in the batch")
            columns = [
                sa.Column(column, sql_type(dtype), primary_key=column in keys, autoincrement=False)
                for column, dtype in frame.schema.items()
            ]
            new = sa.Table(name, sa.MetaData(), *columns, schema=self.config.db_schema)
            with self.engine().begin() as conn:
                conn.execute(CreateTable(new, if_not_exists=True))
            table = self._reflect(name, refresh=True)
        missing = [column for column in frame.columns if column not in table.c]
        if missing:
            table = self._reflect(name, refresh=True)  # another process may have added them
            add_column = _add_column_ddl()
            for column in [c for c in frame.columns if c not in table.c]:
                try:
                    with self.engine().begin() as conn:
                        conn.execute(add_column(table, sa.Column(column, sql_type(frame.schema[column]))))
                except sa.exc.DBAPIError:
                    if column not in self._reflect(name, refresh=True).c:
                        raise
            table = self._reflect(name, refresh=True)
        return table

    def _check_keys(self, frame: pl.DataFrame, table: Any) -> None:
        keys = [column.name for column in table.primary_key.columns]
        if keys and all(key in frame.columns for key in keys):
            duplicated = int(frame.select(keys).is_duplicated().sum())
            if duplicated:
                raise ValueError(
                    f"sql table {table.name!r}: {duplicated} rows of the batch share a key {keys}; "
                    "a pass keyed otherwise needs key_columns"
                )

    def write(self, frame: pl.DataFrame, partition: OutputPartition) -> int:
        sa = sqlalchemy_module()
        name = self._table_name(partition)
        check_batch(frame, partition)
        frame = sql_frame(frame) if frame.height else frame
        if frame.height:
            table = self._ensure_table(name, frame, partition.key_column)
            self._check_keys(frame, table)
        else:
            table = self._reflect(name)
            if table is None:
                return 0
        ids = sorted({int(listing) for listing in partition.listing_ids})
        with self.engine().begin() as conn:
            for chunk in _chunks(ids, DELETE_CHUNK):
                conn.execute(
                    sa.delete(table).where(
                        table.c[DATE_COLUMN] == partition.day, table.c[partition.key_column].in_(chunk)
                    )
                )
            if frame.height:
                self._insert(conn, table, frame)
        return frame.height

    def _insert(self, conn: Any, table: Any, frame: pl.DataFrame) -> None:
        dialect = conn.dialect
        if dialect.name == "postgresql" and dialect.driver == "psycopg":
            self._copy_postgres(conn, table, frame)
            return
        sa = sqlalchemy_module()
        columns = frame.columns
        statement = sa.insert(table).values(
            {table.c[column]: sa.bindparam(f"p{i}") for i, column in enumerate(columns)}
        )
        compiled = statement.compile(dialect=dialect)
        if dialect.name == "sqlite":  # stored as text, in SQLAlchemy's format so it reads them back
            frame = frame.with_columns(
                [pl.col(c).dt.strftime("%Y-%m-%d") for c, t in frame.schema.items() if t == pl.Date]
                + [
                    pl.col(c).dt.strftime(SQLITE_DATETIME)
                    for c, t in frame.schema.items()
                    if isinstance(t, pl.Datetime)
                ]
            )
        if compiled.positional:
            frame = frame.select([columns[int(param[1:])] for param in compiled.positiontup])
        else:
            frame = frame.rename({column: f"p{i}" for i, column in enumerate(columns)})
        for chunk in frame.iter_slices(self.config.chunk_rows):
            rows = chunk.rows() if compiled.positional else chunk.to_dicts()
            conn.exec_driver_sql(compiled.string, rows)

    def _copy_postgres(self, conn: Any, table: Any, frame: pl.DataFrame) -> None:
        """``COPY … FROM STDIN (FORMAT csv)`` on the transaction's own connection."""
        from psycopg import sql

        target = sql.Identifier(table.schema, table.name) if table.schema else sql.Identifier(table.name)
        statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv)").format(
            target, sql.SQL(", ").join(sql.Identifier(column) for column in frame.columns)
        )
        driver = conn.connection.driver_connection
        dbapi_error = conn.dialect.loaded_dbapi.Error
        try:
            with driver.cursor() as cursor, cursor.copy(statement) as copy:
                for chunk in frame.iter_slices(self.config.chunk_rows):
                    copy.write(
                        chunk.write_csv(
                            include_header=False,
                            quote_style="non_numeric",
                            date_format="%Y-%m-%d",
                            datetime_format=SQLITE_DATETIME,
                        )
                    )
        except dbapi_error as exc:  # raised as SQLAlchemy raises driver errors elsewhere
            sa = sqlalchemy_module()
            raise sa.exc.DBAPIError.instance(statement.as_string(driver), None, exc, dbapi_error) from exc

    def read(self, partition_like: OutputPartition) -> pl.DataFrame:
        return self._read(partition_like, None, None)

    def read_days(self, partition_like: OutputPartition, start: date, end: date) -> pl.DataFrame:
        return self._read(partition_like, start, end)

    def _read(self, partition_like: OutputPartition, start: date | None, end: date | None) -> pl.DataFrame:
        sa = sqlalchemy_module()
        table = self._reflect(self._table_name(partition_like), refresh=True)
        if table is None:
            return pl.DataFrame()
        sqlite = self.engine().dialect.name == "sqlite"
        selected, dtypes, parse = [], {}, {}
        for column in table.columns:
            dtype = polars_dtype(column.type)
            if sqlite and isinstance(column.type, sa.Date | sa.DateTime):
                selected.append(sa.type_coerce(column, sa.Text()).label(column.name))
                dtypes[column.name] = pl.String()
                parse[column.name] = dtype
            else:
                selected.append(column)
                if dtype is not None:
                    dtypes[column.name] = dtype
        with self.engine().connect() as conn:
            query = sa.select(*selected)
            if start is not None and end is not None and DATE_COLUMN in table.c:
                query = query.where(table.c[DATE_COLUMN].between(start, end))
            rows = conn.execute(query).all()
        frame = pl.DataFrame(
            [tuple(row) for row in rows],
            schema=[column.name for column in table.columns],
            schema_overrides=dtypes,
            orient="row",
        )
        return frame.with_columns(
            pl.col(name).str.to_date("%Y-%m-%d")
            if dtype == pl.Date
            else pl.col(name).str.to_datetime("%Y-%m-%d %H:%M:%S%.f", time_unit="ns")
            for name, dtype in parse.items()
        )
