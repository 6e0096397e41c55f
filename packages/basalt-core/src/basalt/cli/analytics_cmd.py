"""``basalt analytics …``: the columns modules produce and what they mean.

``list`` shows the columns of each module's default configuration (or of a
pipeline's, with ``--pipeline``); ``list --all`` the whole catalogue
(:mod:`basalt.modules.catalogue`): every column any valid configuration of
every installed analytics module and preprocessor can produce. ``explain``
answers for any catalogued column, pattern (``AvgRestingTime{Side}``) or family
stem (``AvgRestingTime``), and says which settings produce it.

JSON of ``list --all --json`` (stable; the documentation site is generated from
it): a list with one object per producible column, in module then output order::

    {"module": "l3",                      # registered module name
     "kind": "analytics",                 # or "preprocessor"
     "summary": "...",                    # the module's one-line description
     "plugin": "basalt.builtin.analytics",# registering plugin and its distribution
     "distribution": "bmll-basalt",
     "name": "AvgRestingTimeBid",         # exact column name
     "pattern": "AvgRestingTime{Side}",   # its family, placeholders in braces
     "parameters": {"Side": "Bid"},       # placeholder values of this name
     "unit": "seconds", "definition": "...", "sources": ["l3.OrderId", ...],
     "dtype": "Float64",                  # or null when not declared
     "additive": false,
     "enabled_by": {"advanced": ["AvgRestingTime"]},  # settings producing it ({}: defaults)
     "default": false}                    # true when the default configuration emits it

``explain --json`` prints one such object for the best match, plus ``config``
(the module's config fields → descriptions) and ``matches`` (every matching
column name, for a pattern or stem).
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from pydantic import ValidationError
from rich.markup import escape
from rich.table import Table as RichTable

from basalt.cli.context import console, error_console, plugin_manager, print_json
from basalt.modules.base import AnalyticModule
from basalt.modules.catalogue import CatalogueEntry, catalogue, find
from basalt.modules.columns import ColumnDoc
from basalt.plugins.manager import PluginManager

app = typer.Typer(
    name="analytics", help="List analytics modules and explain their columns.", no_args_is_help=True
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
AllOption = Annotated[
    bool,
    typer.Option(
        "--all", help="Every column any valid configuration can produce, with the settings producing it."
    ),
]
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
    modules = installed_modules(manager)
    for name, module_cls in modules.items():
        try:
            columns = module_cls().columns()
        except ValidationError:
            rows.append((name, module_cls, None))
            continue
        rows.extend((name, module_cls, column) for column in columns)
    return rows


def installed_modules(manager: PluginManager) -> dict[str, type[AnalyticModule]]:
    """Every analytics module and preprocessor that loads, by name (analytics first).

    A deferred registration that fails to import is left out with a warning on stderr
    (once per process) naming the plugin: one broken plugin must not hide the rest.
    """
    analytics, preprocessors = manager.analytics(), manager.preprocessors()
    modules = {**analytics.usable(), **preprocessors.usable()}
    for name, error in {**analytics.skipped, **preprocessors.skipped}.items():
        if name not in _WARNED:
            _WARNED.add(name)
            message = f"[yellow]warning:[/] skipped module {escape(repr(name))}: {escape(error)}"
            error_console().print(message, soft_wrap=True)
    return modules  # type: ignore[return-value]


_WARNED: set[str] = set()


def _row_json(name: str, module_cls: type[AnalyticModule], column: ColumnDoc | None) -> dict[str, Any]:
    return {"module": name, "summary": module_cls.describe(), **(column.to_dict() if column else {})}


def _catalogue(manager: PluginManager) -> list[CatalogueEntry]:
    """The catalogue of every installed analytics module and preprocessor."""
    entries: list[CatalogueEntry] = []
    for name, module_cls in installed_modules(manager).items():
        entries.extend(catalogue(module_cls, name))
    return entries


def _owner_json(manager: PluginManager, module_cls: type[AnalyticModule]) -> dict[str, Any]:
    registry = manager.preprocessors() if module_cls.NAME in manager.preprocessors() else manager.analytics()
    owner = registry.owner(module_cls.NAME)
    return {"plugin": owner.name, "distribution": owner.distribution, "owner": owner.owner}


def _module_class(manager: PluginManager, name: str) -> type[AnalyticModule]:
    preprocessors = manager.preprocessors()
    registry = preprocessors if name in preprocessors else manager.analytics()
    return registry[name]  # type: ignore[no-any-return]


def _entry_json(manager: PluginManager, entry: CatalogueEntry) -> dict[str, Any]:
    module_cls = _module_class(manager, entry.module)
    owner = _owner_json(manager, module_cls)
    return {
        "module": entry.module,
        "kind": entry.kind,
        "summary": module_cls.describe(),
        "plugin": owner["plugin"],
        "distribution": owner["distribution"],
        **{k: v for k, v in entry.to_dict().items() if k not in {"module", "kind"}},
    }


def catalogue_rows(manager: PluginManager) -> list[dict[str, Any]]:
    """The rows of ``basalt analytics list --all --json`` (see this module's docstring)."""
    return [_entry_json(manager, entry) for entry in _catalogue(manager)]


def explain_row(manager: PluginManager, column: str) -> dict[str, Any] | None:
    """What ``basalt analytics explain COLUMN --json`` prints, or None when nothing documents it."""
    found = find(_catalogue(manager), column)
    if not found:
        return None
    module_cls = _module_class(manager, found[0].module)
    config = {field: info.description or "" for field, info in module_cls.Config.model_fields.items()}
    return {**_entry_json(manager, found[0]), "config": config, "matches": [e.column.name for e in found]}


def _settings_text(settings: dict[str, Any]) -> str:
    if not settings:
        return "default"
    return ", ".join(f"{field}={json.dumps(value)}" for field, value in settings.items())


@app.command("list")
def list_analytics(
    ctx: typer.Context,
    as_json: JsonOption = False,
    pipeline: PipelineOption = None,
    everything: AllOption = False,
) -> None:
    """Every output column of installed modules (default configs), of a pipeline, or all. Reads no data."""
    if everything:
        if pipeline is not None:
            raise typer.BadParameter("--all and --pipeline exclude each other", param_hint="--all")
        manager = plugin_manager(ctx)
        entries = _catalogue(manager)
        if as_json:
            print_json(catalogue_rows(manager))
            return
        table = RichTable(title="Basalt analytics catalogue (every producible column)")
        for column in ("module", "column", "unit", "enabled by", "definition"):
            table.add_column(column, overflow="fold")
        for entry in entries:
            doc = entry.column
            cells = (entry.module, doc.name, doc.unit, _settings_text(dict(entry.enabled_by)), doc.definition)
            table.add_row(*(escape(text) for text in cells))
        out = console()
        out.print(table)
        listed = {entry.module for entry in entries}
        for name in sorted(installed_modules(manager).keys() - listed):
            # Required config fields and no CATALOGUE_CONFIGS example: nothing to enumerate from.
            out.print(
                f"{name}: columns depend on configuration the module gives no example of "
                "(its author can declare CATALOGUE_CONFIGS)",
                markup=False,
                highlight=False,
            )
        return
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


def _not_found(column: str, names: set[str]) -> NoReturn:
    close = difflib.get_close_matches(column, sorted(names), n=3)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    error_console().print(
        "[red]No installed analytics module or preprocessor documents a column "
        f"{escape(repr(column))}.[/]{escape(hint)}"
    )
    raise typer.Exit(1)


@app.command("explain")
def explain(
    ctx: typer.Context, column: str, as_json: JsonOption = False, pipeline: PipelineOption = None
) -> None:
    """Explain a column, pattern or family (AvgRestingTime): its meaning and the settings producing it."""
    manager = plugin_manager(ctx)
    if pipeline is not None:
        rows = [row for row in _documented_columns(ctx, pipeline) if row[2] is not None]
        found = [row for row in rows if column in (row[2].name, row[2].pattern)]
        if not found:
            _not_found(column, {row[2].name for row in rows} | {row[2].pattern for row in rows})
        name, module_cls, doc = found[0]
        config = {field: info.description or "" for field, info in module_cls.Config.model_fields.items()}
        owner = _owner_json(manager, module_cls)
        data = {
            **_row_json(name, module_cls, doc),
            "plugin": owner["plugin"],
            "distribution": owner["distribution"],
        }
        data.update(config=config, matches=[row[2].name for row in found])
        produced = f"the pipeline's configuration of {name}"
    else:
        explained = explain_row(manager, column)
        if explained is None:
            entries = _catalogue(manager)
            _not_found(column, {e.column.name for e in entries} | {e.column.pattern for e in entries})
        data = explained
        module_cls = _module_class(manager, data["module"])
        settings = _settings_text(data["enabled_by"])
        produced = f"{data['module']} with " + (
            "its default configuration" if settings == "default" else settings
        )
    if as_json:
        print_json(data)
        return
    out = console()
    out.print(f"[bold]{escape(data['name'])}[/]  ({escape(data['pattern'])})", highlight=False)
    # Everything below is documentation text, printed as written (brackets included).
    lines = [
        f"  definition: {data['definition']}",
        f"  unit:       {data['unit']}",
        f"  dtype:      {data['dtype']}",
        f"  sources:    {', '.join(data['sources']) or '-'}",
        f"  module:     {data['module']} — {module_cls.describe()}",
        f"  plugin:     {_owner_json(manager, module_cls)['owner']}",
        f"  produced by: {produced}",
        *([f"  matches:    {', '.join(data['matches'])}"] if len(data["matches"]) > 1 else []),
        *(f"  config {field}: {description}" for field, description in data["config"].items()),
    ]
    for line in lines:
        out.print(line, markup=False, highlight=False)
