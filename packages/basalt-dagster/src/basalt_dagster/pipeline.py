"""A Basalt pipeline as the Dagster integration sees it: resolved once, when definitions load.

:func:`load_project` accepts what :func:`basalt.run_partition` accepts (a file,
a mapping, an :class:`~basalt.AnalyticsConfig`, a loaded pipeline) and returns a
:class:`BasaltProject`: the validated configuration in JSON form (what every
materialisation resolves again, in whatever process Dagster's executor runs it),
the plugin set (so a step never rediscovers plugins on its own), the passes with
the passes they read, and the Dagster-only sections of a pipeline file
(``SCHEDULES``), which the core's configuration does not know.

Only Basalt's public API is used: ``basalt.engine`` (load, resolve) and plugins'
:class:`~basalt.PluginSet`. Dagster is not imported here.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from basalt import PluginManager, PluginSet, get_plugin_manager
from basalt.engine import AnalyticsConfig, Pipeline, ResolvedPipeline, load_pipeline
from basalt.engine.resolve import resolve  # `basalt.engine.resolve` is also the submodule's name

DAGSTER_SECTIONS = ("SCHEDULES",)
"""Top-level keys of a pipeline file read by this add-on and removed before Basalt validates it."""

PipelineInput = Pipeline | AnalyticsConfig | Mapping[str, Any] | Path | str


@dataclass(frozen=True)
class PassInfo:
    """One pass as an asset: its name, scope, the passes it reads and its panel lookback."""

    name: str
    scope: str
    reads: tuple[str, ...]
    lookback_days: int
    keys: tuple[str, ...]
    """Key columns of the pass's output (the union of its modules' ``KEYS``, plus ``Date``)."""
    output: str
    """Where the pass is written (``parquet: /out/demo/bars``) for the asset's description."""


@dataclass(frozen=True)
class BasaltProject:
    """Everything the definitions need, decided once when they load."""

    config: dict[str, Any]
    """The validated configuration in JSON form (absolute paths when read from a file)."""
    plugins: PluginSet
    passes: tuple[PassInfo, ...]
    get_universe: Callable[[date], pl.DataFrame] | None = None
    tables: tuple[str, ...] = ()
    """Names of the source tables the passes read (observable source assets, the inputs sensor)."""
    sections: dict[str, Any] = field(default_factory=dict)
    """Dagster-only sections of the pipeline file (``SCHEDULES``)."""
    path: Path | None = None

    @property
    def dataset(self) -> str:
        """The pipeline's ``DATASETNAME``."""
        return str(self.config["DATASETNAME"])

    @property
    def start(self) -> date:
        """``START_DATE``."""
        return date.fromisoformat(str(self.config["START_DATE"]))

    @property
    def end(self) -> date:
        """``END_DATE``."""
        return date.fromisoformat(str(self.config["END_DATE"]))

    def resolved(self) -> ResolvedPipeline:
        """The pipeline resolved with exactly the project's plugin set (in any process)."""
        pipeline = load_pipeline(data=self.config)
        if self.get_universe is not None:
            pipeline = Pipeline(config=pipeline.config, path=self.path, get_universe=self.get_universe)
        return resolve(pipeline, self.plugins.build())

    def pass_info(self, name: str) -> PassInfo:
        """The pass called ``name``."""
        return next(p for p in self.passes if p.name == name)


def _sections_of(path: Path) -> dict[str, Any]:
    """The Dagster-only sections of a YAML pipeline file (empty for other files)."""
    if path.suffix not in {".yaml", ".yml"} or not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError:
        return {}  # Basalt's loader reports it, naming the file
    if not isinstance(data, dict):
        return {}
    return {key: data[key] for key in DAGSTER_SECTIONS if key in data}


def _without_sections(path: Path) -> str:
    """The file's text with the Dagster-only top-level sections cut out (comments elsewhere kept)."""
    kept: list[str] = []
    skipping = False
    for line in path.read_text().splitlines(keepends=True):
        top = line[:1] not in {" ", "\t", "#", "\n", "\r", "-", ""}
        if top:
            skipping = any(line.startswith(f"{key}:") for key in DAGSTER_SECTIONS)
        if not skipping:
            kept.append(line)
    return "".join(kept)


def _load(pipeline: PipelineInput) -> tuple[Pipeline, dict[str, Any]]:
    if isinstance(pipeline, Pipeline):
        return pipeline, {}
    if isinstance(pipeline, AnalyticsConfig):
        return Pipeline(config=pipeline), {}
    if isinstance(pipeline, Mapping):
        data = dict(pipeline)
        sections = {key: data.pop(key) for key in DAGSTER_SECTIONS if key in data}
        return load_pipeline(data=data), sections
    path = Path(pipeline).resolve()
    sections = _sections_of(path)
    if not sections:
        return load_pipeline(path), {}
    # Basalt refuses unknown keys: load a sibling copy without them, so relative paths keep their folder.
    stripped = path.with_name(f".{path.stem}.{os.getpid()}-{uuid.uuid4().hex[:8]}{path.suffix}")
    stripped.write_text(_without_sections(path))
    try:
        loaded = load_pipeline(stripped)
    finally:
        stripped.unlink(missing_ok=True)
    return Pipeline(config=loaded.config, path=path, get_universe=loaded.get_universe), sections


def _pass_infos(resolved: ResolvedPipeline) -> tuple[PassInfo, ...]:
    config = resolved.config
    infos = []
    for resolved_pass in resolved.passes:
        lookback = 0
        if resolved_pass.scope == "panel":
            lookback = resolved_pass.config.lookback_days
            if lookback is None:
                lookback = max((m.module.lookback_days() for m in resolved_pass.modules), default=0)
        keys: list[str] = []
        for module in resolved_pass.modules:
            keys += [k for k in module.module.KEYS if k not in keys]
        infos.append(
            PassInfo(
                name=resolved_pass.name,
                scope=resolved_pass.scope,
                reads=tuple(sorted(resolved_pass.reads_passes())),
                lookback_days=int(lookback),
                keys=tuple(keys),
                output=resolved_pass.output_location(config.DATASETNAME, config.START_DATE),
            )
        )
    return tuple(infos)


def load_project(
    pipeline: PipelineInput, *, plugins: PluginSet | PluginManager | None = None
) -> BasaltProject:
    """Load, validate and resolve ``pipeline`` with ``plugins`` (default: the installed ones).

    Raises:
        basalt.engine.ConfigError: The pipeline is invalid (names the key and the pass).
        basalt.plugins.errors.PluginError: A plugin cannot be loaded or shipped to a step.
    """
    loaded, sections = _load(pipeline)
    if isinstance(plugins, PluginSet):
        plugin_set, manager = plugins, plugins.build()
    else:
        manager = plugins or get_plugin_manager()
        plugin_set = manager.plugin_set()
    resolved = resolve(loaded, manager)
    return BasaltProject(
        config=loaded.config.model_dump(mode="json"),
        plugins=plugin_set,
        passes=_pass_infos(resolved),
        tables=tuple(sorted(resolved.tables)),
        get_universe=loaded.get_universe,
        sections=sections,
        path=loaded.path,
    )


__all__ = ["BasaltProject", "PassInfo", "PipelineInput", "load_project"]
