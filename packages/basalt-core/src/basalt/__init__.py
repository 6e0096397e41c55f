"""Basalt: high-frequency market data into analytics tables, through plugins.

Plugin authors need only this namespace::

    from basalt import AnalyticModule, ColumnDoc, hookimpl

``import basalt`` stays light: it imports pluggy, and everything else on first
use (so importing Basalt never imports Polars' engine, let alone an add-on).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

import pluggy

from basalt.__about__ import __version__
from basalt.hookspecs import PROJECT_NAME

hookimpl = pluggy.HookimplMarker(PROJECT_NAME)
"""Marker for plugin hook implementations: ``@basalt.hookimpl``."""

_LAZY: dict[str, str] = {
    "AnalyticModule": "basalt.modules.base",
    "PreprocessorModule": "basalt.modules.base",
    "ModuleConfig": "basalt.modules.base",
    "ColumnDoc": "basalt.modules.columns",
    "TimeBuckets": "basalt.timebuckets",
    "Table": "basalt.tables.base",
    "OutputWriter": "basalt.writers.base",
    "WriterConfig": "basalt.writers.base",
    "PluginManager": "basalt.plugins.manager",
    "get_plugin_manager": "basalt.plugins.manager",
}

if TYPE_CHECKING:  # pragma: no cover - typing only
    from basalt.modules.base import AnalyticModule, ModuleConfig, PreprocessorModule
    from basalt.modules.columns import ColumnDoc
    from basalt.plugins.manager import PluginManager, get_plugin_manager
    from basalt.tables.base import Table
    from basalt.timebuckets import TimeBuckets
    from basalt.writers.base import OutputWriter, WriterConfig


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'basalt' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "AnalyticModule",
    "ColumnDoc",
    "ModuleConfig",
    "OutputWriter",
    "PluginManager",
    "PreprocessorModule",
    "Table",
    "TimeBuckets",
    "WriterConfig",
    "__version__",
    "get_plugin_manager",
    "hookimpl",
]
