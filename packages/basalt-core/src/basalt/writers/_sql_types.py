"""Types between Polars and SQL for the sql writer: what a frame is stored as, and read back as."""

from __future__ import annotations

from typing import Any

import polars as pl


def sqlalchemy_module() -> Any:
    try:
        import sqlalchemy
    except ImportError:
        raise ImportError("the sql writer needs SQLAlchemy: pip install 'bmll-basalt[sql]'") from None
    return sqlalchemy


def sql_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame in types every database stores: no Null columns, µs naive timestamps, text enums.

    Raises:
        TypeError: A column of a type the writer does not store (lists, structs, durations…).
    """
    casts: list[pl.Expr] = []
    dropped: list[str] = []
    unsupported: dict[str, str] = {}
    for name, dtype in frame.schema.items():
        if dtype == pl.Null:
            dropped.append(name)
        elif isinstance(dtype, pl.Datetime):
            column = pl.col(name)
            if dtype.time_zone is not None:
                column = column.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
            casts.append(column.dt.cast_time_unit("us"))
        elif isinstance(dtype, pl.Categorical | pl.Enum):
            casts.append(pl.col(name).cast(pl.String))
        elif not (dtype.is_integer() or dtype.is_float() or dtype in (pl.Boolean, pl.String, pl.Date)):
            unsupported[name] = str(dtype)
    if unsupported:
        raise TypeError(f"the sql writer cannot store columns {unsupported}: cast them in the module")
    return frame.drop(dropped).with_columns(casts)


def sql_type(dtype: pl.DataType) -> Any:
    sa = sqlalchemy_module()
    if dtype in (pl.Int64, pl.UInt32, pl.UInt64):
        return sa.BigInteger()
    if dtype in (pl.Int32, pl.UInt16):
        return sa.Integer()
    if dtype.is_integer():
        return sa.SmallInteger()
    if dtype == pl.Float32:
        return sa.REAL()
    if dtype.is_float():
        return sa.Double()
    if dtype == pl.Boolean:
        return sa.Boolean()
    if dtype == pl.Date:
        return sa.Date()
    if isinstance(dtype, pl.Datetime):
        return sa.DateTime()
    return sa.Text()


def polars_dtype(sql_type: Any) -> pl.DataType | None:
    sa = sqlalchemy_module()
    checks: list[tuple[Any, pl.DataType]] = [
        (sa.Boolean, pl.Boolean()),
        (sa.BigInteger, pl.Int64()),
        (sa.SmallInteger, pl.Int16()),
        (sa.Integer, pl.Int32()),
        (sa.REAL, pl.Float32()),
        (sa.Float, pl.Float64()),
        (sa.Numeric, pl.Float64()),
        (sa.DateTime, pl.Datetime("ns")),
        (sa.Date, pl.Date()),
        (sa.String, pl.String()),
    ]
    for kind, dtype in checks:
        if isinstance(sql_type, kind):
            return dtype
    return None


__all__ = ["polars_dtype", "sql_frame", "sql_type", "sqlalchemy_module"]
