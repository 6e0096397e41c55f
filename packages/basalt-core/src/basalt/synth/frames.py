"""Small helpers shared by the modules that build BMLL frames."""

from __future__ import annotations

import numpy as np
import polars as pl

from basalt.tables.base import Table


def conform(frame: pl.DataFrame | pl.LazyFrame, table: type[Table]) -> pl.DataFrame:
    """``frame`` with exactly the table's columns, in schema order, cast to the schema's dtypes.

    Builders add every column themselves; this only fixes order and dtypes
    (e.g. an all-null column built as ``Null`` becomes ``Float64``).
    """
    lazy = frame.lazy() if isinstance(frame, pl.DataFrame) else frame
    out = lazy.select([pl.col(name).cast(dtype) for name, dtype in table.SCHEMA.items()]).collect()
    table.check_schema(out.schema, source=f"<synthetic {table.NAME}>")
    return out


def ns_datetime(values: np.ndarray, unit: str = "ns") -> pl.Series:
    """Naive-UTC datetimes in ``unit`` from int64 nanoseconds since the Unix epoch (truncating)."""
    series = pl.Series(np.asarray(values, dtype=np.int64)).cast(pl.Datetime("ns"))
    return series if unit == "ns" else series.dt.cast_time_unit(unit)  # type: ignore[arg-type]


def lookup(names: tuple[str, ...] | list[str], codes: np.ndarray) -> pl.Series:
    """A string column from small integer codes (``names[code]``), without a Python loop."""
    return pl.Series(list(names), dtype=pl.String).gather(np.asarray(codes, dtype=np.int64))
