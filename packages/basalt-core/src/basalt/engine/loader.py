"""Read a pipeline file (YAML, or Python defining ``USER_CONFIG``) into an :class:`AnalyticsConfig`.

Overrides are applied to the raw mapping before validation, so a ``--set``
typo is caught exactly like a typo in the file.
"""

from __future__ import annotations

import copy
import runpy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import yaml
from pydantic import ValidationError

from basalt.engine.config import AnalyticsConfig
from basalt.engine.errors import ConfigError, explain_validation_error


@dataclass(frozen=True)
class Pipeline:
    """A validated pipeline configuration and where it came from."""

    config: AnalyticsConfig
    path: Path | None = None
    get_universe: Callable[[date], pl.DataFrame] | None = None
    """The file's own ``get_universe(date)``, which then replaces ``UNIVERSE``."""


def read_pipeline_file(path: Path) -> tuple[dict[str, Any], Callable[[date], pl.DataFrame] | None]:
    """The raw configuration mapping (and ``get_universe``, if any) a pipeline file defines."""
    if not path.is_file():
        raise ConfigError([f"pipeline file {path} does not exist"])
    if path.suffix in {".yaml", ".yml"}:
        try:
            data = yaml.safe_load(path.read_text()) or {}
        except yaml.YAMLError as exc:
            raise ConfigError([f"not valid YAML: {exc}"], source=str(path)) from exc
        if not isinstance(data, dict):
            raise ConfigError(["the file must hold a mapping of keys (START_DATE: …)"], source=str(path))
        return data, None
    if path.suffix == ".py":
        namespace = runpy.run_path(str(path), run_name="basalt_pipeline")
        if "USER_CONFIG" not in namespace:
            raise ConfigError(["a Python pipeline must define USER_CONFIG = {...}"], source=str(path))
        return dict(namespace["USER_CONFIG"]), namespace.get("get_universe")
    raise ConfigError([f"pipeline files are .yaml, .yml or .py, not {path.suffix!r}"], source=str(path))


def apply_override(data: dict[str, Any], assignment: str) -> None:
    """Apply one ``KEY.PATH=VALUE`` override in place (VALUE parsed as YAML: 5, true, [a, b])."""
    key, sep, raw = assignment.partition("=")
    if not sep or not key:
        raise ConfigError(
            [f"--set {assignment!r}: expected KEY=VALUE, e.g. PASSES.0.time_bucket_seconds=300"]
        )
    value = yaml.safe_load(raw) if raw.strip() else ""
    parts = key.split(".")
    node: Any = data
    for index, part in enumerate(parts[:-1]):
        child_key: Any = int(part) if isinstance(node, list) else part
        try:
            node = node[child_key]
        except (KeyError, IndexError, TypeError):
            if isinstance(node, dict):
                node = node.setdefault(part, {})
            else:
                raise ConfigError(
                    [f"--set {assignment!r}: {'.'.join(parts[: index + 1])} does not exist"]
                ) from None
    last: Any = int(parts[-1]) if isinstance(node, list) else parts[-1]
    try:
        node[last] = value
    except (IndexError, TypeError):
        raise ConfigError([f"--set {assignment!r}: cannot set {key} here"]) from None


def validate_config(data: Mapping[str, Any], *, source: str | None = None) -> AnalyticsConfig:
    """Validate a raw mapping, turning pydantic's errors into a :class:`ConfigError`."""
    try:
        return AnalyticsConfig.model_validate(dict(data))
    except ValidationError as exc:
        raise ConfigError(explain_validation_error(AnalyticsConfig, exc), source=source) from exc


def load_pipeline(
    path: Path | None = None,
    *,
    data: Mapping[str, Any] | None = None,
    overrides: Mapping[str, Any] | None = None,
    assignments: list[str] | None = None,
) -> Pipeline:
    """Load and validate a pipeline.

    Args:
        path: A ``.yaml``/``.yml`` or ``.py`` pipeline file.
        data: A raw configuration mapping instead of (or on top of) a file.
        overrides: Top-level keys replaced wholesale (CLI flags such as START_DATE).
        assignments: ``KEY.PATH=VALUE`` strings (``--set``), applied last.
    """
    raw: dict[str, Any] = {}
    get_universe = None
    if path is not None:
        raw, get_universe = read_pipeline_file(path)
    raw = copy.deepcopy({**raw, **(data or {})})
    raw.update({key: value for key, value in (overrides or {}).items() if value is not None})
    for assignment in assignments or []:
        apply_override(raw, assignment)
    config = validate_config(raw, source=str(path) if path else None)
    return Pipeline(config=config, path=path, get_universe=get_universe)
