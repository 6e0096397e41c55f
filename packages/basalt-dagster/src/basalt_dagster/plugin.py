"""Basalt plugin of bmll-basalt-dagster: the ``basalt dagster`` command group.

Dagster takes over a second to import, so this module never imports it: only
the commands that need Dagster do, when they run.
"""

from __future__ import annotations

import typer

from basalt import hookimpl


@hookimpl
def basalt_register_commands() -> list[typer.Typer]:
    """``basalt dagster …``."""
    from basalt_dagster.cli import app

    return [app]
