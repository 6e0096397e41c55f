"""Contenders: each computes a case's outputs from the lake and writes them as Parquet.

Basalt runs through its CLI (``basalt pipeline run``, see :mod:`.basalt`); every
other contender is a module with ``run(case, lake, out) -> dict`` executed in a
fresh process by ``python -m basalt_bench.run`` and writing ``out/<pass>.parquet``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

MODULES = {
    "polars": "polars_hand",
    "duckdb": "duckdb_sql",
    "pandas": "pandas_df",
    "scan": "scan",
}
"""Contender name → module of this package implementing it."""

Runner = Callable[[str, Path, Path], dict[str, Any]]


def runner(name: str) -> Runner:
    """The ``run`` function of contender ``name`` (imports only that contender's engine)."""
    return importlib.import_module(f"{__name__}.{MODULES[name]}").run
