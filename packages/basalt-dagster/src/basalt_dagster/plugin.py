"""Basalt plugin of bmll-basalt-dagster: the ``basalt dagster`` command group.

Dagster takes over a second to import, so this module never imports it: only
the commands that need Dagster do, when they run. Nor does it import typer: a
run's workers load every plugin to rebuild the parent's registries, and this
one has nothing for them (typer alone is ~0.06 s of each worker's start-up).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from basalt import hookimpl

if TYPE_CHECKING:  # pragma: no cover - typing only
    import typer


@hookimpl
def basalt_register_commands() -> list[typer.Typer]:
    """``basalt dagster …``."""
    from basalt_dagster.cli import app

    return [app]
