"""The ``basalt`` command line: a thin layer over plugin-contributed command groups."""

from __future__ import annotations

import atexit
import os
import sys
import threading
from typing import Annotated

# Help and usage errors in plain text: typer's rich formatting imports rich's Markdown,
# tables and tracebacks (~0.2 s), which doubled `basalt --help`. TYPER_USE_RICH=1 brings
# the boxed, coloured help back. Set before typer is imported: typer reads it then.
os.environ.setdefault("TYPER_USE_RICH", "0")

import typer

from basalt.cli.early import start_run_workers_early
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


def _as_package_main() -> None:
    """Let the console script's ``__main__`` pass for ``basalt.__main__`` (what ``python -m basalt`` runs).

    A worker process is started with ``spawn``, which re-runs the parent's ``__main__``
    in the child unless it is a package's ``__main__`` module. The console script holds
    nothing a worker needs, yet re-running it imports the whole CLI (~0.1 s of every
    worker's start-up); naming it for what it stands for skips that, as it is skipped
    under ``python -m basalt``.
    """
    main_module = sys.modules.get("__main__")
    if main_module is not None and getattr(main_module, "__spec__", None) is None:
        from importlib.machinery import ModuleSpec

        main_module.__spec__ = ModuleSpec("basalt.__main__", None)


def console_main() -> None:
    """The ``basalt`` console script and ``python -m basalt``: :func:`main`, then a quick exit.

    After a command returns, interpreter finalisation (tearing down every imported
    module, Polars' thread pool and allocations) takes ~0.2 s — a fifth of a small
    run. Once the command is done there is nothing left to finalise that matters:
    output is flushed here, and the ``atexit`` handlers (logging, multiprocessing's
    child clean-up, plugins' own) still run; then the process exits at once. When a
    command left other threads running, the normal exit (which waits for them) is kept.
    Embedders and tests call :func:`main`, which never exits this way.
    """
    _as_package_main()
    start_run_workers_early(sys.argv[1:])
    try:
        main()
        code = 0
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:  # sys.exit("message"): Python prints it and exits 1
            print(exc.code, file=sys.stderr)
            code = 1
    if threading.active_count() > 1:
        sys.exit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # a closed pipe (``basalt … | head``): the reader has what it wanted
        pass
    atexit._run_exitfuncs()
    os._exit(code)
