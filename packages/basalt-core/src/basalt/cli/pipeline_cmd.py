"""``basalt pipeline …``: run, validate and describe pipelines (a thin layer over the engine)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table as RichTable

from basalt.cli.context import console, error_console, plugin_manager, print_json
from basalt.engine.errors import ConfigError
from basalt.engine.ledger import DatasetLockedError
from basalt.engine.loader import Pipeline, load_pipeline
from basalt.engine.plan import Plan, build_plan
from basalt.engine.resolve import resolve
from basalt.engine.runner import RunFailedError, RunReport, reroot_outputs, run_pipeline
from basalt.plugins.errors import PluginError
from basalt.sources.errors import SourceError
from basalt.tables.errors import TableError
from basalt.universe import UniverseError

app = typer.Typer(name="pipeline", help="Run, validate and inspect pipelines.", no_args_is_help=True)

PipelineOption = Annotated[Path, typer.Option("--pipeline", "-p", help="Pipeline file (.yaml or .py).")]
DateFormat = ["%Y-%m-%d"]
USER_ERRORS = (
    ConfigError,
    PluginError,
    SourceError,
    TableError,
    UniverseError,
    DatasetLockedError,
    RunFailedError,
)


def _fail(exc: Exception) -> typer.Exit:
    error_console().print(f"[red]error:[/] {exc}", soft_wrap=True)
    return typer.Exit(2 if isinstance(exc, ConfigError) else 1)


def _load(
    path: Path,
    *,
    day: datetime | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    universe: str | None = None,
    workers: int | None = None,
    data_root: Path | None = None,
    output_root: Path | None = None,
    assignments: list[str] | None = None,
) -> Pipeline:
    overrides: dict[str, Any] = {
        "START_DATE": (day or start).date() if (day or start) else None,
        "END_DATE": (day or end).date() if (day or end) else None,
        "UNIVERSE": universe,
        "NUM_WORKERS": workers,
        "SOURCE": {"type": "local", "root": str(data_root)} if data_root else None,
    }
    pipeline = load_pipeline(path, overrides=overrides, assignments=assignments)
    if output_root is not None:
        data = reroot_outputs(pipeline.config.model_dump(mode="json"), output_root)
        pipeline = load_pipeline(path, data=data)
    return pipeline


def _print_plan(plan: Plan) -> None:
    out = console()
    passes = RichTable(title=f"Passes of {plan.dataset}")
    for column in ("pass", "modules", "inputs", "bucket", "timeline", "scope", "output"):
        passes.add_column(column, overflow="fold")
    for p in plan.passes:
        passes.add_row(
            p["name"],
            ", ".join(p["modules"]),
            ", ".join(p["inputs"]),
            f"{p['time_bucket_seconds']:g} s",
            p["timeline_mode"],
            f"panel, {p['lookback_days']} days back" if p["scope"] == "panel" else "day",
            p["output"],
        )
    out.print(passes)
    batches = RichTable(title="Date batches (symbol batches estimated from Parquet row counts)")
    for column in ("batch", "days", "listings", "symbol batches", "largest batch (rows)"):
        batches.add_column(column)
    for planned in plan.batches:
        largest = max((max(s.estimated_rows.values(), default=0) for s in planned.symbol_batches), default=0)
        batches.add_row(
            planned.batch.key,
            str(len(planned.batch.days)),
            str(planned.listings),
            str(len(planned.symbol_batches)),
            f"{largest:,}",
        )
    out.print(batches)


def _summary(report: RunReport) -> None:
    table = RichTable(title=f"Run {report.run_id}: {report.status}")
    for column in ("pass", "rows written", "output"):
        table.add_column(column, overflow="fold")
    for name, location in report.outputs.items():
        table.add_row(name, f"{report.rows.get(name, 0):,}", location)
    out = console()
    out.print(table)
    rate = sum(report.rows.values()) / report.seconds if report.seconds else 0.0
    out.print(
        f"{len(report.committed)} batches committed, {len(report.skipped)} skipped (already committed); "
        f"{report.seconds:.1f} s, {rate:,.0f} rows/s, peak worker memory {report.peak_rss_mb:,.0f} MiB. "
        f"Ledger: {report.ledger}"
    )


@app.command("run")
def run(
    ctx: typer.Context,
    pipeline: PipelineOption,
    day: Annotated[datetime | None, typer.Option("--date", formats=DateFormat, help="Run one date.")] = None,
    start: Annotated[
        datetime | None, typer.Option("--start-date", formats=DateFormat, help="First date.")
    ] = None,
    end: Annotated[datetime | None, typer.Option("--end-date", formats=DateFormat, help="Last date.")] = None,
    universe: Annotated[str | None, typer.Option(help="Universe, e.g. 'mic=XLON;tickers=VOD,BARC'.")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes (NUM_WORKERS).")] = None,
    data_root: Annotated[Path | None, typer.Option(help="Read a local lake at this folder.")] = None,
    output_root: Annotated[
        Path | None, typer.Option(help="Write every file output under this folder.")
    ] = None,
    assignments: Annotated[
        list[str] | None, typer.Option("--set", help="Override any key: PASSES.0.time_bucket_seconds=300.")
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="Print the plan; read no market data rows.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="With --dry-run: print the plan as JSON.")] = False,
    limit_rows: Annotated[int | None, typer.Option(help="Read at most N rows per table and batch.")] = None,
    resume: Annotated[
        str | None, typer.Option(help="Continue run RUN_ID ('last': the last unfinished).")
    ] = None,
    state_dir: Annotated[Path, typer.Option(help="Run ledger and locks.")] = Path(".basalt"),
) -> None:
    """Run a pipeline over its universe and dates."""
    manager = plugin_manager(ctx)
    try:
        loaded = _load(
            pipeline,
            day=day,
            start=start,
            end=end,
            universe=universe,
            workers=workers,
            data_root=data_root,
            output_root=output_root,
            assignments=assignments,
        )
        if dry_run:
            plan = build_plan(resolve(loaded, manager))
            print_json(plan.to_dict()) if as_json else _print_plan(plan)
            return
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console(), transient=True) as bar:
            task = bar.add_task("batches", total=None)

            def on_progress(event: str, fields: dict[str, Any]) -> None:
                if event == "run_started":
                    bar.update(task, total=fields["batches"], completed=fields["skipped"])
                elif event == "batch_committed":
                    rows = sum(fields["rows"].values())
                    bar.update(task, advance=1, description=f"batches ({fields['batch']}: {rows:,} rows)")
                elif event == "batch_failed":
                    error_console().print(
                        f"[yellow]batch {fields['batch']} attempt {fields['attempt']}: {fields['reason']}[/]"
                    )

            report = run_pipeline(
                loaded,
                state_dir=state_dir,
                manager=manager,
                resume=resume,
                limit_rows=limit_rows,
                on_progress=on_progress,
            )
        _summary(report)
    except USER_ERRORS as exc:
        raise _fail(exc) from None


@app.command("validate")
def validate(ctx: typer.Context, pipeline: Annotated[Path, typer.Argument(help="Pipeline file.")]) -> None:
    """Check a pipeline file: keys, modules, module/source/writer settings. Reads no data."""
    try:
        resolved = resolve(load_pipeline(pipeline), plugin_manager(ctx))
    except USER_ERRORS as exc:
        raise _fail(exc) from None
    names = ", ".join(f"{p.name} ({len(p.modules)} modules)" for p in resolved.passes)
    console().print(f"[green]{pipeline} is valid[/]: passes {names}; tables {', '.join(resolved.tables)}.")


@app.command("datasets")
def datasets(
    ctx: typer.Context, pipeline: PipelineOption, as_json: Annotated[bool, typer.Option("--json")] = False
) -> None:
    """The resolved inputs (source, tables) and outputs (per pass) of a pipeline."""
    try:
        resolved = resolve(load_pipeline(pipeline), plugin_manager(ctx))
    except USER_ERRORS as exc:
        raise _fail(exc) from None
    config = resolved.config
    info = {
        "dataset": config.DATASETNAME,
        "source": {"type": config.SOURCE.type, **config.SOURCE.settings()},
        "tables": list(resolved.tables),
        "outputs": {
            p.name: p.output_location(config.DATASETNAME, config.START_DATE) for p in resolved.passes
        },
    }
    if as_json:
        print_json(info)
        return
    out = console()
    out.print(f"[bold]{info['dataset']}[/] reads {info['source']} tables {', '.join(info['tables'])}")
    for name, where in info["outputs"].items():
        out.print(f"  pass {name} → {where}")
