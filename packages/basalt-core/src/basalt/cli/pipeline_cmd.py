"""``basalt pipeline …``: run, validate and describe pipelines (a thin layer over the engine)."""

from __future__ import annotations

import importlib
import sys
import threading
from contextlib import ExitStack, nullcontext, suppress
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from basalt.cli.context import console, error_console, plugin_manager, print_json

# The engine (Polars, pydantic, YAML) is imported inside the commands, not here: `pipeline run`
# starts its first worker before importing it, so the worker's start-up overlaps those imports.
if TYPE_CHECKING:  # pragma: no cover - typing only
    from rich.progress import Progress

    from basalt.engine.loader import Pipeline
    from basalt.engine.resolve import ResolvedPipeline
    from basalt.engine.runner import RunReport
    from basalt.plugins.manager import PluginManager

app = typer.Typer(name="pipeline", help="Run, validate and inspect pipelines.", no_args_is_help=True)

PipelineOption = Annotated[Path, typer.Option("--pipeline", "-p", help="Pipeline file (.yaml or .py).")]
MAX_LIMIT_ROWS = 2**32 - 1
"""Largest ``--limit-rows``: the most rows a Polars frame holds (32-bit row index)."""


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
    from basalt.engine.loader import load_pipeline
    from basalt.engine.runner import reroot_outputs

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


RELATIVE_DATE_HELP = "YYYY-MM-DD, 'today', 'yesterday' or 'today-N' (in --timezone)"


def _date_argument(value: str | None, timezone: str, option: str) -> datetime | None:
    """A date option's value: ISO, or relative to today in ``timezone`` (what a schedule passes)."""
    if value is None:
        return None
    from basalt.jobs.dates import resolve_date
    from basalt.jobs.errors import ScheduleError

    try:
        day = resolve_date(value.strip(), timezone)
    except ScheduleError as exc:
        raise typer.BadParameter(str(exc), param_hint=option) from None
    return datetime(day.year, day.month, day.day)


def _checked(pipeline: Pipeline, manager: PluginManager) -> ResolvedPipeline:
    """Resolve and check everything visible without reading data (folders, outputs, writer engines)."""
    from basalt.engine.checks import check_pipeline
    from basalt.engine.resolve import resolve

    resolved = resolve(pipeline, manager)
    check_pipeline(resolved)
    return resolved


def _print_plan(plan: Any) -> None:
    from rich.markup import escape
    from rich.table import Table as RichTable

    out = console()
    passes = RichTable(title=f"Passes of {plan.dataset}")
    for column in ("pass", "modules", "inputs", "bucket", "timeline", "scope", "output"):
        passes.add_column(column, overflow="fold")
    for p in plan.passes:
        cells = (
            p["name"],
            ", ".join(p["modules"]),
            ", ".join(p["inputs"]),
            f"{p['time_bucket_seconds']:g} s",
            p["timeline_mode"],
            f"panel, {p['lookback_days']} days back"
            if p["scope"] == "panel"
            else ("day, stateful" if p.get("stateful") else "day"),
            p["output"],
        )
        passes.add_row(*map(escape, cells))
    out.print(passes)
    for p in plan.passes:  # where each stateful pass's state at the first day comes from
        if p.get("stateful"):
            out.print(f"State of pass {escape(p['name'])}: {escape(p.get('state') or '')}", highlight=False)
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
    # What every worker will load, and the identity a --resume must match.
    out.print(f"Workers: {plan.workers.count} — {escape(plan.workers.reason)}", highlight=False)
    out.print(f"Plugins: {escape('; '.join(plan.plugins.describe()))}", highlight=False)
    out.print(f"Run fingerprint: {plan.digest()}", highlight=False)


def _progress_bar() -> Progress | None:
    """A transient progress bar when stdout is a terminal; None otherwise (logs, cron, pipes).

    Nothing would show in a file anyway, and rich's progress machinery is ~0.03 s of start-up.
    """
    if not sys.stdout.isatty():
        return None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    return Progress(*columns, console=console(), transient=True)


def _import_in_background(*modules: str) -> None:
    """Import ``modules`` on a thread while the run's workers compute (the summary needs them after).

    The parent only waits for its workers then, so the imports cost no wall time; the
    summary's own import finds them done (or waits on the module lock, never repeats them).
    """

    def load() -> None:
        for name in modules:
            with suppress(ImportError):
                importlib.import_module(name)

    thread = threading.Thread(target=load, name="basalt-preimport", daemon=True)
    thread.start()
    _BACKGROUND.append(thread)


_BACKGROUND: list[threading.Thread] = []
"""Background imports started by this process; joined before printing (and before exit)."""


def _summary(report: RunReport) -> None:
    while _BACKGROUND:
        _BACKGROUND.pop().join()
    from rich.markup import escape
    from rich.table import Table as RichTable

    if report.note:
        console().print(escape(report.note), highlight=False)
    table = RichTable(title=escape(f"Run {report.run_id}: {report.status}"))
    for column in ("pass", "rows written", "output"):
        table.add_column(column, overflow="fold")
    for name, location in report.outputs.items():
        table.add_row(escape(name), f"{report.rows.get(name, 0):,}", escape(location))
    out = console()
    out.print(table)
    rate = sum(report.rows.values()) / report.seconds if report.seconds else 0.0
    out.print(
        escape(
            f"{len(report.committed)} batches committed, {len(report.skipped)} skipped (already committed); "
            f"{report.seconds:.1f} s, {rate:,.0f} rows/s, peak worker memory {report.peak_rss_mb:,.0f} MiB. "
            f"Ledger: {report.ledger}"
        ),
        highlight=False,
    )
    for gate in report.quality:  # warn rules that failed (a failed `fail` rule stops the run instead)
        if gate["failed"] and gate["severity"] == "warn":
            where = f" column {gate['column']!r}" if gate["column"] else ""
            error_console().print(
                f"[yellow]quality warning:[/] {escape(gate['pass'])} {escape(gate['rule'])}{escape(where)} "
                f"failed {gate['failed']} of {gate['checked']} checks: {escape(str(gate['first_failure']))}",
                soft_wrap=True,
                highlight=False,
            )


@app.command("run")
def run(
    ctx: typer.Context,
    pipeline: PipelineOption,
    day_text: Annotated[
        str | None, typer.Option("--date", help=f"Run one date: {RELATIVE_DATE_HELP}.")
    ] = None,
    start_text: Annotated[str | None, typer.Option("--start-date", help="First date (same forms).")] = None,
    end_text: Annotated[str | None, typer.Option("--end-date", help="Last date (same forms).")] = None,
    timezone: Annotated[
        str, typer.Option(help="IANA timezone in which 'today' and 'yesterday' are counted.")
    ] = "UTC",
    universe: Annotated[str | None, typer.Option(help="Universe, e.g. 'mic=XLON;tickers=VOD,BARC'.")] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="Worker processes (NUM_WORKERS).")] = None,
    data_root: Annotated[Path | None, typer.Option(help="Read a local lake at this folder.")] = None,
    output_root: Annotated[
        Path | None, typer.Option(help="Write every file output under this folder.")
    ] = None,
    assignments: Annotated[
        list[str] | None, typer.Option("--set", help="Override any key: PASSES.0.time_bucket_seconds=300.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option(help="Check every file's footer and print the plan; read no market data rows.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="With --dry-run: print the plan as JSON.")] = False,
    limit_rows: Annotated[
        int | None,
        typer.Option(min=1, max=MAX_LIMIT_ROWS, help="Read at most N rows per table and batch (N ≥ 1)."),
    ] = None,
    allow_empty: Annotated[
        bool,
        typer.Option(help="Succeed (with a warning) when the dates hold no trading day; default: exit 1."),
    ] = False,
    resume: Annotated[
        str | None, typer.Option(help="Continue run RUN_ID ('last': the last unfinished).")
    ] = None,
    state_dir: Annotated[Path, typer.Option(help="Run ledger and locks.")] = Path(".basalt"),
) -> None:
    """Run a pipeline over its universe and dates."""
    with ExitStack() as cleanup:
        if not dry_run:
            # The first worker starts before the engine is imported and the pipeline read: its
            # start-up (spawn, imports) runs on the other core meanwhile, and the run adopts it.
            # One no run adopted (the command failed first) is stopped as the command ends.
            from basalt.engine.pool import start_early, stop_early

            start_early(1)
            cleanup.callback(stop_early)
        from basalt.engine.calendar import trading_days_of
        from basalt.engine.checks import check_files, empty_range_problem
        from basalt.engine.plan import build_plan
        from basalt.engine.runner import run_pipeline

        day = _date_argument(day_text, timezone, "--date")
        start = _date_argument(start_text, timezone, "--start-date")
        end = _date_argument(end_text, timezone, "--end-date")
        if day is not None and (start is not None or end is not None):
            raise typer.BadParameter(
                "--date is one day: give it alone, or --start-date/--end-date", param_hint="--date"
            )
        manager = plugin_manager(ctx)
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
        resolved = _checked(loaded, manager)
        empty = empty_range_problem(loaded.config)
        if empty:
            error_console().print(f"[yellow]warning:[/] {empty}.", soft_wrap=True, highlight=False)
            if not allow_empty:
                error_console().print("Pass --allow-empty to accept an empty run.", highlight=False)
                raise typer.Exit(1)
        if dry_run:
            check_files(resolved, trading_days_of(loaded.config))  # footers only: every file's schema
            plan = build_plan(resolved)
            print_json(plan.to_dict()) if as_json else _print_plan(plan)
            return
        bar = _progress_bar()
        with bar or nullcontext():
            task = bar.add_task("batches", total=None) if bar else None

            def on_progress(event: str, fields: dict[str, Any]) -> None:
                if event == "run_started":
                    if bar is not None and task is not None:
                        bar.update(task, total=fields["batches"], completed=fields["skipped"])
                    else:
                        _import_in_background("rich.markup", "rich.table")
                elif event == "batch_committed" and bar is not None and task is not None:
                    rows = sum(fields["rows"].values())
                    bar.update(task, advance=1, description=f"batches ({fields['batch']}: {rows:,} rows)")
                elif event == "batch_failed":
                    from rich.markup import escape

                    reason = escape(str(fields["reason"]))
                    error_console().print(
                        f"[yellow]batch {fields['batch']} attempt {fields['attempt']}: {reason}[/]"
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


@app.command("validate")
def validate(ctx: typer.Context, pipeline: Annotated[Path, typer.Argument(help="Pipeline file.")]) -> None:
    """Check a pipeline: keys, modules, settings, source folders, outputs, writer engines. Reads no data."""
    from rich.markup import escape

    from basalt.engine.checks import empty_range_problem
    from basalt.engine.loader import load_pipeline

    resolved = _checked(load_pipeline(pipeline), plugin_manager(ctx))
    empty = empty_range_problem(resolved.config)
    if empty:  # valid, but a run of it would stop (unless --allow-empty): say so now
        error_console().print(f"[yellow]warning:[/] {empty}.", soft_wrap=True, highlight=False)
    names = ", ".join(f"{p.name} ({len(p.modules)} modules)" for p in resolved.passes)
    console().print(
        f"[green]{escape(str(pipeline))} is valid[/]: passes {names}; tables {', '.join(resolved.tables)}.",
        highlight=False,
    )


@app.command("datasets")
def datasets(
    ctx: typer.Context, pipeline: PipelineOption, as_json: Annotated[bool, typer.Option("--json")] = False
) -> None:
    """The resolved inputs (source, tables) and outputs (per pass) of a pipeline."""
    from rich.markup import escape

    from basalt.engine.loader import load_pipeline
    from basalt.engine.resolve import resolve

    resolved = resolve(load_pipeline(pipeline), plugin_manager(ctx))
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
    reads = escape(f"reads {info['source']} tables {', '.join(info['tables'])}")
    out.print(f"[bold]{escape(info['dataset'])}[/] {reads}", highlight=False)
    for name, where in info["outputs"].items():
        out.print(f"  pass {name} → {where}", markup=False, highlight=False)
