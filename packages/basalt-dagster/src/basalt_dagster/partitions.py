"""Partitions: trading date × universe, and the lookback mapping of panel passes.

Dates are the weekdays of the pipeline's ``START_DATE``..``END_DATE`` minus the
market's holidays (given to :func:`basalt_dagster.build_definitions`); universes
are named :class:`~basalt.UniverseSpec` selections (default: the pipeline's own
``UNIVERSE``). A Dagster partition key is ``date|universe`` (multi-partitions).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

import dagster as dg

from basalt import UniverseSpec

DATE_DIMENSION = "date"
UNIVERSE_DIMENSION = "universe"
_FORBIDDEN = {"|": "/", ",": "+", "[": "(", "]": ")"}
"""Characters Dagster refuses in a static partition key, and their replacements."""

UniversesInput = Mapping[str, UniverseSpec | str | Mapping[str, Any]] | Sequence[UniverseSpec | str] | None


def trading_calendar(start: date, end: date, holidays: Iterable[date | str] = ()) -> list[date]:
    """Weekdays in ``[start, end]`` that are not ``holidays``."""
    closed = {d if isinstance(d, date) else date.fromisoformat(d) for d in holidays}
    days = (start + timedelta(days=offset) for offset in range((end - start).days + 1))
    return [day for day in days if day.weekday() < 5 and day not in closed]


def universe_key(spec: UniverseSpec) -> str:
    """A partition key for ``spec``: its description with Dagster's forbidden characters replaced."""
    text = spec.describe()
    for bad, good in _FORBIDDEN.items():
        text = text.replace(bad, good)
    return text


def _spec(value: UniverseSpec | str | Mapping[str, Any]) -> UniverseSpec:
    if isinstance(value, UniverseSpec):
        return value
    if isinstance(value, str):
        return UniverseSpec.parse(value)
    return UniverseSpec.model_validate(dict(value))


def named_universes(universes: UniversesInput, default: UniverseSpec) -> dict[str, UniverseSpec]:
    """Partition key → universe: a mapping as given, a list keyed by description, or the default.

    Raises:
        ValueError: A key holds a character Dagster refuses, or two universes share a key.
    """
    if universes is None:
        return {universe_key(default): default}
    if isinstance(universes, Mapping):
        named = {str(name): _spec(value) for name, value in universes.items()}
    else:
        specs = [_spec(value) for value in universes]
        named = {universe_key(spec): spec for spec in specs}
        if len(named) != len(specs):
            raise ValueError(f"universes {[s.describe() for s in specs]} repeat a selection")
    for name in named:
        bad = sorted(set(name) & set(_FORBIDDEN))
        if bad or not name:
            raise ValueError(f"universe name {name!r} is empty or holds {bad}, which Dagster refuses")
    if not named:
        raise ValueError("universes is empty: give at least one")
    return named


def partitions_def(days: list[date], universes: Iterable[str]) -> dg.MultiPartitionsDefinition:
    """The date × universe partitions of every Basalt asset."""
    return dg.MultiPartitionsDefinition(
        {
            DATE_DIMENSION: dg.StaticPartitionsDefinition([d.isoformat() for d in days]),
            UNIVERSE_DIMENSION: dg.StaticPartitionsDefinition(list(universes)),
        }
    )


def lookback_mapping(days: list[date], lookback: int) -> dg.PartitionMapping:
    """A panel pass's date ``d`` needs its inputs' ``d`` and the ``lookback`` trading days before.

    The universe dimension maps to itself. Days before the calendar's first day
    are not partitions; the panel pass reads whatever Basalt stored for them.
    """
    downstream: dict[str, set[str]] = {d.isoformat(): set() for d in days}
    for index, day in enumerate(days):
        for earlier in days[max(0, index - lookback) : index + 1]:
            downstream[earlier.isoformat()].add(day.isoformat())
    return dg.MultiPartitionMapping(
        {
            DATE_DIMENSION: dg.DimensionPartitionMapping(
                DATE_DIMENSION, dg.StaticPartitionMapping(downstream)
            ),
            UNIVERSE_DIMENSION: dg.DimensionPartitionMapping(
                UNIVERSE_DIMENSION, dg.IdentityPartitionMapping()
            ),
        }
    )


def parse_partition(text: str) -> dict[str, str]:
    """``date=2026-01-05,universe=all`` → ``{"date": ..., "universe": ...}`` (the CLI's form)."""
    parts: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = part.partition("=")
        if not sep or key.strip() not in {DATE_DIMENSION, UNIVERSE_DIMENSION}:
            raise ValueError(f"partition part {part!r}: expected date=YYYY-MM-DD or universe=NAME")
        parts[key.strip()] = value.strip()
    if DATE_DIMENSION not in parts:
        raise ValueError(f"partition {text!r} names no date (date=YYYY-MM-DD)")
    return parts


__all__ = [
    "DATE_DIMENSION",
    "UNIVERSE_DIMENSION",
    "lookback_mapping",
    "named_universes",
    "parse_partition",
    "partitions_def",
    "trading_calendar",
    "universe_key",
]
