"""BMLL table schemas: parsed from the CSV contracts shipped in ``schemas/``.

Each CSV lists ``ColumnName,DataType`` exactly as BMLL publishes the table; the
dtype strings are Polars' own reprs (``Int64``, ``Datetime(time_unit='us',
time_zone=None)``…).
"""

from __future__ import annotations

import csv
import functools
import re
from importlib.resources import files

import polars as pl

_SIMPLE: dict[str, pl.DataType] = {
    "String": pl.String(),
    "Int64": pl.Int64(),
    "Int32": pl.Int32(),
    "Float64": pl.Float64(),
    "Boolean": pl.Boolean(),
    "Null": pl.Null(),
}
_DATETIME = re.compile(r"Datetime\(time_unit='(ms|us|ns)', time_zone=(None|'[^']*')\)")


def parse_dtype(text: str) -> pl.DataType:
    """The Polars dtype a schema CSV names (``Datetime(time_unit='us', time_zone=None)``)."""
    if text in _SIMPLE:
        return _SIMPLE[text]
    match = _DATETIME.fullmatch(text)
    if match:
        zone = None if match.group(2) == "None" else match.group(2).strip("'")
        return pl.Datetime(match.group(1), zone)  # type: ignore[arg-type]
    raise ValueError(f"unsupported dtype {text!r} in a BMLL schema file")


@functools.cache
def load_schema(name: str) -> dict[str, pl.DataType]:
    """Column → dtype of the BMLL table whose schema file is ``schemas/{name}.schema.csv``."""
    text = files("basalt.tables").joinpath("schemas", f"{name}.schema.csv").read_text()
    rows = list(csv.DictReader(text.splitlines()))
    return {row["ColumnName"]: parse_dtype(row["DataType"]) for row in rows}
