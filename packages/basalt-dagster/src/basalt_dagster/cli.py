"""``basalt dagster …`` commands. Dagster is imported inside each command."""

from __future__ import annotations

import typer

from basalt_dagster.__about__ import __version__

app = typer.Typer(name="dagster", help="Run Basalt pipelines with Dagster.", no_args_is_help=True)


@app.command("info")
def info() -> None:
    """Print the versions of bmll-basalt-dagster and the Dagster it runs on."""
    import dagster

    typer.echo(f"bmll-basalt-dagster {__version__}")
    typer.echo(f"dagster {dagster.__version__}")
