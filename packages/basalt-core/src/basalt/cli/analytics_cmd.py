"""``basalt analytics …``: the columns modules produce and what they mean."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.markup import escape
from rich.table import Table as RichTable

from basalt.cli.context import console, error_console, plugin_manager, print_json
from basalt.modules.base import AnalyticModule
from basalt.modules.columns import ColumnDoc

app = typer.Typer(
    name="analytics", help="List analytics modules and explain their columns.", no_args_is_help=True
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
PipelineOption = Annotated[
    Path | None,
    typer.Option("--pipeline", "-p", help="Columns exactly as this pipeline configures its modules."),
]


def _pipeline_columns(
    ctx: typer.Context, pipeline: Path
) -> list[tuple[str, type[AnalyticModule], ColumnDoc | None]]:
    """(pass.module, module class, column) exactly as the pipeline's modules are configured."""
    from basalt.engine.loader import load_pipeline
    from basalt.engine.resolve import resolve

    resolved = resolve(load_pipeline(pipeline), plugin_manager(ctx))
    return [
        (f"{p.name}.{m.name}", type(m.module), column)
        for p in resolved.passes
        for m in p.modules
        for column in m.module.columns()
    ]


def _documented_columns(
    ctx: typer.Context, pipeline: Path | None = None
) -> list[tuple[str, type[AnalyticModule], ColumnDoc | None]]:
    """(module name, module class, column) under each module's default config, or a pipeline's.

    A module whose config has required fields yields ``None`` for its columns:
    they depend on configuration the user has not given yet.
    """
    if pipeline is not None:
        return _pipeline_columns(ctx, pipeline)
    rows: list[tuple[str, type[AnalyticModule], ColumnDoc | None]] = []
    manager = plugin_manager(ctx)
    # Preprocessors document the columns of the tables they derive, like analytics modules.
    modules = {**manager.analytics(), **manager.preprocessors()}
    for name, module_cls in modules.items():
        try:
            columns = module_cls().columns()
        except ValidationError:
            rows.append((name, module_cls, None))
            continue
        rows.extend((name, module_cls, column) for column in columns)
    return rows


def _row_json(name: str, module_cls: type[AnalyticModule], column: ColumnDoc | None) -> dict[str, Any]:
    return {"module": name, "summary": module_cls.describe(), **(column.to_dict() if column else {})}


@app.command("list")
def list_analytics(ctx: typer.Context, as_json: JsonOption = False, pipeline: PipelineOption = None) -> None:
    """Every output column of every installed module (default configs), or of a pipeline. Reads no data."""
    rows = _documented_columns(ctx, pipeline)
    if as_json:
        print_json([_row_json(*row) for row in rows])
        return
    table = RichTable(title="Basalt analytics columns")
    for column in ("module", "column", "unit", "definition"):
        table.add_column(column, overflow="fold")
    for name, _, column in rows:
        if column is None:
            table.add_row(escape(name), "(depends on configuration)", "", "")
        else:
            # Definitions hold brackets ("[min, max]"): never read them as markup.
            table.add_row(*(escape(text) for text in (name, column.name, column.unit, column.definition)))
    console().print(table)


@app.command("explain")
def explain(
    ctx: typer.Context, column: str, as_json: JsonOption = False, pipeline: PipelineOption = None
) -> None:
    """Explain one output column: definition, unit, sources, module and its config."""
    rows = [row for row in _documented_columns(ctx, pipeline) if row[2] is not None]
    matches = [row for row in rows if column in (row[2].name, row[2].pattern)]
    if not matches:
        names = sorted({row[2].name for row in rows} | {row[2].pattern for row in rows})
        close = difflib.get_close_matches(column, names, n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        error_console().print(
            "[red]No installed analytics module or preprocessor documents a column "
            f"{escape(repr(column))}.[/]{escape(hint)}"
        )
        raise typer.Exit(1)
    name, module_cls, doc = matches[0]
    config_fields = {field: info.description or "" for field, info in module_cls.Config.model_fields.items()}
    manager = plugin_manager(ctx)
    registry = manager.preprocessors() if module_cls.NAME in manager.preprocessors() else manager.analytics()
    owner = registry.owner(module_cls.NAME)
    if as_json:
        print_json(
            {
                **_row_json(name, module_cls, doc),
                "plugin": owner.name,
                "distribution": owner.distribution,
                "config": config_fields,
            }
        )
        return
    out = console()
    out.print(f"[bold]{escape(doc.name)}[/]  ({escape(doc.pattern)})", highlight=False)
    # Everything below is documentation text, printed as written (brackets included).
    lines = [
        f"  definition: {doc.definition}",
        f"  unit:       {doc.unit}",
        f"  dtype:      {doc.dtype}",
        f"  sources:    {', '.join(doc.sources) or '-'}",
        f"  module:     {name} — {module_cls.describe()}",
        f"  plugin:     {owner.owner}",
        *(f"  config {field}: {description}" for field, description in config_fields.items()),
    ]
    for line in lines:
        out.print(line, markup=False, highlight=False)
