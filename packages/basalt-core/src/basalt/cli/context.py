"""Shared helpers of the CLI layer: which plugin manager, how to print."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import typer

from basalt.plugins.manager import PluginManager, get_plugin_manager

if TYPE_CHECKING:  # pragma: no cover - typing only
    from rich.console import Console


def plugin_manager(ctx: typer.Context) -> PluginManager:
    """The manager the app was started with (tests pass one as ``obj``)."""
    obj = ctx.find_root().obj
    return obj if isinstance(obj, PluginManager) else get_plugin_manager()


def print_json(data: Any) -> None:
    """Machine-readable output on stdout, nothing else mixed in."""
    typer.echo(json.dumps(data, indent=2, default=str))


def console() -> Console:
    """A rich console on stdout (plain text when piped)."""
    from rich.console import Console  # on first print, not at start-up

    return Console(soft_wrap=True)


def error_console() -> Console:
    """A rich console on stderr for errors and warnings."""
    from rich.console import Console

    return Console(stderr=True)
