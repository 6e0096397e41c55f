"""``basalt plugins …``: what is installed and whether it works."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table as RichTable

from basalt.cli.context import console, error_console, plugin_manager, print_json
from basalt.plugins.info import PluginInfo
from basalt.plugins.manager import PluginManager

app = typer.Typer(name="plugins", help="Inspect installed Basalt plugins.", no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
AllOption = Annotated[bool, typer.Option("--all", help="Include the core's built-in plugins.")]


def _selected(ctx: typer.Context, include_builtins: bool, *, cached: bool = True) -> list[PluginInfo]:
    infos = _plugin_infos(ctx, cached=cached)
    return [info for info in infos if include_builtins or not info.builtin]


def _plugin_infos(ctx: typer.Context, *, cached: bool) -> list[PluginInfo]:
    """Every plugin's info: from the plugin cache when the installed code is unchanged.

    Only the process-wide manager is cached (a manager handed in by a test or an
    embedding program may hold plugins registered in code, which no key describes).
    """
    from basalt.plugins import cache

    manager = plugin_manager(ctx)
    default = not isinstance(ctx.find_root().obj, PluginManager)
    key = cache.cache_key() if cached and default else None
    if key is not None:
        hit = cache.load(key)
        if hit is not None:
            return hit
    # Deferred registrations are imported too: a broken one is shown (and never cached).
    infos = manager.plugins(load=True)
    if key is not None:
        cache.store(key, infos)
    return infos


def _provides_text(info: PluginInfo) -> str:
    return "\n".join(f"{kind}: {', '.join(names)}" for kind, names in info.provides.items() if names)


@app.command("list")
def list_plugins(
    ctx: typer.Context, as_json: JsonOption = False, include_builtins: AllOption = False
) -> None:
    """List plugins with their distribution, version, hooks and what they provide.

    Always exits 0: a broken plugin is shown with its error, not raised.
    """
    infos = _selected(ctx, include_builtins)
    if as_json:
        print_json([info.to_dict() for info in infos])
        return
    if not infos:
        console().print("No add-on plugins installed (use --all to include built-ins).")
        return
    table = RichTable(title="Basalt plugins", show_lines=True)
    for column in ("name", "distribution", "version", "status"):
        table.add_column(column, overflow="fold", min_width=7)
    for column in ("hooks", "provides"):
        table.add_column(column, overflow="fold", min_width=12)
    for info in infos:
        status = "[yellow]disabled[/]" if info.disabled else "[red]error[/]" if info.error else "[green]ok[/]"
        hooks = "\n".join(hook.removeprefix("basalt_register_") for hook in info.hooks)
        cells = (info.name, info.distribution, info.version)
        table.add_row(*map(escape, cells), status, escape(hooks), escape(_provides_text(info)))
    out = console()
    out.print(table)
    # Errors go below the table, unwrapped, so they can be read and searched whole.
    for info in infos:
        if info.error:
            out.print(f"[red]error[/] in {escape(info.owner)}: {escape(info.error)}", soft_wrap=True)


@app.command("check")
def check_plugins(ctx: typer.Context, include_builtins: AllOption = True) -> None:
    """Exit 1 if any plugin failed to load or conflicts with another (for CI)."""
    # Always loads every plugin for real: this is the command CI relies on.
    broken = [info for info in _selected(ctx, include_builtins, cached=False) if info.error]
    for info in broken:
        error_console().print(f"[red]{escape(info.owner)}[/]: {escape(info.error)}", soft_wrap=True)
    if broken:
        raise typer.Exit(1)
    console().print("All plugins loaded without errors.")


@app.command("new")
def new_plugin(
    name: Annotated[str, typer.Argument(help="Distribution name, e.g. demo-plugin (package demo_plugin).")],
    directory: Annotated[
        Path, typer.Option("--dir", "-d", help="Folder to create the plugin folder in.")
    ] = Path("."),
) -> None:
    """Scaffold a plugin distribution (entry point, plugin.py, one metric, tests, README, CHANGELOG)."""
    from basalt.cli.scaffold import new_plugin as scaffold_plugin

    scaffold_plugin(name, directory)
