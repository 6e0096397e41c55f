"""The engine: from a pipeline to written outputs. Its public API is what this module names.

    load_pipeline ─► resolve (plugins) ─► build_plan ─► run_pipeline (workers, ledger)
                                                     └► run_partition / run_panel_partition
                                                        (one slice, for orchestrators)

Everything else under ``basalt.engine`` is internal and may change between releases.
(``resolve_pipeline`` is :func:`basalt.engine.resolve.resolve`: a package attribute named
``resolve`` would be replaced by the submodule of that name as soon as it is imported.)
Importing this package is cheap: names are imported on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_PUBLIC: dict[str, str] = {
    "AnalyticsConfig": "basalt.engine.config",
    "PassConfig": "basalt.engine.config",
    "ConfigError": "basalt.engine.errors",
    "Pipeline": "basalt.engine.loader",
    "load_pipeline": "basalt.engine.loader",
    "ResolvedPipeline": "basalt.engine.resolve",
    "resolve_pipeline": "basalt.engine.resolve:resolve",
    "RunPlan": "basalt.engine.plan",
    "BatchTask": "basalt.engine.plan",
    "build_plan": "basalt.engine.plan",
    "WorkerSizing": "basalt.engine.sizing",
    "Job": "basalt.engine.jobs",
    "Stage": "basalt.engine.jobs",
    "PartitionResult": "basalt.engine.partition",
    "run_partition": "basalt.engine.partition",
    "run_panel_partition": "basalt.engine.panel",
    "PanelInputError": "basalt.engine.panel",
    "RunReport": "basalt.engine.runner",
    "RunError": "basalt.engine.runner",
    "RunFailedError": "basalt.engine.runner",
    "RunInterruptedError": "basalt.engine.runner",
    "ResumeMismatchError": "basalt.engine.runner",
    "RunNotFoundError": "basalt.engine.runner",
    "run_pipeline": "basalt.engine.runner",
    "DatasetLockedError": "basalt.engine.ledger",
}

if TYPE_CHECKING:  # pragma: no cover - typing only
    from basalt.engine.config import AnalyticsConfig, PassConfig
    from basalt.engine.errors import ConfigError
    from basalt.engine.jobs import Job, Stage
    from basalt.engine.ledger import DatasetLockedError
    from basalt.engine.loader import Pipeline, load_pipeline
    from basalt.engine.panel import PanelInputError, run_panel_partition
    from basalt.engine.partition import PartitionResult, run_partition
    from basalt.engine.plan import BatchTask, RunPlan, build_plan
    from basalt.engine.resolve import ResolvedPipeline
    from basalt.engine.resolve import resolve as resolve_pipeline
    from basalt.engine.runner import (
        ResumeMismatchError,
        RunError,
        RunFailedError,
        RunInterruptedError,
        RunNotFoundError,
        RunReport,
        run_pipeline,
    )
    from basalt.engine.sizing import WorkerSizing


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'basalt.engine' has no attribute {name!r}")
    module, _, attribute = module.partition(":")
    value = getattr(importlib.import_module(module), attribute or name)
    globals()[name] = value
    return value


__all__ = [
    "AnalyticsConfig",
    "BatchTask",
    "ConfigError",
    "DatasetLockedError",
    "Job",
    "PanelInputError",
    "PartitionResult",
    "PassConfig",
    "Pipeline",
    "ResolvedPipeline",
    "ResumeMismatchError",
    "RunError",
    "RunFailedError",
    "RunInterruptedError",
    "RunNotFoundError",
    "RunPlan",
    "RunReport",
    "Stage",
    "WorkerSizing",
    "build_plan",
    "load_pipeline",
    "resolve_pipeline",
    "run_panel_partition",
    "run_partition",
    "run_pipeline",
]
