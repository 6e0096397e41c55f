"""``basalt data describe``: tables, files, rows and time span per MIC for a date."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table as RichTable

from basalt.cli.context import console, plugin_manager, print_json
from basalt.sources.spec import source_from_spec

SourceOption = Annotated[
    str,
    typer.Option(
        "--source", help="A lake folder, an s3://bucket/prefix URL, or bmll:MIC,MIC for BMLL's API."
    ),
]
DateOption = Annotated[
    datetime, typer.Option("--date", formats=["%Y-%m-%d"], help="Trading date (YYYY-MM-DD).")
]
TablesOption = Annotated[
    list[str] | None, typer.Option("--table", help="Only these tables (repeatable); default: all.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def describe(
    ctx: typer.Context,
    source: SourceOption,
    day: DateOption,
    tables: TablesOption = None,
    as_json: JsonOption = False,
) -> None:
    """What the source holds for a date: files, rows and time span per table and MIC."""
    manager = plugin_manager(ctx)
    registry = manager.tables()
    chosen = [registry[name] for name in tables] if tables else list(registry.values())
    # Imported here: it loads pyarrow, which every other command can do without (start-up, #7).
    from basalt.sources.describe import describe_day

    summaries = describe_day(source_from_spec(source, manager), date(day.year, day.month, day.day), chosen)
    if as_json:
        print_json([summary.__dict__ for summary in summaries])
        return
    table = RichTable(title=escape(f"{source} on {day:%Y-%m-%d}"))
    for column in ("table", "MIC", "files", "rows", "first", "last"):
        table.add_column(column, justify="right" if column in {"files", "rows"} else "left")
    for s in summaries:
        cells = (s.table, s.mic, str(s.files), f"{s.rows:,}", str(s.first or "-"), str(s.last or "-"))
        table.add_row(*map(escape, cells))
    console().print(table if summaries else escape(f"No data on {day:%Y-%m-%d} in {source}."))


def register(app: typer.Typer) -> None:
    """Add ``describe`` to the ``basalt data`` group."""
    app.command("describe")(describe)
