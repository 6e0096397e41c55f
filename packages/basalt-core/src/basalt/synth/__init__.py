"""Synthetic market generator: Basalt's embedded data source, in BMLL's schemas.

A multi-venue limit order book simulation (zero-intelligence order flow
anchored to a shared efficient price, smart-order-routed across a primary
exchange and MTFs, with auctions) turned into trades-plus, L2, L3, market
state, reference, CBBO and imbalance tables. Same configuration, same bytes.

Public API::

    from basalt.synth import SynthConfig, generate_day, write_lake, report

    config = SynthConfig(start_date=date(2024, 3, 4), end_date=date(2024, 3, 8), listings=5)
    frames = generate_day(config, date(2024, 3, 4))  # table name -> pl.DataFrame
    summary = write_lake(config, "lake/", layout="bmll", workers=2)
    print(report("lake/").to_frame())

Importing this package is cheap: submodules (Polars, Numba) load on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_LAZY: dict[str, str] = {
    "SynthConfig": "basalt.synth.config",
    "generate_day": "basalt.synth.day",
    "simulate_instrument_day": "basalt.synth.day",
    "TABLES": "basalt.synth.day",
    "write_lake": "basalt.synth.writer",
    "LakeSummary": "basalt.synth.writer",
    "report": "basalt.synth.facts",
    "SynthReport": "basalt.synth.facts",
    "Stat": "basalt.synth.facts",
    "JIT_ENABLED": "basalt.synth._jit",
}

if TYPE_CHECKING:  # pragma: no cover - typing only
    from basalt.synth._jit import JIT_ENABLED
    from basalt.synth.config import SynthConfig
    from basalt.synth.day import TABLES, generate_day, simulate_instrument_day
    from basalt.synth.facts import Stat, SynthReport, report
    from basalt.synth.writer import LakeSummary, write_lake

__all__ = [
    "JIT_ENABLED",
    "TABLES",
    "LakeSummary",
    "Stat",
    "SynthConfig",
    "SynthReport",
    "generate_day",
    "report",
    "simulate_instrument_day",
    "write_lake",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'basalt.synth' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
