"""The contract between Basalt and its plugins.

Every extension point of Basalt is one of the hooks below. A plugin is a module
holding ``@basalt.hookimpl`` functions named after these specs, exposed through
the ``basalt`` entry-point group::

    [project.entry-points.basalt]
    my_plugin = "my_package.plugin"

All registration hooks take no arguments and return a list (possibly empty) of
*classes* that carry a unique ``NAME`` (commands: ``typer.Typer`` apps with a
name). Basalt calls every implementation, records which plugin contributed what,
and builds one name → class registry per hook. Two plugins registering the same
``NAME`` is an error naming both plugins and their distributions.

Implementations should import heavy dependencies inside the hook function (or
inside the registered command), never at the top of ``plugin.py``: the CLI
imports every plugin module at start-up to discover commands.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:  # pragma: no cover - typing only
    import typer

    from basalt.jobs.base import Executor
    from basalt.modules.base import AnalyticModule, PreprocessorModule
    from basalt.sources.base import Source
    from basalt.tables.base import Table
    from basalt.writers.base import OutputWriter

PROJECT_NAME = "basalt"
"""Name shared by the hook markers and the entry-point group."""

hookspec = pluggy.HookspecMarker(PROJECT_NAME)


@hookspec
def basalt_register_tables() -> list[type[Table]]:
    """Register market-data tables (``trades``, ``l2``, …).

    Returns:
        A list of :class:`basalt.Table` subclasses. Each carries a unique
        ``NAME`` (lower-case, ``[a-z][a-z0-9_]*``) by which pipelines refer to
        it in ``TABLES_TO_LOAD`` and module inputs.

    Added in bmll-basalt 0.1.0.
    """


@hookspec
def basalt_register_sources() -> list[type[Source]]:
    """Register data sources: where the tables for a MIC and a date are found.

    Returns:
        A list of :class:`basalt.sources.Source` subclasses with unique
        ``NAME`` values (``local``, ``s3``, ``bmll``…); a pipeline's
        ``SOURCE.type`` selects one by name and its ``Config`` validates the
        rest of ``SOURCE``.

    Any item may instead be a :class:`basalt.Deferred` (``Deferred(NAME,
    "package.module:Class")``): registered by name now, imported when first used
    — the way to keep start-up and runs that use other modules fast.

    Added in bmll-basalt 0.1.0.
    """


@hookspec
def basalt_register_analytics() -> list[type[AnalyticModule]]:
    """Register analytics modules that pipeline passes can run.

    Returns:
        A list of :class:`basalt.AnalyticModule` subclasses, each with a unique
        ``NAME``, a pydantic ``Config`` and documented output columns
        (``columns()``), so ``basalt analytics list|explain`` can describe them
        without reading data.

    Any item may instead be a :class:`basalt.Deferred` (``Deferred(NAME,
    "package.module:Class")``): registered by name now, imported when first used
    — the way to keep start-up and runs that use other modules fast.

    Added in bmll-basalt 0.1.0.
    """


@hookspec
def basalt_register_preprocessors() -> list[type[PreprocessorModule]]:
    """Register preprocessors: modules that derive a table from tables.

    Returns:
        A list of :class:`basalt.PreprocessorModule` subclasses with unique
        ``NAME`` values (the name of the table they produce is their ``NAME``
        unless they say otherwise).

    Any item may instead be a :class:`basalt.Deferred` (``Deferred(NAME,
    "package.module:Class")``): registered by name now, imported when first used
    — the way to keep start-up and runs that use other modules fast.

    Added in bmll-basalt 0.1.0.
    """


@hookspec
def basalt_register_output_writers() -> list[type[OutputWriter]]:
    """Register output writers (Parquet, Delta, SQL, …).

    Returns:
        A list of :class:`basalt.OutputWriter` subclasses with unique ``NAME``
        values; a pass's ``output.type`` selects one by name.

    Any item may instead be a :class:`basalt.Deferred` (``Deferred(NAME,
    "package.module:Class")``): registered by name now, imported when first used
    — the way to keep start-up and runs that use other modules fast.

    Added in bmll-basalt 0.1.0.
    """


@hookspec
def basalt_register_commands() -> list[typer.Typer]:
    """Register command groups of the ``basalt`` CLI.

    Returns:
        A list of ``typer.Typer`` apps, each created with ``name=`` (the group
        name, e.g. ``"plugins"`` for ``basalt plugins …``) and ``help=``. Core's
        own groups are registered through this hook too. Import heavy
        dependencies inside the command functions, not at module level.

    Added in bmll-basalt 0.1.0.
    """


@hookspec
def basalt_register_executors() -> list[type[Executor]]:
    """Register job executors: where ``basalt job run`` runs a pipeline.

    Returns:
        A list of :class:`basalt.jobs.Executor` subclasses with unique ``NAME``
        values (``local``, ``ec2``…); ``basalt job run --executor NAME`` selects
        one, and its pydantic ``Config`` validates the executor's settings
        (``--config FILE`` and ``-o KEY=VALUE``). An executor starts a job,
        reports its status and logs, cancels it, and may install schedules.
        Import cloud SDKs inside the methods, not at module level.

    Added in bmll-basalt 0.1.0.
    """
