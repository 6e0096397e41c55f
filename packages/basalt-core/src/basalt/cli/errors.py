"""One place where the CLI turns an exception into a clean message and an exit code.

Every ``basalt`` command runs inside :class:`BasaltGroup`. A user error (bad
configuration, missing data, unknown plugin name, a missing engine…) prints
``error: <message>`` on stderr and exits 1, or 2 for configuration errors, like
click's own usage errors. Anything else is a bug: it prints its type and message
and how to get the traceback. ``--debug`` (``basalt --debug COMMAND``) or
``BASALT_DEBUG=1`` re-raises instead, traceback and all.

Commands therefore never catch Basalt's errors themselves.
"""

from __future__ import annotations

import os
from typing import Any

import typer
from typer.core import TyperGroup

from basalt.cli.context import error_console
from basalt.cli.lazy import help_flag_off_by_default

DEBUG_ENV_VAR = "BASALT_DEBUG"
DEBUG_META_KEY = "basalt.debug"
"""``ctx.meta`` key set by the root ``--debug`` option (the meta dict is shared by every sub-context)."""


def _click_exits() -> tuple[type[BaseException], ...]:
    """click's own exits and usage errors, which click reports itself (typer vendors click from 0.20 on)."""
    kinds: list[type[BaseException]] = [typer.Exit, typer.Abort]
    try:
        from typer.exceptions import TyperException  # vendored click's ClickException derives from it

        kinds.append(TyperException)
    except ImportError:  # pragma: no cover - typer before it vendored click
        pass
    try:
        import click

        kinds.append(click.exceptions.ClickException)
    except ImportError:  # pragma: no cover - typer without a separate click
        pass
    return tuple(kinds)


def _user_error_types() -> tuple[type[BaseException], ...]:
    """Exceptions that describe the user's input or installation, not a bug in Basalt.

    Imported here, not at module level: the error types live beside the engine
    pieces that raise them, and only a failing command needs them.
    """
    from basalt.engine.errors import ConfigError
    from basalt.engine.ledger import DatasetLockedError
    from basalt.engine.runner import RunFailedError
    from basalt.jobs.errors import JobError
    from basalt.plugins.errors import PluginError
    from basalt.sources.errors import SourceError
    from basalt.tables.errors import TableError
    from basalt.universe import UniverseError
    from basalt.writers.base import PathTemplateError

    return (
        ConfigError,
        PathTemplateError,
        PluginError,
        SourceError,
        TableError,
        UniverseError,
        DatasetLockedError,
        RunFailedError,
        JobError,
        OSError,  # unreadable, unwritable or missing files and folders
    )


def exit_code_of(exc: BaseException) -> int:
    """2 for configuration errors (as for click's usage errors), an error's own ``exit_code``
    (130/143 for a run stopped by SIGINT/SIGTERM), 1 for everything else."""
    own = getattr(exc, "exit_code", None)
    if isinstance(own, int):
        return own
    from basalt.engine.errors import ConfigError
    from basalt.writers.base import PathTemplateError

    return 2 if isinstance(exc, ConfigError | PathTemplateError) else 1


def is_user_error(exc: BaseException) -> bool:
    """Whether ``exc`` is about the user's input or installation (no traceback is useful)."""
    if isinstance(exc, ImportError):
        # A missing package (or our own "pip install 'bmll-basalt[…]'" hint) is the installation's;
        # "cannot import name X from Y" is a bug.
        return isinstance(exc, ModuleNotFoundError) or "pip install" in str(exc)
    return isinstance(exc, _user_error_types())


def message_of(exc: BaseException) -> str:
    """The text shown for ``exc``: its message, or its type and message for a bug."""
    text = str(exc) or type(exc).__name__
    if isinstance(exc, OSError) and exc.filename and str(exc.filename) not in text:
        text = f"{text}: {exc.filename}"
    if is_user_error(exc):
        return text
    return (
        f"unexpected {type(exc).__name__}: {text}\n"
        f"This is a bug in Basalt or a plugin; run again with --debug (or {DEBUG_ENV_VAR}=1) "
        "for the traceback and report it."
    )


def report(exc: BaseException) -> int:
    """Print ``error: <message>`` on stderr (brackets in it shown literally); return the exit code."""
    from rich.markup import escape  # only when there is an error to print: rich costs start-up time

    error_console().print(f"[red]error:[/] {escape(message_of(exc))}", soft_wrap=True, highlight=False)
    return exit_code_of(exc)


def debug_enabled(ctx: typer.Context | None = None) -> bool:
    """``--debug`` was given, or ``BASALT_DEBUG`` is set to anything but ``0``/empty."""
    if ctx is not None and ctx.meta.get(DEBUG_META_KEY):
        return True
    return os.environ.get(DEBUG_ENV_VAR, "").strip() not in ("", "0", "false", "no")


class BasaltGroup(TyperGroup):
    """The root command group: runs the command, then reports any error it raised (see module doc)."""

    def get_help_option(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        """The root's ``--help`` flag, defaulting to False (see ``lazy.help_flags_off_by_default``)."""
        return help_flag_off_by_default(super().get_help_option(ctx))

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        """Run the command; turn an exception into ``error: …`` and an exit code unless debugging."""
        try:
            return super().invoke(ctx)
        except _click_exits():
            raise
        except Exception as exc:
            if debug_enabled(ctx):
                raise
            raise typer.Exit(report(exc)) from None
