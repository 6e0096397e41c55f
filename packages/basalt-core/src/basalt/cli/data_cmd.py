"""``basalt data …``: market data sources; ``synth`` writes a synthetic BMLL lake."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table as RichTable

from basalt.cli.context import console, error_console
from basalt.cli.data_describe import register as register_describe

app = typer.Typer(
    name="data",
    help="Market data: generate a synthetic lake in BMLL's schemas, inspect tables.",
    no_args_is_help=True,
)


@app.callback()
def data() -> None:
    """Market data: generate a synthetic lake in BMLL's schemas, inspect tables."""
    # A callback keeps ``data`` a command group even while ``synth`` is its only command.


@app.command("synth")
def synth(
    out: Annotated[Path, typer.Option("--out", help="Lake root folder to write (created if missing).")],
    start_date: Annotated[
        dt.datetime, typer.Option("--start-date", formats=["%Y-%m-%d"], help="First date (YYYY-MM-DD).")
    ],
    end_date: Annotated[
        dt.datetime | None,
        typer.Option("--end-date", formats=["%Y-%m-%d"], help="Last date (default: the start date)."),
    ] = None,
    listings: Annotated[int, typer.Option("--listings", min=1, help="Number of instruments.")] = 5,
    mics: Annotated[
        str, typer.Option("--mics", help="Venues, primary exchange first, comma-separated.")
    ] = "XLON,BATE,CHIX",
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed: same seed, same files.")] = 0,
    layout: Annotated[
        Literal["bmll", "hive"], typer.Option("--layout", help="BMLL's own folders or hive partitions.")
    ] = "bmll",
    workers: Annotated[
        int | None, typer.Option("--workers", min=1, help="Processes (default: min(2, CPUs)).")
    ] = None,
    messages_per_day: Annotated[
        int,
        typer.Option("--messages-per-day", min=200, help="Mean primary-venue messages per instrument-day."),
    ] = 100_000,
    session_scale: Annotated[
        float, typer.Option("--session-scale", min=0.0, max=1.0, help="Shrink market hours (1 = real hours).")
    ] = 1.0,
    iceberg_rate: Annotated[
        float,
        typer.Option(
            "--iceberg-rate",
            min=0.0,
            max=1.0,
            help="Share of passive limit orders planted as icebergs (truth in _truth/icebergs.parquet; "
            "0 = none).",
        ),
    ] = 0.0,
    show_report: Annotated[
        bool, typer.Option("--report", help="Print stylized-facts statistics of the lake written.")
    ] = False,
) -> None:
    """Generate a synthetic multi-venue market and write it as a lake in BMLL's schemas.

    Trades-plus, L2, L3, market state, reference, CBBO and imbalance, one file
    per table, MIC and date. The same options give byte-identical files.
    """
    from pydantic import ValidationError

    from basalt.synth import SynthConfig, write_lake

    try:
        config = SynthConfig(
            start_date=start_date.date(),
            end_date=(end_date or start_date).date(),
            listings=listings,
            mics=mics,  # type: ignore[arg-type]  # the model splits the comma-separated string
            seed=seed,
            messages_per_day=messages_per_day,
            session_scale=session_scale,
            iceberg_rate=iceberg_rate,
        )
    except ValidationError as error:
        for problem in error.errors():
            where = ".".join(str(p) for p in problem["loc"]) or "options"
            message = escape(f"{where}: {problem['msg']}")
            error_console().print(f"[red]error[/] {message}", highlight=False)
        raise typer.Exit(2) from None
    if not config.trading_days():
        error_console().print("[yellow]no trading day[/] between the dates: nothing written", markup=True)
        raise typer.Exit(1)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=error_console(), transient=True) as progress:
        tasks = {
            "simulate": progress.add_task("simulating", total=None),
            "write": progress.add_task("writing", total=None),
        }

        def update(stage: str, done: int, total: int) -> None:
            progress.update(tasks[stage], completed=done, total=total)

        summary = write_lake(config, out, layout=layout, workers=workers, progress=update)
    out_console = console()
    table = RichTable(title=f"Synthetic lake written to {summary.root} ({summary.layout} layout)")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, rows in summary.rows.items():
        table.add_row(name, f"{rows:,}")
    out_console.print(table)
    out_console.print(
        f"{len(summary.days)} day(s) × {config.listings} instrument(s) × {len(config.mics)} venue(s): "
        f"{summary.files} files in {summary.seconds:.1f} s with {summary.workers} worker(s); "
        f"{summary.messages:,} messages, {summary.l3_events:,} L3 events, "
        f"{summary.l2_snapshots:,} L2 snapshots; "
        f"{summary.events_per_cpu_second:,.0f} L3 events per CPU second (simulation and tables)",
        highlight=False,
    )
    if show_report:
        _print_report(summary.root)


def _print_report(root: Path) -> None:
    from basalt.synth import report

    result = report(root)
    table = RichTable(title=f"Stylized facts ({result.listing_days} listing-days)")
    for column, justify in (("statistic", "left"), ("value", "right"), ("plausible band", "right")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    table.add_column("check")
    table.add_column("what", overflow="fold")
    for stat in result.stats:
        verdict = "[green]OK[/]" if stat.ok else "[red]OUT[/]"
        table.add_row(stat.name, f"{stat.value:.4g}", f"[{stat.low:g}, {stat.high:g}]", verdict, stat.note)
    console().print(table)


register_describe(app)
