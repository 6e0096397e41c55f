"""The ``basalt`` command line: a thin layer over plugin-contributed command groups."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from basalt.cli.errors import DEBUG_ENV_VAR, DEBUG_META_KEY, BasaltGroup
from basalt.plugins.distributions import installed_basalt_distributions
from basalt.plugins.manager import PluginManager, get_plugin_manager


def _print_versions() -> None:
    for name, version in installed_basalt_distributions():
        typer.echo(f"{name} {version}")


def _version_callback(value: bool) -> None:
    if value:
        _print_versions()
        raise typer.Exit()


def build_app(manager: PluginManager | None = None) -> typer.Typer:
    """The root Typer app with every command group plugins registered.

    A plugin that fails is recorded by the manager (see ``basalt plugins
    list``), never raised here: the CLI always starts. Errors a command raises
    are reported by :class:`basalt.cli.errors.BasaltGroup`: a clean message and
    an exit code, or the traceback with ``--debug``.
    """
    manager = manager or get_plugin_manager()
    app = typer.Typer(
        name="basalt",
        help="Basalt: high-frequency market data into analytics tables.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        cls=BasaltGroup,
    )

    @app.callback()
    def root(
        ctx: typer.Context,
        version: Annotated[
            bool,
            typer.Option(
                "--version",
                "-V",
                help="Print the version of every installed Basalt distribution and exit.",
                is_eager=True,
                callback=_version_callback,
            ),
        ] = False,
        debug: Annotated[
            bool,
            typer.Option("--debug", help=f"Show the full traceback of an error (also: {DEBUG_ENV_VAR}=1)."),
        ] = False,
    ) -> None:
        """Basalt: high-frequency market data into analytics tables."""
        ctx.meta[DEBUG_META_KEY] = debug

    for name, group in manager.commands().items():
        app.add_typer(group, name=name)
    return app


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``basalt`` console script."""
    args = list(sys.argv[1:] if argv is None else argv)
    if "--debug" in args[1:]:
        # ``basalt pipeline run … --debug`` works too: the flag belongs to the root command.
        args = ["--debug", *(arg for arg in args if arg != "--debug")]
    if args in (["--version"], ["-V"]):
        # Answer from metadata alone: no plugin needs importing for this.
        _print_versions()
        return
    build_app()(args=args, prog_name="basalt")
