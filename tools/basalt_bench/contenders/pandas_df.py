"""The pandas contender (``trade-1min``): the DataFrame code a pandas user writes.

Reads the needed columns with pyarrow, keeps lit continuous trades, adds masked
per-side columns (NaN off the side), a stable sort by (listing, time) so
``first``/``last`` (which skip NaN) give Open/Close in trade order, one
``groupby(...).agg``, and VWAP from the sums.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from basalt_bench.contenders import scan
from basalt_bench.workloads import files

NS = 60_000_000_000
COLUMNS = scan.COLUMNS["trade-1min"]["trades"]
"""The trade columns trade-1min reads (as the scan-only baseline reads them)."""


def trade_bars(frame: pd.DataFrame) -> pd.DataFrame:
    """Per-side Volume, Count, Notional, VWAP, OHLC per (listing, 60 s bucket)."""
    frame = frame[frame["Classification"] == "LIT_CONTINUOUS"]
    ns = frame["TradeTimestamp"].to_numpy().astype("datetime64[ns]").astype(np.int64)
    side = frame["AggressorSide"].to_numpy(dtype="float64", na_value=np.nan)
    price = frame["InstrumentCurrencyPrice"].to_numpy(dtype="float64", na_value=np.nan)
    size = frame["Size"].to_numpy(dtype="float64", na_value=np.nan)
    masks = {
        "Bid": side == 2,
        "Ask": side == 1,
        "Total": np.ones(len(frame), bool),
        "Unknown": ~np.isin(side, [1, 2]),
    }
    data: dict[str, Any] = {
        "ListingId": frame["ListingId"].to_numpy(),
        "TimeBucket": -((-ns) // NS) * NS,
        "ns": ns,
    }
    aggs: dict[str, tuple[str, str]] = {}
    for name, m in masks.items():
        priced = m & ~np.isnan(price)
        data[f"{name}_m"] = m.astype(np.int64)
        data[f"{name}_S"] = np.where(m, size, np.nan)
        data[f"{name}_N"] = np.where(m, size * price, np.nan)
        data[f"{name}_W"] = np.where(priced, size, np.nan)
        data[f"{name}_P"] = np.where(priced, price, np.nan)
        aggs |= {
            f"Trade{name}Volume": (f"{name}_S", "sum"),
            f"Trade{name}Count": (f"{name}_m", "sum"),
            f"Trade{name}Notional": (f"{name}_N", "sum"),
            f"_{name}_W": (f"{name}_W", "sum"),
            f"Trade{name}Open": (f"{name}_P", "first"),
            f"Trade{name}High": (f"{name}_P", "max"),
            f"Trade{name}Low": (f"{name}_P", "min"),
            f"Trade{name}Close": (f"{name}_P", "last"),
        }
    table = pd.DataFrame(data).sort_values(["ListingId", "ns"], kind="stable")
    bars = table.groupby(["ListingId", "TimeBucket"], sort=True).agg(**aggs).reset_index()
    for name in masks:
        den = bars.pop(f"_{name}_W")
        bars[f"Trade{name}VWAP"] = np.where(
            den > 0, bars[f"Trade{name}Notional"] / den.where(den > 0), np.nan
        )
    bars["TimeBucket"] = pd.to_datetime(bars["TimeBucket"], unit="ns")
    return bars


def run(case: str, lake: Path, out: Path) -> dict[str, Any]:
    """Compute ``trade-1min`` and write ``out/bars.parquet``."""
    if case != "trade-1min":
        raise ValueError(f"no pandas contender for case {case!r}")
    tables = [pq.read_table(f, columns=COLUMNS) for f in files(lake, "trades")]
    frame = pa.concat_tables(tables).to_pandas()
    bars = trade_bars(frame)
    bars.to_parquet(out / "bars.parquet", index=False)
    return {"bars": len(bars)}
