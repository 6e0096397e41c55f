"""Read a pipeline file (YAML, or Python defining ``USER_CONFIG``) into an :class:`AnalyticsConfig`.

Overrides are applied to the raw mapping before validation, so a ``--set``
typo is caught exactly like a typo in the file.

Relative paths written in a pipeline file (``SOURCE.root``, an output's
``root`` or ``sqlite:///`` URL, ``TEMP_DIR``) are relative to the file's folder,
so a pipeline runs the same from any working directory. Paths given on the
command line (``--data-root``, ``--output-root``, ``--set``) stay relative to
the working directory, as typed.

YAML dates are read as text and validated by pydantic, so a bad date is named
by its key (``START_DATE: …``) instead of failing inside the YAML parser.
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

from basalt.engine.config import AnalyticsConfig, place_lock_files
from basalt.engine.errors import ConfigError, explain_validation_error


@dataclass(frozen=True)
class Pipeline:
    """A validated pipeline configuration and where it came from."""

    config: AnalyticsConfig
    path: Path | None = None
    get_universe: Callable[[date], pl.DataFrame] | None = None
    """The file's own ``get_universe(date)``, which then replaces ``UNIVERSE``."""


class _Loader(yaml.SafeLoader):
    """YAML's safe loader without implicit timestamps: ``2026-13-05`` stays text for pydantic to name."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse_yaml(text: str) -> Any:
    """YAML as pipeline files are read: safe, with dates left as text."""
    return yaml.load(text, Loader=_Loader)  # _Loader is a SafeLoader: no arbitrary objects


def _rebased(value: Any, folder: Path) -> Any:
    """A relative local path (``str`` or ``Path``) under ``folder``; URLs and absolute paths unchanged."""
    if not isinstance(value, str | Path):
        return value
    text = str(value)
    if not text or "://" in text or Path(text).is_absolute():
        return value
    return str(folder / text)


def _rebased_url(url: Any, folder: Path) -> Any:
    """A ``sqlite:///relative/file.db`` URL under ``folder``; other URLs unchanged."""
    prefix = "sqlite:///"
    if not isinstance(url, str) or not url.startswith(prefix) or url.startswith(prefix + "/"):
        return url
    name = url.removeprefix(prefix)
    if not name or name.startswith(":memory:"):
        return url
    return prefix + str(folder / name)


def rebase_paths(data: dict[str, Any], folder: Path) -> dict[str, Any]:
    """``data`` with the relative paths a pipeline file holds made relative to ``folder`` (its folder).

    Rebased: ``SOURCE.root``, ``TEMP_DIR``, and ``root`` / ``url`` (SQLite files)
    of ``OUTPUT_TARGET`` and of every pass's ``output``. Values that are not
    plain relative paths (URLs, absolute paths, anything not text) are kept.
    """
    if folder == Path("."):
        return data
    data = copy.deepcopy(data)
    targets = [data.get("SOURCE"), data.get("OUTPUT_TARGET")]
    passes = data.get("PASSES")
    if isinstance(passes, list):
        targets += [p.get("output") for p in passes if isinstance(p, dict)]
    for target in targets:
        if not isinstance(target, dict):
            continue
        if "root" in target:
            target["root"] = _rebased(target["root"], folder)
        if "url" in target:
            target["url"] = _rebased_url(target["url"], folder)
    if "TEMP_DIR" in data and data["TEMP_DIR"] is not None:
        data["TEMP_DIR"] = _rebased(data["TEMP_DIR"], folder)
    return data


def read_pipeline_file(path: Path) -> tuple[dict[str, Any], Callable[[date], pl.DataFrame] | None]:
    """The raw configuration mapping (and ``get_universe``, if any) a pipeline file defines."""
    if not path.is_file():
        raise ConfigError([f"pipeline file {path} does not exist"])
    if path.suffix in {".yaml", ".yml"}:
        try:
            data = parse_yaml(path.read_text()) or {}
        except yaml.YAMLError as exc:
            raise ConfigError([f"not valid YAML: {exc}"], source=str(path)) from exc
        if not isinstance(data, dict):
            raise ConfigError(["the file must hold a mapping of keys (START_DATE: …)"], source=str(path))
        return data, None
    if path.suffix == ".py":
        try:
            namespace = runpy.run_path(str(path), run_name="basalt_pipeline")
        except Exception as exc:  # the user's own code: its error is a configuration problem
            raise ConfigError(
                [f"running the file failed: {type(exc).__name__}: {exc}"], source=str(path)
            ) from exc
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
    try:
        value = parse_yaml(raw) if raw.strip() else ""
    except yaml.YAMLError as exc:
        raise ConfigError([f"--set {assignment!r}: the value is not valid YAML ({exc})"]) from None
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
        path: A ``.yaml``/``.yml`` or ``.py`` pipeline file; relative paths in it are relative to
            its folder (:func:`rebase_paths`).
        data: A raw configuration mapping instead of (or on top of) a file.
        overrides: Top-level keys replaced wholesale (CLI flags such as START_DATE).
        assignments: ``KEY.PATH=VALUE`` strings (``--set``), applied last.
    """
    raw: dict[str, Any] = {}
    get_universe = None
    if path is not None:
        raw, get_universe = read_pipeline_file(path)
        raw = rebase_paths(raw, path.parent)
    raw = copy.deepcopy({**raw, **(data or {})})
    raw.update({key: value for key, value in (overrides or {}).items() if value is not None})
    for assignment in assignments or []:
        apply_override(raw, assignment)
    if path is not None:  # after --set, which may turn a schema lock on
        raw = place_lock_files(raw, path)
    config = validate_config(raw, source=str(path) if path else None)
    return Pipeline(config=config, path=path, get_universe=get_universe)
