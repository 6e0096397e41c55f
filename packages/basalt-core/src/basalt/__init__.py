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
    "StatefulAnalyticModule": "basalt.modules.base",
    "ModuleConfig": "basalt.modules.base",
    "ColumnDoc": "basalt.modules.columns",
    "TimeBuckets": "basalt.timebuckets",
    "Table": "basalt.tables.base",
    "OutputWriter": "basalt.writers.base",
    "WriterConfig": "basalt.writers.base",
    "PluginManager": "basalt.plugins.manager",
    "get_plugin_manager": "basalt.plugins.manager",
    "AnalyticsConfig": "basalt.engine.config",
    "PassConfig": "basalt.engine.config",
    "load_pipeline": "basalt.engine.loader",
    "run_partition": "basalt.engine.partition",
    "run_panel_partition": "basalt.engine.panel",
    "run_pipeline": "basalt.engine.runner",
    "build_plan": "basalt.engine.plan",
    "RunPlan": "basalt.engine.plan",
    "PluginSet": "basalt.plugins.pluginset",
    "Deferred": "basalt.plugins.deferred",
    "UniverseSpec": "basalt.universe",
    "metric": "basalt.metrics",
    "metric_module": "basalt.metrics",
    "MetricModule": "basalt.metrics",
    "Choice": "basalt.metrics",
    "SIDES": "basalt.metrics",
}

if TYPE_CHECKING:  # pragma: no cover - typing only
    from basalt.engine.config import AnalyticsConfig, PassConfig
    from basalt.engine.loader import load_pipeline
    from basalt.engine.panel import run_panel_partition
    from basalt.engine.partition import run_partition
    from basalt.engine.plan import RunPlan, build_plan
    from basalt.engine.runner import run_pipeline
    from basalt.metrics import SIDES, Choice, MetricModule, metric, metric_module
    from basalt.modules.base import AnalyticModule, ModuleConfig, PreprocessorModule
    from basalt.modules.columns import ColumnDoc
    from basalt.plugins.deferred import Deferred
    from basalt.plugins.manager import PluginManager, get_plugin_manager
    from basalt.plugins.pluginset import PluginSet
    from basalt.tables.base import Table
    from basalt.timebuckets import TimeBuckets
    from basalt.universe import UniverseSpec
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
    "AnalyticsConfig",
    "PassConfig",
    "PluginSet",
    "Deferred",
    "RunPlan",
    "UniverseSpec",
    "build_plan",
    "load_pipeline",
    "run_panel_partition",
    "run_partition",
    "run_pipeline",
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
    "StatefulAnalyticModule",
    "SIDES",
    "Choice",
    "MetricModule",
    "metric",
    "metric_module",
]
