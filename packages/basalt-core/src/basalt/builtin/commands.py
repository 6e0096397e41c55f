"""Built-in plugin: the core's own ``basalt`` command groups, imported only when used."""

from __future__ import annotations

from typing import TYPE_CHECKING

from basalt import hookimpl

if TYPE_CHECKING:  # pragma: no cover - typing only
    import typer


@hookimpl
def basalt_register_commands() -> list[typer.Typer]:
    """The core's command groups: plugins, analytics, pipeline, data, job and demo.

    Each is a lazy group (:func:`basalt.cli.lazy.lazy_group`): ``basalt --help`` lists them
    from these summaries and imports a group's module only when it runs.
    """
    from basalt.cli.lazy import lazy_group

    return [
        lazy_group("plugins", "Inspect installed Basalt plugins.", "basalt.cli.plugins_cmd:app"),
        lazy_group(
            "analytics", "List analytics modules and explain their columns.", "basalt.cli.analytics_cmd:app"
        ),
        lazy_group("pipeline", "Run, validate and inspect pipelines.", "basalt.cli.pipeline_cmd:app"),
        lazy_group(
            "data",
            "Market data: generate a synthetic lake in BMLL's schemas, inspect tables.",
            "basalt.cli.data_cmd:app",
        ),
        lazy_group(
            "job",
            "Run pipelines as detached or remote jobs, and on schedules.",
            "basalt.cli.job_cmd:app",
        ),
        lazy_group(
            "runs", "Inspect, watch, report and prune runs (the run ledger).", "basalt.cli.runs_cmd:app"
        ),
        lazy_group(
            "demo",
            "Run the demo pipeline on a generated market.",
            "basalt.cli.demo_cmd:app",
            invoke_without_command=True,
            no_args_is_help=False,
        ),
    ]
