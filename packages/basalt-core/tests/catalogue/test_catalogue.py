"""The catalogue: every producible column of every installed module is listed and explained.

Completeness is checked against configurations the catalogue does not try
itself: random valid configurations (several fields changed at once, random
subsets of multi-selects, random bounded numbers), whose columns must each be
found in the catalogue of their module.
"""

from __future__ import annotations

import json
import random
import types
import typing
from typing import Any

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from basalt import hookimpl
from basalt.cli import build_app
from basalt.cli.analytics_cmd import explain_row
from basalt.modules.catalogue import (
    _bounds,
    _literal_values,
    _strip_optional,
    catalogue,
    find,
    pattern_parameters,
)
from basalt.plugins.manager import get_plugin_manager

MANAGER = get_plugin_manager()
MODULES = sorted({**MANAGER.analytics(), **MANAGER.preprocessors()}.items())
runner = CliRunner()


def _cli(*args: str) -> tuple[int, str]:
    result = runner.invoke(build_app(MANAGER), list(args), obj=MANAGER)
    return result.exit_code, result.output


def _random_value(rng: random.Random, annotation: Any, metadata: list[Any], default: Any) -> Any:
    inner, optional = _strip_optional(annotation)
    if optional and rng.random() < 0.2:
        return None
    literal = _literal_values(inner)
    if inner is bool:
        return rng.random() < 0.5
    if literal is not None:
        return rng.choice(literal)
    if typing.get_origin(inner) is tuple:
        values = _literal_values(typing.get_args(inner)[0])
        if values is None:
            return default
        return tuple(v for v in values if rng.random() < 0.5)
    if inner in (int, float):
        low, high, strict = _bounds(metadata)
        low = (low or 0) + (1 if strict else 0)
        high = high if high is not None else low + 50
        return rng.randint(int(low), int(high)) if inner is int else rng.uniform(low, high)
    return default


def _random_configs(module_cls: type, count: int, seed: int) -> list[Any]:
    rng = random.Random(seed)
    bases = [dict(c) for c in getattr(module_cls, "CATALOGUE_CONFIGS", ())] or [{}]
    configs = []
    for _ in range(count * 3):
        settings = dict(rng.choice(bases))
        for name, info in module_cls.Config.model_fields.items():
            if name in settings or rng.random() < 0.5:
                continue
            default = None if info.is_required() else info.get_default(call_default_factory=True)
            settings[name] = _random_value(rng, info.annotation, info.metadata, default)
        try:
            configs.append(module_cls.Config.model_validate(settings))
        except ValidationError:
            continue
        if len(configs) == count:
            break
    return configs


@pytest.mark.parametrize(("name", "module_cls"), MODULES, ids=lambda v: str(v))
def test_random_valid_configurations_produce_only_catalogued_columns(name: str, module_cls: type) -> None:
    entries = catalogue(module_cls, name)
    assert entries, f"{name}: empty catalogue"
    configs = _random_configs(module_cls, 25, seed=sum(map(ord, name)))
    assert configs, f"{name}: no valid random configuration"
    for config in configs:
        for doc in module_cls(config).columns():
            found = find(entries, doc.name)
            assert found, f"{name} emits {doc.name!r}, absent from its catalogue"
            assert found[0].module == name, (
                f"{name} emits {doc.name!r} under {config.model_dump(exclude_defaults=True)} "
                "but its catalogue does not list it"
            )


def test_the_catalogue_contains_every_default_column() -> None:
    for name, module_cls in MODULES:
        try:
            defaults = [doc.name for doc in module_cls().columns()]
        except ValidationError:
            continue
        entries = {e.column.name: e for e in catalogue(module_cls, name)}
        assert all(entries[column].default for column in defaults), name
        assert all(entries[column].enabled_by == {} for column in defaults), name


def test_every_listed_column_is_explained_by_the_cli() -> None:
    code, output = _cli("analytics", "list", "--all", "--json")
    assert code == 0, output
    rows = json.loads(output)
    assert {row["module"] for row in rows} == {name for name, _ in MODULES}
    keys = {"module", "kind", "summary", "plugin", "distribution", "name", "pattern", "parameters", "unit",
            "definition", "sources", "dtype", "additive", "enabled_by", "default"}  # fmt: skip
    assert all(set(row) == keys for row in rows)
    by_module: dict[str, set[str]] = {}
    for row in rows:
        by_module.setdefault(row["module"], set()).add(row["name"])
    for row in rows:  # every column, through the function the command prints
        explained = explain_row(MANAGER, row["name"])
        assert explained is not None, row["name"]
        # A name two modules emit is explained by one of them; it must be one that lists it.
        assert row["name"] in by_module[explained["module"]]
        assert explained["name"] == row["name"]
        if explained["module"] == row["module"]:
            assert {k: explained[k] for k in row} == row
    for module in sorted(by_module):  # and the command itself, one column per module
        name = min(by_module[module])
        code, output = _cli("analytics", "explain", name, "--json")
        assert code == 0, output
        assert json.loads(output) == explain_row(MANAGER, name)


def test_avg_resting_time_is_explained_with_the_config_that_produces_it() -> None:
    code, output = _cli("analytics", "explain", "AvgRestingTime", "--json")
    assert code == 0, output
    explained = json.loads(output)
    assert explained["module"] == "l3"
    assert explained["enabled_by"] == {"advanced": ["AvgRestingTime"]}
    assert explained["default"] is False
    assert set(explained["matches"]) == {"AvgRestingTimeBid", "AvgRestingTimeAsk"}
    code, text = _cli("analytics", "explain", "AvgRestingTimeAsk")
    assert code == 0
    assert 'produced by: l3 with advanced=["AvgRestingTime"]' in text


def test_a_bounded_int_is_attributed_its_smallest_value() -> None:
    code, output = _cli("analytics", "explain", "OFI3", "--json")
    assert code == 0, output
    assert json.loads(output)["enabled_by"] == {"levels": 3}


def test_free_names_are_explained_by_their_pattern() -> None:
    code, output = _cli("analytics", "explain", "MidpriceSMA50", "--json")
    assert code == 0, output
    explained = json.loads(output)
    assert (explained["module"], explained["pattern"]) == ("indicators", "{Column}SMA{n}")
    code, output = _cli("analytics", "explain", "NoSuchColumnAnywhere")
    assert code == 1


def test_pattern_parameters_read_names() -> None:
    assert pattern_parameters("Trade{Side}Volume", "TradeBidVolume") == {"Side": "Bid"}
    assert pattern_parameters("BidPrice{Level}", "BidPrice10") == {"Level": "10"}
    adjacent = pattern_parameters("TradeDiscrepancy{Reference}{Aggregation}", "TradeDiscrepancyMidAtVenueMax")
    assert adjacent == {"Reference": "MidAtVenue", "Aggregation": "Max"}
    assert pattern_parameters("Spread", "Spread") == {}
    assert pattern_parameters("Trade{Side}Volume", "Other") == {}


def test_list_all_and_pipeline_exclude_each_other() -> None:
    code, _ = _cli("analytics", "list", "--all", "--pipeline", "x.yaml")
    assert code != 0


def test_a_module_without_an_example_config_is_named_not_hidden() -> None:
    from basalt import AnalyticModule, ColumnDoc, ModuleConfig
    from basalt.testing import make_plugin_manager

    class NeedsConfig(ModuleConfig):
        """Config with a required field."""

        column: str

    class Opaque(AnalyticModule):
        """Columns named by configuration."""

        NAME = "opaque"
        Config = NeedsConfig

        def columns(self) -> list[ColumnDoc]:
            return [ColumnDoc(self.config.column, unit="x", definition="Configured.")]

        def compute(self, inputs, buckets):  # type: ignore[no-untyped-def]  # pragma: no cover
            raise NotImplementedError

    plugin = types.ModuleType("opaque_plugin")
    plugin.basalt_register_analytics = hookimpl(lambda: [Opaque])  # type: ignore[attr-defined]
    manager = make_plugin_manager(plugin)
    result = runner.invoke(build_app(manager), ["analytics", "list", "--all"], obj=manager)
    assert result.exit_code == 0, result.output
    assert "opaque: columns depend on configuration" in result.output
    assert catalogue(Opaque) == ()
