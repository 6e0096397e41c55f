"""Turn a validated configuration into plugin objects: source, modules, writers.

Every module, source and writer setting is validated here by the ``Config``
model of the plugin that owns it, and every problem is reported with its
config path (``PASSES[1].module_configs.trade.horizons``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from pydantic import ValidationError

from basalt.engine.config import AnalyticsConfig, PassConfig, PluginSettings
from basalt.engine.errors import ConfigError, config_path, explain_validation_error
from basalt.engine.loader import Pipeline
from basalt.modules.base import AnalyticModule, PreprocessorModule
from basalt.plugins.errors import PluginError
from basalt.plugins.manager import PluginManager
from basalt.sources.base import Source
from basalt.tables.base import Table
from basalt.timebuckets import TimeBuckets
from basalt.writers.base import OutputPartition, OutputWriter

PASS_PREFIX = "pass:"
"""How a pipeline file names an earlier pass's output in ``module_inputs`` (``pass:bars``)."""


@dataclass(frozen=True)
class InputRef:
    """Where one module input comes from: a table of the source, or an earlier pass's output."""

    kind: Literal["table", "pass"]
    name: str

    @classmethod
    def parse(cls, text: str) -> InputRef:
        """``"trades"`` → table ``trades``; ``"pass:bars"`` → pass ``bars``.

        The only place the ``pass:`` prefix is read.
        """
        if text.startswith(PASS_PREFIX):
            return cls("pass", text.removeprefix(PASS_PREFIX))
        return cls("table", text)

    def __str__(self) -> str:
        return f"{PASS_PREFIX}{self.name}" if self.kind == "pass" else self.name


@dataclass(frozen=True)
class ResolvedModule:
    """A configured module and where each of its inputs comes from."""

    name: str
    module: AnalyticModule | PreprocessorModule
    inputs: dict[str, InputRef]
    """Input name → the table or earlier pass it reads."""


@dataclass(frozen=True)
class ResolvedPass:
    """A pass ready to run."""

    config: PassConfig
    buckets: TimeBuckets
    modules: list[ResolvedModule]
    writer: OutputWriter

    @property
    def name(self) -> str:
        """The pass name."""
        return self.config.name

    def output_location(self, dataset: str, day: date) -> str:
        """Where this pass's output goes (``parquet: output/demo/bars``), for plans and reports."""
        partition = OutputPartition(dataset, self.name, day, ())
        return f"{self.writer.NAME}: {self.writer.location(partition)}"

    @property
    def scope(self) -> Literal["day", "panel"]:
        """``day``: one day of one symbol batch at a time; ``panel``: the whole universe over days."""
        return self.config.scope

    @property
    def effective_buckets(self) -> TimeBuckets:
        """The buckets modules see, after the timeline mode's override (the one place it is made).

        ``daily``: one bucket per trading date, labelled by the midnight ending it
        (closed left, so every instant of the date falls in it); ``event``:
        one-nanosecond buckets, so every event timestamp is its own label (events
        sharing a nanosecond are one row) and bucketed modules work unchanged.
        """
        mode = self.config.timeline_mode
        if mode == "daily":
            return TimeBuckets(seconds=86_400, anchor="end", closed="left")
        if mode == "event":
            return TimeBuckets(seconds=1e-9, anchor="end", closed="right")
        return self.buckets

    def tables(self) -> set[str]:
        """Raw tables this pass reads (a dense timeline also needs the market state)."""
        tables = {ref.name for m in self.modules for ref in m.inputs.values() if ref.kind == "table"}
        return tables | ({"marketstate"} if self.config.timeline_mode == "dense" else set())

    def reads_passes(self) -> set[str]:
        """Earlier passes whose output this pass reads."""
        return {ref.name for m in self.modules for ref in m.inputs.values() if ref.kind == "pass"}


@dataclass(frozen=True)
class ResolvedPipeline:
    """Everything a run needs, validated."""

    pipeline: Pipeline
    source: Source
    passes: list[ResolvedPass]
    tables: dict[str, type[Table]] = field(default_factory=dict)
    manager: PluginManager | None = None
    """The plugin manager it was resolved with (its plugin set goes into the run plan)."""

    @property
    def config(self) -> AnalyticsConfig:
        """The pipeline's configuration."""
        return self.pipeline.config


def _plugin(
    registry_call: object, settings: PluginSettings, loc: tuple[int | str, ...], problems: list[str]
) -> object | None:
    try:
        cls = registry_call[settings.type]  # type: ignore[index]
    except PluginError as exc:
        problems.append(f"{config_path((*loc, 'type'))}: {exc}")
        return None
    try:
        return cls(settings.settings())
    except ValidationError as exc:
        problems.extend(explain_validation_error(cls.Config, exc, prefix=loc))
        return None


def _resolve_module(
    manager: PluginManager,
    config_passes: list[PassConfig],
    index: int,
    name: str,
    problems: list[str],
) -> ResolvedModule | None:
    config = config_passes[index]
    loc: tuple[int | str, ...] = ("PASSES", index)
    # A pass lists analytics and preprocessors alike: a preprocessor's output is a
    # derived table, keyed by its own KEYS, that later passes read as ``pass:NAME``.
    # Analytics first: asking for the preprocessors imports every preprocessor module (the
    # replay kernels' numba among them), which a pipeline without preprocessors never needs.
    analytics = manager.analytics()
    cls: type[AnalyticModule] | type[PreprocessorModule]
    try:
        if name in analytics:
            cls = analytics[name]
        else:  # a preprocessor, or an unknown name: the analytics registry's error explains it
            preprocessors = manager.preprocessors()
            cls = preprocessors[name] if name in preprocessors else analytics[name]
    except PluginError as exc:
        problems.append(f"{config_path((*loc, 'modules'))}: {exc}")
        return None
    try:
        module = cls(config.module_configs.get(name, {}))
    except ValidationError as exc:
        problems.extend(explain_validation_error(cls.Config, exc, prefix=(*loc, "module_configs", name)))
        return None
    tables = manager.tables()
    mapping = config.module_inputs.get(name, {})
    inputs: dict[str, InputRef] = {}
    earlier = [p.name for p in config_passes[:index]]
    for input_name in module.input_names():
        ref = InputRef.parse(mapping.get(input_name, input_name))
        where = config_path((*loc, "module_inputs", name, input_name))
        if ref.kind == "table" and ref.name not in tables:
            problems.append(
                f"{where}: module {name!r} needs input "
                f"{input_name!r}, which is no table; map it to a table or to 'pass:NAME' of an earlier pass"
            )
        elif ref.kind == "pass" and ref.name not in earlier:
            problems.append(
                f"{where}: {ref} names no earlier pass; passes before this one: {earlier or 'none'}"
            )
        inputs[input_name] = ref
    stray = sorted(set(mapping) - set(module.input_names()))
    if stray:
        problems.append(
            f"{config_path((*loc, 'module_inputs', name))}: module {name!r} has no inputs {stray}; "
            f"its inputs are {list(module.input_names())}"
        )
    return ResolvedModule(name, module, inputs)


def resolve(pipeline: Pipeline, manager: PluginManager) -> ResolvedPipeline:
    """Validate every plugin choice and setting of ``pipeline``.

    Raises:
        ConfigError: Listing every problem found, each with its config path.
    """
    config = pipeline.config
    problems: list[str] = []
    source = _plugin(manager.sources(), config.SOURCE, ("SOURCE",), problems)
    passes = []
    for index, pass_config in enumerate(config.PASSES):
        modules = [
            _resolve_module(manager, config.PASSES, index, name, problems) for name in pass_config.modules
        ]
        settings = pass_config.output or config.OUTPUT_TARGET
        loc = ("PASSES", index, "output") if pass_config.output else ("OUTPUT_TARGET",)
        writer = _plugin(manager.output_writers(), settings, loc, problems)
        if writer is not None and all(modules):
            passes.append(
                ResolvedPass(pass_config, pass_config.buckets(config.TIME_BUCKET_SECONDS), modules, writer)  # type: ignore[arg-type]
            )
    needed = set().union(*(p.tables() for p in passes)) if passes else set()
    wanted = set(config.TABLES_TO_LOAD) if config.TABLES_TO_LOAD is not None else needed
    registry = manager.tables()
    for name in sorted(wanted):
        if name not in registry:
            problems.append(f"TABLES_TO_LOAD: {registry.__class__.__name__} has no table {name!r}")
    missing = sorted(needed - wanted)
    if missing:
        problems.append(f"TABLES_TO_LOAD: the passes need tables {missing} that are not listed")
    if problems:
        raise ConfigError(problems, source=str(pipeline.path) if pipeline.path else None)
    return ResolvedPipeline(
        pipeline=pipeline,
        source=source,  # type: ignore[arg-type]
        passes=passes,
        tables={name: registry[name] for name in sorted(wanted)},
        manager=manager,
    )
