"""The scan-only floors: read a case's input and reduce it, computing nothing comparable.

Two contenders, exempt from the output comparison:

* ``scan`` — the **I/O floor**: decodes *every* column the case reads and reduces
  each one to a number (sum of a numeric or temporal column's physical values,
  of a string's byte lengths), so Parquet decoding of all of them is paid (the
  plan says ``PROJECT 34/76 COLUMNS`` for the L2 table, not 1/76). No contender
  computing the case from these files can be faster than this.
* ``open`` — the **start-up floor**: the same files opened and one column
  summed (what ``scan`` measured before issue #12): interpreter start-up, imports,
  footers and one column, i.e. the fixed cost every process pays.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from basalt_bench.cases import LEVELS
from basalt_bench.workloads import files

_L2 = [
    "ListingId",
    "EventTimestamp",
    "L2EventNo",
    "TradeDate",
    *(
        f"{s}{f}{lv}"
        for lv in range(1, LEVELS + 1)
        for s in ("Bid", "Ask")
        for f in ("Price", "Quantity", "NumOrders")
    ),
]
_TRADES = [
    "ListingId",
    "TradeTimestamp",
    "Classification",
    "AggressorSide",
    "InstrumentCurrencyPrice",
    "Size",
]
_TCA = ["PreTradeMid1ms", "PostTradeMid1000ms", "PostTradeMid5000ms"]

COLUMNS: dict[str, dict[str, list[str]]] = {
    "trade-1min": {"trades": _TRADES},
    "tca": {"trades": [*_TRADES, *_TCA]},
    "l2-1min": {"l2": _L2},
    "full-pass": {"trades": [*_TRADES, "TradeNotionalEUR", "TradeNotionalUSD"], "l2": _L2},
}
"""Case → table → the columns its computation reads."""

_SUMMED = {"trades": "Size", "l2": "BidQuantity1"}
"""Table → the one column the ``open`` floor sums."""


def reduction(name: str, dtype: pl.DataType) -> pl.Expr:
    """One number from column ``name`` that needs every value decoded (null count included)."""
    col = pl.col(name)
    if dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Enum):
        value = col.cast(pl.String).str.len_bytes().cast(pl.Int64).sum()
    elif dtype == pl.Boolean:
        value = col.cast(pl.Int64).sum()
    elif dtype.is_temporal() or dtype.is_integer():
        value = col.to_physical().cast(pl.Int64).sum()
    else:
        value = col.cast(pl.Float64).sum()
    return (value.cast(pl.Float64) + col.null_count().cast(pl.Float64)).alias(name)


def reduce_all(lake: Path, table: str, columns: list[str]) -> pl.LazyFrame:
    """Every column of ``columns`` reduced to one value (one row)."""
    scan = pl.scan_parquet([str(f) for f in files(lake, table)], hive_partitioning=False).select(columns)
    schema = scan.collect_schema()
    return scan.select(pl.len().alias("__rows"), *(reduction(c, schema[c]) for c in columns))


def _write(out: Path, sums: dict[str, int]) -> dict[str, Any]:
    pl.DataFrame({"table": list(sums), "rows": list(sums.values())}).write_parquet(out / "scan.parquet")
    return {"scan": sum(sums.values())}


def run(case: str, lake: Path, out: Path) -> dict[str, Any]:
    """The I/O floor: reduce every column the case reads, per table; write the row counts."""
    rows = {}
    for table, columns in COLUMNS[case].items():
        rows[table] = reduce_all(lake, table, columns).collect().item(0, "__rows")
    return _write(out, rows)


def run_open(case: str, lake: Path, out: Path) -> dict[str, Any]:
    """The start-up floor: open the case's files and sum one column per table."""
    rows = {}
    for table in COLUMNS[case]:
        scan = pl.scan_parquet([str(f) for f in files(lake, table)], hive_partitioning=False)
        rows[table] = scan.select(pl.len(), pl.col(_SUMMED[table]).sum()).collect().item(0, 0)
    return _write(out, rows)
