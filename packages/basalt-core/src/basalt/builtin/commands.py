"""Built-in plugin: the core's own ``basalt`` command groups."""

from __future__ import annotations

import typer

from basalt import hookimpl


@hookimpl
def basalt_register_commands() -> list[typer.Typer]:
    """The core's command groups: plugins, analytics, pipeline, data and demo."""
    from basalt.cli.analytics_cmd import app as analytics_app
    from basalt.cli.data_cmd import app as data_app
    from basalt.cli.demo_cmd import app as demo_app
    from basalt.cli.pipeline_cmd import app as pipeline_app
    from basalt.cli.plugins_cmd import app as plugins_app

    return [plugins_app, analytics_app, pipeline_app, data_app, demo_app]
