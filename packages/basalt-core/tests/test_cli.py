"""The ``basalt`` CLI: command groups from plugins, plugin listing, analytics docs."""

from __future__ import annotations

import json
import subprocess
import sys
import types
from collections.abc import Callable

import polars as pl
import typer
from typer.testing import CliRunner

from basalt import AnalyticModule, ColumnDoc, ModuleConfig, hookimpl
from basalt.__about__ import __version__
from basalt.cli import build_app
from basalt.plugins import PluginManager
from basalt.testing import make_plugin_manager

runner = CliRunner()


def _invoke(manager: PluginManager, *args: str) -> tuple[int, str]:
    result = runner.invoke(build_app(manager), list(args), obj=manager)
    return result.exit_code, result.output


class _SpreadConfig(ModuleConfig):
    """Config of the test spread module."""

    levels: int = 2


class _Spread(AnalyticModule):
    """Quoted spread per level."""

    NAME = "spread_levels"
    Config = _SpreadConfig

    def columns(self) -> list[ColumnDoc]:
        return [
            ColumnDoc(
                f"SpreadAbs{level}",
                pattern="SpreadAbs{Level}",
                unit="price",
                definition=f"Ask{level} - Bid{level}.",
                sources=("l2.AskPrice", "l2.BidPrice"),
            )
            for level in range(1, self.config.levels + 1)
        ]

    def compute(self, inputs, buckets):  # pragma: no cover - not run by the CLI
        return pl.LazyFrame()


def _plugin(**hooks: Callable[[], object]) -> types.ModuleType:
    plugin = types.ModuleType("test_plugin")
    for name, function in hooks.items():
        setattr(plugin, name, hookimpl(function))
    return plugin


def test_plugins_list_json_describes_each_plugin() -> None:
    manager = make_plugin_manager(mine=_plugin(basalt_register_analytics=lambda: [_Spread]))
    code, output = _invoke(manager, "plugins", "list", "--json")
    assert code == 0
    (entry,) = json.loads(output)
    assert entry["name"] == "mine"
    assert entry["hooks"] == ["basalt_register_analytics"]
    assert entry["provides"] == {"analytics": ["spread_levels"]}
    assert entry["error"] is None
    assert set(entry) >= {"name", "distribution", "version", "hooks", "provides", "error"}


def test_plugins_list_all_includes_builtins() -> None:
    code, output = _invoke(make_plugin_manager(), "plugins", "list", "--json", "--all")
    assert code == 0
    builtins = {entry["name"]: entry for entry in json.loads(output)}
    assert all(entry["builtin"] and entry["version"] == __version__ for entry in builtins.values())
    commands = builtins["basalt.builtin.commands"]["provides"]["commands"]
    assert commands == ["plugins", "analytics", "pipeline", "data", "job", "runs", "demo"]
    assert builtins["basalt.builtin.tables"]["provides"]["tables"][:2] == ["trades", "l2"]
    assert builtins["basalt.builtin.executors"]["provides"]["executors"] == ["local", "ec2"]


def test_plugins_list_exits_zero_and_shows_a_broken_plugin() -> None:
    def boom() -> list[object]:
        raise ImportError("no module named 'talib'")

    manager = make_plugin_manager(broken=_plugin(basalt_register_analytics=boom))
    code, output = _invoke(manager, "plugins", "list")
    assert code == 0
    assert "broken" in output
    assert "talib" in output
    code, output = _invoke(manager, "plugins", "check")
    assert code == 1


def test_plugin_command_groups_join_the_cli() -> None:
    group = typer.Typer(name="hello", help="Greets.")

    @group.command()
    def world() -> None:
        typer.echo("hello from a plugin")

    manager = make_plugin_manager(greeter=_plugin(basalt_register_commands=lambda: [group]))
    assert _invoke(manager, "hello", "world") == (0, "hello from a plugin\n")


def test_a_command_group_clashing_with_a_core_group_is_skipped_not_fatal() -> None:
    clash = typer.Typer(name="plugins", help="Impostor.")
    manager = make_plugin_manager(clash=_plugin(basalt_register_commands=lambda: [clash]))
    code, output = _invoke(manager, "plugins", "list", "--json", "--all")
    assert code == 0
    infos = {entry["name"]: entry for entry in json.loads(output)}
    assert "registered twice" in infos["clash"]["error"]


def test_version_lists_installed_basalt_distributions() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "basalt", "--version"], capture_output=True, text=True, check=True
    )
    assert f"bmll-basalt {__version__}" in result.stdout.splitlines()


def test_analytics_list_and_explain_read_the_column_docs() -> None:
    manager = make_plugin_manager(mine=_plugin(basalt_register_analytics=lambda: [_Spread]))
    code, output = _invoke(manager, "analytics", "list", "--json")
    assert code == 0
    ours = [row["name"] for row in json.loads(output) if row["module"] == "spread_levels"]
    assert ours == ["SpreadAbs1", "SpreadAbs2"]
    code, output = _invoke(manager, "analytics", "explain", "SpreadAbs2", "--json")
    assert code == 0
    explained = json.loads(output)
    assert explained["definition"] == "Ask2 - Bid2."
    assert explained["pattern"] == "SpreadAbs{Level}"
    assert explained["module"] == "spread_levels"
    assert explained["plugin"] == "mine"


def test_explain_unknown_column_suggests_close_names() -> None:
    manager = make_plugin_manager(mine=_plugin(basalt_register_analytics=lambda: [_Spread]))
    result = CliRunner().invoke(build_app(manager), ["analytics", "explain", "SpreadAbz1"], obj=manager)
    assert result.exit_code == 1
    assert "SpreadAbs1" in result.output


def test_explain_answers_for_a_preprocessor_column() -> None:
    from basalt import ColumnDoc, PreprocessorModule, hookimpl
    from basalt.testing import make_plugin_manager

    class Derived(PreprocessorModule):
        """A derived table."""

        NAME = "derived_table"
        KEYS = ("ListingId",)

        def columns(self) -> list[ColumnDoc]:
            return [ColumnDoc("DerivedThing", unit="count", definition="Things derived.")]

        def compute(self, inputs, buckets):  # pragma: no cover - not run
            raise NotImplementedError

    class Hooks:
        @hookimpl
        def basalt_register_preprocessors(self):  # type: ignore[no-untyped-def]
            return [Derived]

    code, output = _invoke(
        make_plugin_manager(hooks=Hooks()), "analytics", "explain", "DerivedThing", "--json"
    )
    assert code == 0, output
    assert '"module": "derived_table"' in output
