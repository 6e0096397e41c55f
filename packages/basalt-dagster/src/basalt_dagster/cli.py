"""``basalt dagster …`` commands. Dagster is imported inside each command, never at import."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from basalt_dagster.__about__ import __version__

app = typer.Typer(name="dagster", help="Run Basalt pipelines with Dagster.", no_args_is_help=True)

PipelineOption = Annotated[
    Path, typer.Option("--pipeline", "-p", help="The Basalt pipeline file (YAML or Python).")
]
UniverseOption = Annotated[
    list[str] | None,
    typer.Option(
        "--universe", "-u", help="A universe partition NAME=SELECTION (mic=XLON;tickers=A); repeatable."
    ),
]
HolidayOption = Annotated[
    list[str] | None, typer.Option("--holiday", help="A market holiday YYYY-MM-DD; repeatable.")
]


@app.command("info")
def info() -> None:
    """Print the versions of bmll-basalt-dagster and the Dagster it runs on."""
    import dagster

    typer.echo(f"bmll-basalt-dagster {__version__}")
    typer.echo(f"dagster {dagster.__version__}")


def _universes(items: list[str] | None) -> dict[str, str] | None:
    if not items:
        return None
    named = {}
    for item in items:
        name, sep, selection = item.partition("=")
        if not sep or not name:
            raise typer.BadParameter(f"{item!r}: expected NAME=SELECTION, e.g. lse=mic=XLON")
        named[name] = selection
    return named


def _holidays(items: list[str] | None) -> list[date]:
    try:
        return [date.fromisoformat(item) for item in items or []]
    except ValueError as exc:
        raise typer.BadParameter(f"--holiday: {exc}") from None


def definitions_source(
    pipeline: Path, out: Path, universes: dict[str, str] | None, holidays: list[date]
) -> str:
    """The text of a ``definitions.py`` loading ``pipeline`` (relative to the file when possible)."""
    target = pipeline.resolve()
    try:
        relative = Path(os.path.relpath(target, out.resolve().parent))
        where = f"Path(__file__).parent / {relative.as_posix()!r}"
    except ValueError:  # another drive
        where = f"Path({str(target)!r})"
    return (
        f'"""Dagster definitions of the Basalt pipeline {pipeline.name} (by `basalt dagster defs`).\n\n'
        f"Point Dagster at it: dagster dev -f {out.name}\n"
        '"""\n\n'
        "from pathlib import Path\n\n"
        "from basalt_dagster import build_definitions\n\n"
        f"PIPELINE = {where}\n\n"
        "defs = build_definitions(\n"
        "    PIPELINE,\n"
        f"    universes={universes!r},\n"
        f"    holidays={[d.isoformat() for d in holidays]!r},\n"
        ")\n"
    )


@app.command("defs")
def defs_command(
    pipeline: PipelineOption,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="File to write (default: definitions.py beside the pipeline)."),
    ] = None,
    universe: UniverseOption = None,
    holiday: HolidayOption = None,
) -> None:
    """Write a definitions.py that `dagster dev -f` / `dagster definitions validate -f` can load."""
    from basalt_dagster.definitions import build_definitions

    target = out or pipeline.parent / "definitions.py"
    universes, holidays = _universes(universe), _holidays(holiday)
    build_definitions(pipeline, universes=universes, holidays=holidays)  # fail now, not in Dagster
    target.write_text(definitions_source(pipeline, target, universes, holidays))
    typer.echo(f"wrote {target} (dagster dev -f {target})")


@app.command("validate")
def validate_command(
    pipeline: PipelineOption, universe: UniverseOption = None, holiday: HolidayOption = None
) -> None:
    """Build the pipeline's Dagster definitions and check that Dagster can load them."""
    import dagster as dg

    from basalt_dagster.definitions import build_definitions

    defs = build_definitions(pipeline, universes=_universes(universe), holidays=_holidays(holiday))
    dg.Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    keys = sorted(k.to_user_string() for k in graph.get_all_asset_keys())
    typer.echo(f"ok: {len(keys)} assets: {', '.join(keys)}")


@app.command("materialize")
def materialize_command(
    pipeline: PipelineOption,
    partition: Annotated[
        list[str],
        typer.Option(
            "--partition",
            help="date=YYYY-MM-DD[,universe=NAME] (default universe: the only one); repeatable.",
        ),
    ],
    universe: UniverseOption = None,
    holiday: HolidayOption = None,
) -> None:
    """Materialise the pipeline's assets for these partitions in this process.

    Runs are recorded in the Dagster instance of $DAGSTER_HOME when it is set
    (so `dagster dev` shows them), else in a throw-away instance.
    """
    import dagster as dg

    from basalt_dagster.definitions import build_definitions
    from basalt_dagster.partitions import DATE_DIMENSION, UNIVERSE_DIMENSION, parse_partition

    defs = build_definitions(pipeline, universes=_universes(universe), holidays=_holidays(holiday))
    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()
    graph = defs.resolve_asset_graph()
    dimensions = next(
        graph.get(k).partitions_def
        for k in graph.get_all_asset_keys()
        if isinstance(graph.get(k).partitions_def, dg.MultiPartitionsDefinition)
    )
    names = dimensions.get_partitions_def_for_dimension(UNIVERSE_DIMENSION).get_partition_keys()
    failed = False
    for text in partition:
        try:
            parts = parse_partition(text)
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from None
        chosen = parts.get(UNIVERSE_DIMENSION)
        if chosen is None:
            if len(names) != 1:
                raise typer.BadParameter(f"{text!r}: name the universe, one of {names}")
            chosen = names[0]
        key = dg.MultiPartitionKey({DATE_DIMENSION: parts[DATE_DIMENSION], UNIVERSE_DIMENSION: chosen})
        if str(key) not in dimensions.get_partition_keys():
            raise typer.BadParameter(f"{text!r} is not a partition (trading dates × {names})")
        result = dg.materialize(
            list(defs.assets),
            partition_key=key,
            resources=defs.resources,
            instance=instance,
            raise_on_error=False,
        )
        if not result.success:
            failed = True
            for event in result.get_step_failure_events():
                error = event.step_failure_data.error
                message = error.cause.message if error and error.cause else (error.message if error else "?")
                typer.echo(f"error: {key}: {message.strip()}", err=True)
            continue
        for event in result.get_asset_materialization_events():
            rows = event.materialization.metadata.get("rows")
            typer.echo(
                f"{key}: {event.asset_key.to_user_string()}: {rows.value if rows else '?'} rows "
                f"(run {result.run_id})"
            )
    if failed:
        raise typer.Exit(1)


@app.command("dev")
def dev_command(
    pipeline: PipelineOption,
    port: Annotated[int, typer.Option(help="Port of the Dagster UI (on 127.0.0.1).")] = 3000,
    universe: UniverseOption = None,
    holiday: HolidayOption = None,
) -> None:
    """Start `dagster dev` on 127.0.0.1 for the pipeline (writes .basalt-dagster/definitions.py beside it)."""
    from basalt_dagster.definitions import build_definitions

    universes, holidays = _universes(universe), _holidays(holiday)
    build_definitions(pipeline, universes=universes, holidays=holidays)
    folder = pipeline.resolve().parent / ".basalt-dagster"
    folder.mkdir(exist_ok=True)
    target = folder / "definitions.py"
    target.write_text(definitions_source(pipeline, target, universes, holidays))
    dagster = shutil.which("dagster", path=str(Path(sys.executable).parent)) or shutil.which("dagster")
    command = [dagster or "dagster", "dev", "-f", str(target), "-h", "127.0.0.1", "-p", str(port)]
    typer.echo(" ".join(command))
    raise typer.Exit(subprocess.call(command))


@app.command("heatmap")
def heatmap_command(
    pipeline: PipelineOption,
    out: Annotated[Path, typer.Option("--out", "-o", help="PNG file to write.")] = Path(
        "materialisations.png"
    ),
    pass_name: Annotated[str | None, typer.Option("--pass", help="The pass (default: the first).")] = None,
    universe: UniverseOption = None,
    holiday: HolidayOption = None,
) -> None:
    """Draw a calendar heatmap of a pass's materialised partitions from the instance in $DAGSTER_HOME."""
    import dagster as dg

    from basalt_dagster.dashboard import calendar_heatmap, materialised_rows
    from basalt_dagster.definitions import build_definitions
    from basalt_dagster.partitions import DATE_DIMENSION, UNIVERSE_DIMENSION

    if not os.environ.get("DAGSTER_HOME"):
        raise typer.BadParameter(
            "set DAGSTER_HOME to the instance whose runs to draw", param_hint="DAGSTER_HOME"
        )
    defs = build_definitions(
        pipeline, universes=_universes(universe), holidays=_holidays(holiday), sensor=False
    )
    graph = defs.resolve_asset_graph()
    keys = sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string())
    chosen = next((k for k in keys if pass_name in (None, k.path[-1])), None)
    if chosen is None:
        raise typer.BadParameter(f"no pass {pass_name!r}; passes: {[k.path[-1] for k in keys]}")
    partitions = graph.get(chosen).partitions_def
    days = [
        date.fromisoformat(d)
        for d in partitions.get_partitions_def_for_dimension(DATE_DIMENSION).get_partition_keys()
    ]
    names = partitions.get_partitions_def_for_dimension(UNIVERSE_DIMENSION).get_partition_keys()
    with dg.DagsterInstance.get() as instance:
        rows = materialised_rows(instance, chosen)
    calendar_heatmap(rows, days, names, out, title=chosen.to_user_string())
    typer.echo(f"wrote {out}: {rows.height} of {len(days) * len(names)} partitions materialised")
