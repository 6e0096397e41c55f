"""Command groups imported only when used: ``basalt --help`` must not pay for every command.

A lazy group is a ``typer.Typer`` whose click group loads the real app (``module:attr``) the
first time one of its commands, or its own help, is asked for. The root help lists lazy
groups from their summary alone, so listing commands imports no engine, Polars or pydantic.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperGroup

if TYPE_CHECKING:  # pragma: no cover - typing only: typer ≥ 0.20 vendors click (no `click` package)
    import click


def help_flag_off_by_default(option: Any) -> Any:
    """``option`` (a ``--help`` flag, or None) with the default False instead of None; returned."""
    if option is not None and option.default is None:
        option.default = False
    return option


def help_flags_off_by_default(command: click.Command, ctx: click.Context) -> None:
    """Give ``command``'s ``--help`` flag (and its sub-commands') the default False instead of None.

    typer ≥ 0.29 coerces each option's value through a pydantic ``TypeAdapter`` unless it is a
    bool flag already holding a bool. Its ``--help`` flag defaults to None, so every command
    built an adapter for ``--help`` — importing pydantic (~0.12 s), most of the cost of
    ``basalt plugins list``. False means the same to the flag and takes typer's bool path.
    """
    help_flag_off_by_default(command.get_help_option(ctx))
    for sub in getattr(command, "commands", {}).values():
        help_flags_off_by_default(sub, ctx)


class _LazyGroup(TyperGroup):
    """A click group standing in for the Typer app at :attr:`target` until it is needed."""

    target: str = ""

    def _real(self) -> click.Group:
        loaded = self.__dict__.get("_loaded")
        if loaded is None:
            module, _, attr = self.target.partition(":")
            app = getattr(importlib.import_module(module), attr)
            loaded = typer.main.get_group(app)
            self.__dict__["_loaded"] = loaded
        return loaded

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        # The real group parses its own options and runs its own callback (e.g. ``basalt demo``).
        real = self._real()
        if parent is not None:
            help_flags_off_by_default(real, parent)
        return real.make_context(info_name, args, parent=parent, **extra)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self._real().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self._real().get_command(ctx, cmd_name)

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self._real().format_help(ctx, formatter)


def lazy_group(name: str, summary: str, target: str, **options: Any) -> typer.Typer:
    """A Typer app named ``name`` (root help: ``summary``) whose commands come from ``target``.

    Args:
        name: The command group's name (``basalt NAME …``).
        summary: Its one-line help in ``basalt --help``.
        target: ``module:attribute`` of the real ``typer.Typer`` app.
        options: More ``typer.Typer`` options (``no_args_is_help`` is on by default).
    """
    cls = type(f"Lazy{name.title().replace('-', '')}Group", (_LazyGroup,), {"target": target})
    options.setdefault("no_args_is_help", True)
    return typer.Typer(name=name, help=summary, cls=cls, **options)


__all__ = ["help_flag_off_by_default", "help_flags_off_by_default", "lazy_group"]
