"""The catalogue: every column any valid configuration of a module can produce.

``columns()`` answers for one configuration. The catalogue explores a module's
*option space*, derived from its pydantic ``Config``:

* the default configuration (or, when the config has required fields, the
  examples the module declares in ``CATALOGUE_CONFIGS``);
* every single change of one field: the other value of a ``bool``, each other
  value of a ``Literal``, each value of a multi-select
  ``tuple[Literal[...], ...]`` added to the default selection, every value of a
  bounded ``int`` (its bounds when the range is wide), a valid value for an
  optional number left at ``None``;
* "maximal" configurations: every multi-select full, every bounded int at its
  maximum, combined with each value of each ``bool`` and ``Literal`` field;
* and the configurations the module declares in ``CATALOGUE_CONFIGS``
  (settings on top of the defaults) for what the above cannot reach.

Each column is attributed to the first of these configurations producing it,
so its ``enabled_by`` is the smallest change from the defaults found. Columns
whose names embed free values (a horizon, a source column) are catalogued under
their pattern (``{Column}SMA{n}``) and :func:`find` matches any name of that
shape. Invalid combinations are skipped.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import annotated_types
from pydantic import BaseModel, ValidationError

from basalt.modules.base import AnalyticModule, PreprocessorModule
from basalt.modules.columns import ColumnDoc

Module = type[AnalyticModule] | type[PreprocessorModule]
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


@dataclass(frozen=True)
class CatalogueEntry:
    """One producible column of a module, with the configuration that produces it."""

    module: str
    kind: Literal["analytics", "preprocessor"]
    column: ColumnDoc
    enabled_by: Mapping[str, Any]
    """Settings (changes from the module's defaults) under which the module emits the column."""
    default: bool
    """True when the module's default configuration emits it."""

    @property
    def parameters(self) -> dict[str, str]:
        """Placeholder → value, read from the name against the pattern (``{Side}`` → ``Bid``)."""
        return pattern_parameters(self.column.pattern, self.column.name)

    def to_dict(self) -> dict[str, Any]:
        """The JSON row of ``basalt analytics list --all --json`` (see the CLI's docs)."""
        return {
            "module": self.module,
            "kind": self.kind,
            **self.column.to_dict(),
            "parameters": self.parameters,
            "enabled_by": dict(self.enabled_by),
            "default": self.default,
        }


def pattern_regex(pattern: str) -> re.Pattern[str]:
    """A regex matching the names a pattern stands for (each placeholder: one or more characters)."""
    parts, names, last = [], [], 0
    for match in _PLACEHOLDER.finditer(pattern):
        parts.append(re.escape(pattern[last : match.start()]))
        group = f"p{len(names)}"
        names.append(match.group(1))
        if pattern.startswith("{", match.end()):
            # Two placeholders side by side (``{Reference}{Aggregation}``): the first takes all
            # it can while the second still starts a PascalCase word or a number.
            parts.append(f"(?P<{group}>.+)(?=[A-Z0-9])")
        else:
            parts.append(f"(?P<{group}>.+?)")
        last = match.end()
    parts.append(re.escape(pattern[last:]))
    return re.compile("".join(parts) + r"\Z")


def pattern_parameters(pattern: str, name: str) -> dict[str, str]:
    """Placeholder → value of ``name`` under ``pattern``; empty when it has none or does not match."""
    placeholders = _PLACEHOLDER.findall(pattern)
    if not placeholders:
        return {}
    match = pattern_regex(pattern).match(name)
    if match is None:
        return {}
    return {placeholder: match.group(f"p{i}") for i, placeholder in enumerate(placeholders)}


def _literal_values(annotation: Any) -> tuple[Any, ...] | None:
    return typing.get_args(annotation) if typing.get_origin(annotation) is Literal else None


def _strip_optional(annotation: Any) -> tuple[Any, bool]:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return annotation, False


def _bounds(metadata: Sequence[Any]) -> tuple[float | None, float | None, bool]:
    low = high = None
    strict_low = False
    for item in metadata:
        if isinstance(item, annotated_types.Ge):
            low = item.ge
        elif isinstance(item, annotated_types.Gt):
            low, strict_low = item.gt, True
        elif isinstance(item, annotated_types.Le):
            high = item.le
        elif isinstance(item, annotated_types.Lt):
            high = item.lt
    return low, high, strict_low


def _field_options(annotation: Any, default: Any, metadata: Sequence[Any]) -> tuple[list[Any], Any | None]:
    """(single changes to try, the field's "maximal" value or None) for one config field."""
    inner, optional = _strip_optional(annotation)
    literal = _literal_values(inner)
    if inner is bool:
        return [not default], None
    if literal is not None:
        return [v for v in literal if v != default], None
    if typing.get_origin(inner) is tuple:
        args = typing.get_args(inner)
        values = _literal_values(args[0]) if len(args) == 2 and args[1] is Ellipsis else None
        if values is None:
            return [], None
        current = tuple(default or ())
        singles = [
            tuple(v for v in values if v in current or v == extra) for extra in values if extra not in current
        ]
        full = tuple(values)
        return [*singles, *([full] if full != current else [])], full
    if inner in (int, float):
        low, high, strict = _bounds(metadata)
        options: list[Any] = []
        if low is not None:
            options.append(inner(low + 1) if strict else inner(low))
        if inner is int and low is not None and high is not None and high - low <= 64:
            options.extend(range(int(options[-1]) + 1, int(high) + 1))  # every value: ``levels: 3``
        elif high is not None:
            options.append(inner(high))
        if optional and default is None and not options:
            options.append(inner(1))
        options = [v for v in dict.fromkeys(options) if v != default]
        return options, (
            inner(high) if high is not None else (options[0] if default is None and options else None)
        )
    return [], None


def option_configs(module_cls: Module) -> Iterator[dict[str, Any]]:
    """Settings (dicts of config fields) exploring the module's option space, smallest changes first."""
    declared = [dict(c) for c in getattr(module_cls, "CATALOGUE_CONFIGS", ())]
    bases: list[dict[str, Any]] = [{}] if _valid(module_cls, {}) else declared[:1]
    fields = module_cls.Config.model_fields
    singles: list[tuple[str, Any]] = []
    maximal: dict[str, Any] = {}
    scalar_choices: list[tuple[str, Any]] = []
    for name, info in fields.items():
        default = None if info.is_required() else info.get_default(call_default_factory=True)
        options, top = _field_options(info.annotation, default, info.metadata)
        singles.extend((name, option) for option in options)
        if top is not None:
            maximal[name] = top
        inner, _ = _strip_optional(info.annotation)
        if inner is bool or _literal_values(inner) is not None:
            scalar_choices.extend((name, option) for option in options)
    for base in bases:
        yield base
        for name, option in singles:
            yield {**base, name: option}
        yield {**base, **maximal}
        for name, option in scalar_choices:
            yield {**base, **maximal, name: option}
    for config in declared:
        yield config
        yield {**maximal, **config}


def _valid(module_cls: Module, settings: Mapping[str, Any]) -> bool:
    try:
        module_cls.Config.model_validate(dict(settings))
    except ValidationError:
        return False
    return True


def _changes(config: BaseModel, defaults: Mapping[str, Any]) -> dict[str, Any]:
    """Fields of ``config`` that differ from the defaults (nested models without their defaults)."""
    dumped = config.model_dump(mode="json")
    short = config.model_dump(mode="json", exclude_defaults=True)
    return {k: short.get(k, v) for k, v in dumped.items() if k not in defaults or defaults[k] != v}


@lru_cache(maxsize=256)
def catalogue(module_cls: Module, name: str | None = None) -> tuple[CatalogueEntry, ...]:
    """Every column the module can produce, each with the first configuration found to produce it.

    Args:
        module_cls: The module class.
        name: The name it is registered under (default ``NAME``).
    """
    kind: Literal["analytics", "preprocessor"] = (
        "preprocessor" if issubclass(module_cls, PreprocessorModule) else "analytics"
    )
    defaults = {
        field: info.get_default(call_default_factory=True)
        for field, info in module_cls.Config.model_fields.items()
        if not info.is_required()
    }
    defaults_json = module_cls.Config.model_construct(**defaults).model_dump(mode="json")
    defaults_json = {k: v for k, v in defaults_json.items() if k in defaults}
    entries: dict[str, CatalogueEntry] = {}
    seen: set[str] = set()
    for settings in option_configs(module_cls):
        try:
            config = module_cls.Config.model_validate(settings)
            key = config.model_dump_json()
            if key in seen:
                continue
            seen.add(key)
            columns = module_cls(config).columns()
        except (ValidationError, ValueError, TypeError):
            continue
        changes = _changes(config, defaults_json)
        for column in columns:
            if column.name not in entries:
                entries[column.name] = CatalogueEntry(
                    module=name or module_cls.NAME,
                    kind=kind,
                    column=column,
                    enabled_by=changes,
                    default=not changes,
                )
    return tuple(entries.values())


def _stem(pattern: str) -> str:
    return _PLACEHOLDER.sub("", pattern)


def find(entries: Sequence[CatalogueEntry], column: str) -> list[CatalogueEntry]:
    """Entries answering for ``column``, best first.

    Tried in order, stopping at the first that matches: the exact column name;
    the exact pattern (``AvgRestingTime{Side}``); the pattern without its
    placeholders (``AvgRestingTime``); any name of a pattern's shape
    (``TradeMarkout2500ms`` for ``TradeMarkout{Horizon}``, one entry per pattern).
    """
    for match in (
        lambda e: e.column.name == column,
        lambda e: e.column.pattern == column,
        lambda e: _PLACEHOLDER.search(e.column.pattern) is not None and _stem(e.column.pattern) == column,
    ):
        found = [e for e in entries if match(e)]
        if found:
            return found
    shaped: dict[tuple[str, str], CatalogueEntry] = {}
    for entry in entries:
        pattern = entry.column.pattern
        if (
            len(_stem(pattern)) >= 3
            and (entry.module, pattern) not in shaped
            and pattern_regex(pattern).match(column)
        ):
            shaped[(entry.module, pattern)] = entry
    return list(shaped.values())
