"""The scan-only baseline (the I/O floor): read the columns a case needs, sum one, write one row.

Exempt from the output comparison: it computes nothing comparable.
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


def run(case: str, lake: Path, out: Path) -> dict[str, Any]:
    """Scan the case's columns, sum one per table, write the sums (one row)."""
    sums = {}
    for table, columns in COLUMNS[case].items():
        scan = pl.scan_parquet([str(f) for f in files(lake, table)], hive_partitioning=False).select(columns)
        frame = scan.select(pl.len().alias("rows"), pl.col(_SUMMED[table]).sum().alias("total")).collect()
        sums[table] = frame.row(0)
    pl.DataFrame({"table": list(sums), "rows": [r for r, _ in sums.values()]}).write_parquet(
        out / "scan.parquet"
    )
    return {"scan": sum(r for r, _ in sums.values())}
