"""The benchmark cases: what each computes, its outputs and its contenders.

Every case is one Basalt pipeline (``passes``); contenders compute the same
outputs (one Parquet file per output, named after the pass) from the same lake.

* ``trade-1min`` — ``trade`` module: Volume, Count, Notional, VWAP, Open, High,
  Low, Close for the Bid, Ask, Total and Unknown sides over lit continuous
  trades (``InstrumentCurrencyPrice``), 60 s buckets (end-labelled, right-closed).
* ``l2-1min`` — ``l2`` (last snapshot of each bucket) and ``l2tw`` (time-weighted
  averages), both with families ``levels``, ``imbalance``, ``spread`` over 5
  levels: level-1..5 prices, quantities and order counts, the four imbalances
  per level, SpreadAbs and SpreadBps; full outer join of the two on the keys.
* ``tca`` — ``trade`` module with only its TCA family: effective spread,
  realized spread and price impact at 1 s and 5 s (price and bps, Size-weighted).
* ``full-pass`` — the demo pipeline's passes, read from ``examples/demo.yaml``:
  ``bars`` (default ``trade`` + ``l2`` with 5 levels, every family) and
  ``bars15`` (``reaggregate`` to 15 minutes per InstrumentId), both written as
  Parquet (the demo writes ``bars15`` to SQLite).

For ``l2-1min`` the ``polars`` contender (the yardstick every ratio is taken
against) is the one-pass ordered formulation (:mod:`.contenders.l2_onepass`);
``polars-explode`` is the earlier lazy query (group_by + explode of the
intervals crossing a boundary), kept so both are measured side by side.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import yaml

TRADE_MEASURES = ["Volume", "Count", "Notional", "VWAP", "Open", "High", "Low", "Close"]
L2_FAMILIES = ["levels", "imbalance", "spread"]
LEVELS = 5
DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo.yaml"


def demo_passes() -> list[dict[str, Any]]:
    """The demo's passes, every output written as Parquet (pass 2's SQL output dropped).

    The demo's ``l2`` keeps continuous-trading snapshots only (``market_states``);
    the hand-written contenders compute the unfiltered book, so the filter is
    dropped here too: the case measures the same work on both sides.
    """
    passes = yaml.safe_load(DEMO.read_text())["PASSES"]
    for spec in passes:
        spec.pop("output", None)
        for settings in spec.get("module_configs", {}).values():
            settings.pop("market_states", None)
    return passes


@dataclasses.dataclass(frozen=True)
class Case:
    """One benchmark case."""

    name: str
    passes: list[dict[str, Any]]
    """The Basalt pipeline's ``PASSES``."""
    keys: dict[str, tuple[str, ...]]
    """Output (pass) name → its key columns."""
    contenders: tuple[str, ...]
    """Contenders besides Basalt, in the order they take turns."""


CASES: dict[str, Case] = {
    "trade-1min": Case(
        "trade-1min",
        passes=[
            {
                "name": "bars",
                "modules": ["trade"],
                "time_bucket_seconds": 60,
                "module_configs": {"trade": {"measures": TRADE_MEASURES}},
            }
        ],
        keys={"bars": ("ListingId", "TimeBucket")},
        contenders=("polars", "duckdb", "pandas", "scan", "open"),
    ),
    "l2-1min": Case(
        "l2-1min",
        passes=[
            {
                "name": "bars",
                "modules": ["l2", "l2tw"],
                "time_bucket_seconds": 60,
                "module_configs": {
                    "l2": {"levels": LEVELS, "families": L2_FAMILIES},
                    "l2tw": {"levels": LEVELS, "families": L2_FAMILIES},
                },
            }
        ],
        keys={"bars": ("ListingId", "TimeBucket")},
        contenders=("polars", "polars-explode", "duckdb", "scan", "open"),
    ),
    "tca": Case(
        "tca",
        passes=[
            {
                "name": "bars",
                "modules": ["trade"],
                "time_bucket_seconds": 60,
                "module_configs": {
                    "trade": {"measures": [], "tca": True, "tca_horizons": ["1000ms", "5000ms"]}
                },
            }
        ],
        keys={"bars": ("ListingId", "TimeBucket")},
        contenders=("polars", "scan", "open"),
    ),
    "full-pass": Case(
        "full-pass",
        passes=demo_passes(),
        keys={"bars": ("ListingId", "TimeBucket"), "bars15": ("InstrumentId", "TimeBucket")},
        contenders=("polars", "scan", "open"),
    ),
}

CONTENDERS = ("basalt", "polars", "polars-explode", "duckdb", "pandas", "scan", "open")
"""Every contender, in turn order."""
FLOORS = ("scan", "open")
"""Contenders that compute nothing comparable (the I/O and start-up floors): never compared."""
