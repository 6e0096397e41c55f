"""Contenders: each computes a case's outputs from the lake and writes them as Parquet.

Basalt runs through its CLI (``basalt pipeline run``, see :mod:`.basalt`); every
other contender is a module with ``run(case, lake, out) -> dict`` executed in a
fresh process by ``python -m basalt_bench.run`` and writing ``out/<pass>.parquet``
(``polars-explode`` and ``open`` are second functions of the ``polars`` and
``scan`` modules).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

MODULES = {
    "polars": ("polars_hand", "run"),
    "polars-explode": ("polars_hand", "run_explode"),
    "duckdb": ("duckdb_sql", "run"),
    "pandas": ("pandas_df", "run"),
    "scan": ("scan", "run"),
    "open": ("scan", "run_open"),
}
"""Contender name → (module of this package, its function computing a case)."""

Runner = Callable[[str, Path, Path], dict[str, Any]]


def runner(name: str) -> Runner:
    """The ``run`` function of contender ``name`` (imports only that contender's engine)."""
    module, function = MODULES[name]
    return getattr(importlib.import_module(f"{__name__}.{module}"), function)
