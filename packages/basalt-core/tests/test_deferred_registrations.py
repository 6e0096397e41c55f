"""Deferred registrations: a name is known at once, its module imported on first use and checked then."""

from __future__ import annotations

import json
import sys
import textwrap
import types
from pathlib import Path

import pytest

from basalt import Deferred, hookimpl
from basalt.plugins import PluginLoadError, PluginManager
from basalt.testing import make_plugin_manager

MODULE_SOURCE = '''
import polars as pl
from basalt import AnalyticModule, ColumnDoc

class Spread(AnalyticModule):
    """A test module."""

    NAME = "{name}"

    def columns(self):
        return [ColumnDoc("X", unit="count", definition="A count.")]

    def compute(self, inputs, buckets):
        return pl.LazyFrame()

NOT_A_MODULE = 42
'''


@pytest.fixture
def lazy_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """An importable package ``lazy_mods_<n>`` with ``spread.py`` (NAME "spread")."""
    name = f"lazy_mods_{len(sys.modules)}"
    package = tmp_path / name
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "spread.py").write_text(textwrap.dedent(MODULE_SOURCE.format(name="spread")))
    monkeypatch.syspath_prepend(str(tmp_path))
    return name


def _plugin(*registrations: object) -> types.ModuleType:
    plugin = types.ModuleType("lazy_plugin")

    @hookimpl
    def basalt_register_analytics() -> list[object]:
        return list(registrations)

    plugin.basalt_register_analytics = basalt_register_analytics  # type: ignore[attr-defined]
    return plugin


def test_the_name_is_known_before_the_module_is_imported(lazy_package: str) -> None:
    registration = Deferred("spread", f"{lazy_package}.spread:Spread")
    manager = make_plugin_manager(builtins=False, lazy=_plugin(registration))
    registry = manager.analytics()
    assert list(registry) == ["spread"]
    assert f"{lazy_package}.spread" not in sys.modules
    (info,) = manager.plugins()
    assert info.provides == {"analytics": ["spread"]}
    assert f"{lazy_package}.spread" not in sys.modules
    module = registry["spread"]
    assert module.__name__ == "Spread"
    assert module.NAME == "spread"
    assert f"{lazy_package}.spread" in sys.modules
    assert manager.analytics()["spread"] is module  # imported once, served from then on


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("{pkg}.missing:Spread", "as '{pkg}.missing:Spread', which does not import: ModuleNotFoundError"),
        ("{pkg}.spread:Nope", "as '{pkg}.spread:Nope', which does not import: AttributeError"),
        ("{pkg}.spread:NOT_A_MODULE", "which is 42, not a subclass of basalt.AnalyticModule"),
    ],
)
def test_a_broken_reference_names_the_plugin_when_used(
    lazy_package: str, reference: str, expected: str
) -> None:
    reference, expected = reference.format(pkg=lazy_package), expected.format(pkg=lazy_package)
    manager = make_plugin_manager(builtins=False, lazy=_plugin(Deferred("spread", reference)))
    assert "spread" in manager.analytics()
    with pytest.raises(PluginLoadError, match="plugin 'lazy'") as raised:
        manager.analytics()["spread"]
    assert expected in str(raised.value)
    assert "basalt_register_analytics() registered analytics 'spread'" in str(raised.value)
    (info,) = manager.plugins()
    assert expected in (info.error or "")


def test_plugins_check_imports_every_deferred_registration(lazy_package: str) -> None:
    manager = make_plugin_manager(
        builtins=False,
        lazy=_plugin(
            Deferred("spread", f"{lazy_package}.spread:Spread"),
            Deferred("other", f"{lazy_package}.spread:Spread"),  # NAME differs from the registered name
        ),
    )
    (info,) = manager.plugins()
    assert info.error is None  # nothing imported yet: nothing known to be wrong
    (info,) = manager.plugins(load=True)
    assert f"as '{lazy_package}.spread:Spread', which has NAME 'spread', not 'other'" in (info.error or "")


@pytest.mark.parametrize(
    ("registration", "expected"),
    [
        (Deferred("Bad-Name", "pkg.mod:Cls"), "the name must be a lower-case identifier"),
        (Deferred("fine", "pkg.mod.Cls"), "the reference must read 'package.module:Attribute'"),
    ],
)
def test_malformed_deferred_registrations_are_rejected_at_once(registration: Deferred, expected: str) -> None:
    manager = make_plugin_manager(builtins=False, lazy=_plugin(registration))
    assert len(manager.analytics()) == 0
    (info,) = manager.plugins()
    assert expected in (info.error or "")


def test_a_pipeline_naming_a_broken_module_fails_with_its_config_path(lazy_package: str) -> None:
    from basalt.engine.errors import ConfigError
    from basalt.engine.loader import load_pipeline
    from basalt.engine.resolve import resolve

    manager = make_plugin_manager(lazy=_plugin(Deferred("spread", f"{lazy_package}.gone:Spread")))
    pipeline = load_pipeline(
        data={
            "START_DATE": "2026-01-05",
            "END_DATE": "2026-01-05",
            "DATASETNAME": "x",
            "SOURCE": {"type": "local", "root": "."},
            "PASSES": [{"name": "bars", "modules": ["spread"]}],
        }
    )
    with pytest.raises(ConfigError) as raised:
        resolve(pipeline, manager)
    assert "PASSES[0].modules" in str(raised.value) or "PASSES.0.modules" in str(raised.value)
    assert f"as '{lazy_package}.gone:Spread', which does not import" in str(raised.value)


def test_every_installed_deferred_registration_loads() -> None:
    # The core's and every installed add-on's registrations name real classes under
    # the same NAME (what `basalt plugins check` verifies in CI).
    manager = PluginManager(disabled=())
    broken = [f"{info.owner}: {info.error}" for info in manager.plugins(load=True) if info.error]
    assert not broken, broken
    assert manager.analytics()["trade"].NAME == "trade"


def test_analytics_list_skips_a_broken_module_and_names_it(lazy_package: str) -> None:
    # One plugin's broken reference must not hide every other module from `analytics list`.
    from typer.testing import CliRunner

    from basalt.cli import build_app

    manager = make_plugin_manager(
        lazy=_plugin(
            Deferred("spread", f"{lazy_package}.spread:Spread"),
            Deferred("gone", f"{lazy_package}.gone:Gone"),
        )
    )
    result = CliRunner().invoke(build_app(manager), ["analytics", "list", "--json"], obj=manager)
    assert result.exit_code == 0, result.output
    assert "skipped module 'gone'" in result.stderr
    assert f"'{lazy_package}.gone:Gone', which does not import" in result.stderr
    listed = {row["module"] for row in json.loads(result.stdout)}
    assert {"spread", "trade"} <= listed
    assert "gone" not in listed
