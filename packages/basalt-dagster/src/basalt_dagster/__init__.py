"""Dagster integration for Basalt: assets, universe x date partitions, IO manager, schedules.

``import basalt_dagster`` does not import Dagster: :func:`build_definitions` and
the rest are imported on first use (listing Basalt's plugins stays fast).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from basalt_dagster.__about__ import __version__

_LAZY = {
    "build_definitions": "basalt_dagster.definitions",
    "BasaltIOManager": "basalt_dagster.io",
    "PassFailedError": "basalt_dagster.assets",
    "load_project": "basalt_dagster.pipeline",
    "trading_calendar": "basalt_dagster.partitions",
}

if TYPE_CHECKING:  # pragma: no cover - typing only
    from basalt_dagster.assets import PassFailedError
    from basalt_dagster.definitions import build_definitions
    from basalt_dagster.io import BasaltIOManager
    from basalt_dagster.partitions import trading_calendar
    from basalt_dagster.pipeline import load_project


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'basalt_dagster' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "BasaltIOManager",
    "PassFailedError",
    "__version__",
    "build_definitions",
    "load_project",
    "trading_calendar",
]
