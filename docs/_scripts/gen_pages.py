"""Pages of the documentation site written at build time (mkdocs-gen-files), each from its source.

* ``index.md``, ``pipelines.md``, ``plugins.md``: sections of the repository's README (the README
  stays the one source; ``plugins.md`` adds ``docs/_scripts/plugins.md``).
* ``preprocessors.md``, ``alpha101.md``: the add-ons' package READMEs.
* ``hooks.md``: every hook specification in ``basalt.hookspecs`` (a summary table, then each
  hook's signature and docstring through mkdocstrings).
* ``analytics.md``: the column catalogue from ``basalt analytics list --all --json`` (falls back
  to ``--json``, the default configurations, where ``--all`` does not exist yet).
* ``reference.md``: the API reference of everything ``basalt/__init__.py`` exports, plus the
  source base class and ``basalt.testing``.

Relative links that leave their folder (README → ``docs/…``, ``../examples/x.yaml``) are
rewritten: to the page when the target is a page of the site, else to a copy of the repository
file under ``repo/``. A target that does not exist is left alone, so the strict build fails on it.
"""

from __future__ import annotations

import importlib
import inspect
import json
import re
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

import mkdocs_gen_files

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
SCRIPTS = DOCS / "_scripts"
LINK = re.compile(r"(!?\[[^\]]*\]\()([^)\s]+)(\))")

# Repository files that are pages of the site (source path -> page).
PAGES: dict[str, str] = {
    "README.md": "index.md",
    "packages/basalt-preprocessors/README.md": "preprocessors.md",
    "packages/basalt-alpha101/README.md": "alpha101.md",
    "packages/basalt-characteristics/README.md": "characteristics.md",
    "packages/basalt-dagster/README.md": "dagster.md",
}


def write(page: str, text: str, source: str) -> None:
    """Write a generated page; its 'edit' link points at the file it comes from."""
    with mkdocs_gen_files.open(page, "w") as handle:
        handle.write(text)
    mkdocs_gen_files.set_edit_path(page, Path("..") / source)


def relink(text: str, source: Path, page: str) -> str:
    """Rewrite the relative links of ``text`` (read from ``source``) for the site page ``page``."""
    page_dir = PurePosixPath(page).parent

    def target_of(match: re.Match[str]) -> str:
        target = match.group(2)
        if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith(("#", "/")):
            return match.group(0)
        path, _, anchor = target.partition("#")
        resolved = (source.parent / path).resolve()
        if not path or not resolved.exists():
            return match.group(0)  # a broken link stays broken: the strict build reports it
        rel = resolved.relative_to(ROOT).as_posix()
        if rel.startswith("docs/") and source.resolve().is_relative_to(DOCS):
            return match.group(0)  # a link between docs pages: mkdocs checks it as it is
        if rel.startswith("docs/"):
            dest = rel.removeprefix("docs/")
        elif rel in PAGES:
            dest = PAGES[rel]
        elif resolved.is_file():
            dest = f"repo/{rel}"
            with mkdocs_gen_files.open(dest, "wb") as handle:
                handle.write(resolved.read_bytes())
        else:  # a folder of the repository: there is no page for it, name it instead
            return f"{match.group(1)[:-2].lstrip('!')}] (`{rel}/` in the repository)"
        new = _relative(dest, page_dir) + (f"#{anchor}" if anchor else "")
        return f"{match.group(1)}{new}{match.group(3)}"

    return LINK.sub(target_of, text)


def _relative(dest: str, page_dir: PurePosixPath) -> str:
    depth = 0 if str(page_dir) == "." else len(page_dir.parts)
    return "../" * depth + dest


def sections(markdown: str) -> dict[str, str]:
    """The ``## `` sections of a Markdown file by title ('' is everything before the first)."""
    out: dict[str, list[str]] = defaultdict(list)
    title, fenced = "", False
    for line in markdown.splitlines(keepends=True):
        if line.startswith("```"):
            fenced = not fenced
        if not fenced and line.startswith("## "):
            title = line[3:].strip()
        out[title].append(line)
    return {k: "".join(v) for k, v in out.items()}


def readme_pages() -> None:
    """Getting started, pipelines and writing a plugin: sections of the README."""
    readme = ROOT / "README.md"
    parts = sections(readme.read_text())

    def pick(*titles: str) -> str:
        missing = [t for t in titles if t not in parts]
        if missing:
            raise SystemExit(f"README.md has no section {missing} (docs/_scripts/gen_pages.py)")
        return "".join(parts[t] for t in titles)

    intro = parts[""]
    write("index.md", relink(intro + pick("Two commands", "Packages"), readme, "index.md"), "README.md")
    # The README's '## Pipelines' is the page's h1.
    pipelines = pick("Pipelines", "A synthetic market, for anyone").removeprefix("#")
    write("pipelines.md", relink(pipelines, readme, "pipelines.md"), "README.md")
    plugin = pick(*([t for t in parts if t.lower().startswith("write a plugin")][:1] or ["Write a plugin"]))
    text = "# Writing a plugin\n\n" + plugin + "\n" + (SCRIPTS / "plugins.md").read_text()
    write("plugins.md", relink(text, readme, "plugins.md"), "README.md")


def addon_pages() -> None:
    """The add-ons documented by their package README only."""
    for source, page in PAGES.items():
        path = ROOT / source
        if source.startswith("packages/") and not (DOCS / page).exists():
            write(page, relink(path.read_text(), path, page), source)


def hooks_page() -> None:
    """Every hook in ``basalt.hookspecs``: a table, then each one's signature and docstring."""
    specs = importlib.import_module("basalt.hookspecs")
    marker = f"{specs.PROJECT_NAME}_spec"
    hooks = [(name, fn) for name, fn in vars(specs).items() if inspect.isfunction(fn) and hasattr(fn, marker)]
    # The module docstring after its summary line; reST's "group::" before a code block reads "group:".
    about = (inspect.getdoc(specs) or "").partition("\n\n")[2].replace("::\n", ":\n")
    lines = [
        "# Hooks",
        "",
        "Generated from `basalt.hookspecs`, the [pluggy](https://pluggy.readthedocs.io) hook",
        "specifications; see also [Writing a plugin](plugins.md).",
        "",
        about.strip(),
        "",
        "| hook | returns | what it registers |",
        "|---|---|---|",
    ]
    for name, fn in hooks:
        returns = inspect.signature(fn).return_annotation
        returns = returns if isinstance(returns, str) else getattr(returns, "__name__", str(returns))
        summary = (inspect.getdoc(fn) or "").split("\n\n")[0].replace("\n", " ")
        options = [k for k, v in (getattr(fn, marker) or {}).items() if v is True]
        flags = f" ({', '.join(options)})" if options else ""
        lines.append(f"| [`{name}`](#{specs.__name__}.{name}){flags} | `{returns}` | {summary} |")
    lines += ["", "::: basalt.hookspecs", "    options:", "      show_root_heading: false"]
    lines += ["      show_root_toc_entry: false", "      members:"]
    lines += [f"        - {name}" for name, _ in hooks] + [""]
    write("hooks.md", "\n".join(lines), "packages/basalt-core/src/basalt/hookspecs.py")


def catalogue_rows() -> tuple[list[dict[str, object]], bool]:
    """Every producible column (``--all``), or the default configurations' where ``--all`` is unknown."""
    base = [sys.executable, "-m", "basalt", "analytics", "list", "--json"]
    for args, complete in (([*base, "--all"], True), (base, False)):
        proc = subprocess.run(args, capture_output=True, text=True, check=False)
        if proc.returncode == 0:
            return json.loads(proc.stdout), complete
        if complete and "--all" in proc.stderr:  # this basalt has no --all yet
            continue
        raise SystemExit(f"{' '.join(args[2:])} failed ({proc.returncode}):\n{proc.stderr}")
    raise AssertionError("unreachable")


def cell(value: object) -> str:
    """A value as one Markdown table cell."""
    if value is None or value == "" or value == []:
        return ""
    if isinstance(value, list | tuple):
        value = ", ".join(f"`{v}`" for v in value)
    elif isinstance(value, dict):
        value = ", ".join(f"`{k}: {json.dumps(v)}`" for k, v in value.items())
    return str(value).replace("|", "\\|").replace("\n", " ")


MODULE_KEYS = ("kind", "plugin", "distribution")  # the same for every column of a module
FAMILY_KEYS = {"module", "summary", "name", "pattern", "unit", "dtype", "definition", "sources", "additive"}
FAMILY_KEYS |= {"parameters", "enabled_by", "default", *MODULE_KEYS}


def catalogue_page() -> None:
    """``analytics.md``: per module, a table with one row per column family (pattern)."""
    rows, complete = catalogue_rows()
    by_module: dict[str, list[dict[str, object]]] = defaultdict(list)
    for row in rows:
        by_module[str(row["module"])].append(row)
    extra = sorted({k for row in rows for k in row} - FAMILY_KEYS)  # shown in the definition cell
    config = any("enabled_by" in row or "default" in row for row in rows)
    scope = (
        "every column that some valid configuration of each installed module can produce "
        "(`basalt analytics list --all --json`), with the configuration that enables it"
        if complete
        else "the columns of each installed module's default configuration (`basalt analytics list --json`)"
    )
    out = [
        "# Analytics catalogue",
        "",
        f"Generated when this site was built: {scope}, for the core and the add-ons "
        f"(preprocessors, characteristics, alpha101) — {len(rows)} columns in {len(by_module)} modules.",
        "`basalt analytics explain COLUMN` prints the same for one column, `basalt analytics list",
        "--pipeline FILE` the exact columns a pipeline produces. A column family (`Trade{Side}Volume`)",
        "is one row, its columns listed under its pattern; where their definitions differ, the row",
        "shows the first column's.",
        "",
    ]
    for module in sorted(by_module):
        items = by_module[module]
        about = " · ".join(f"{k}: `{items[0][k]}`" for k in MODULE_KEYS if items[0].get(k))
        out += [f"## `{module}`", "", cell(items[0].get("summary")), "", about, ""]
        families: dict[str, list[dict[str, object]]] = defaultdict(list)
        for item in items:
            if item.get("pattern") or item.get("name"):  # else a module without default columns
                families[str(item.get("pattern") or item["name"])].append(item)
        if not families:
            out += ["No columns in its default configuration: they depend on its settings.", ""]
            continue
        head = ["column", "unit", "definition", *(["enabled by"] if config else [])]
        out += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for pattern, members in families.items():
            out.append("| " + " | ".join(_family_cells(pattern, members, extra, config)) + " |")
        out.append("")
    write("analytics.md", "\n".join(out), "packages/basalt-core/src/basalt/cli/analytics_cmd.py")


def _family_cells(
    pattern: str, members: list[dict[str, object]], extra: list[str], config: bool
) -> list[str]:
    """The table cells of one column family."""
    first = members[0]
    names = sorted({str(m.get("name") or pattern) for m in members})
    label = f"`{pattern}`" + ("" if names == [pattern] else "<br>" + _names(names))
    unit = (
        f"{cell(first.get('unit'))}<br>`{first.get('dtype')}`"
        if first.get("dtype")
        else cell(first.get("unit"))
    )
    same = len({str(m.get("definition")) for m in members}) == 1
    definition = cell(first.get("definition"))
    if not same:
        definition = f"`{first.get('name')}`: {definition}"
    if first.get("sources"):
        definition += f"<br>*Sources:* {cell(first.get('sources'))}"
    for key in extra:
        if (value := _merged(m.get(key) for m in members)) not in (None, "", []):
            definition += f"<br>*{key}:* {cell(value)}"
    cells = [label, unit, definition]
    if config:
        enabled = ["default" if m.get("default") else cell(m.get("enabled_by")) for m in members]
        cells.append(cell(_merged(enabled)))
    return cells


def _names(names: list[str], limit: int = 12) -> str:
    """The columns of a family; a long list folds (still on the page, so search finds each)."""
    if len(names) <= limit:
        return ", ".join(names)
    return f"<details><summary>{len(names)} columns</summary>{', '.join(names)}</details>"


def _merged(values: Iterable[object]) -> object:
    distinct: list[object] = []
    for value in values:
        if value not in distinct:
            distinct.append(value)
    if len(distinct) <= 1:
        return distinct[0] if distinct else None
    return " / ".join(cell(v) for v in distinct[:4]) + (" / …" if len(distinct) > 4 else "")


# The API reference: what `import basalt` offers, by the module that defines it, in this order.
REFERENCE_EXTRA: dict[str, list[str]] = {"basalt.sources.base": ["Source"], "basalt.jobs.base": ["Executor"]}
REFERENCE_TITLES: dict[str, str] = {
    "basalt.modules": "Modules and their columns",
    "basalt.metrics": "Declarative metrics",
    "basalt.tables": "Tables",
    "basalt.sources": "Sources",
    "basalt.writers": "Output writers",
    "basalt.timebuckets": "Time buckets",
    "basalt.universe": "Universes",
    "basalt.engine": "Running pipelines",
    "basalt.plugins": "Plugins",
    "basalt.jobs": "Executors",
}


def reference_page() -> None:
    """``reference.md``: every name ``basalt`` exports, grouped by the module defining it."""
    basalt = importlib.import_module("basalt")
    lazy: dict[str, str] = dict(basalt._LAZY)
    by_module: dict[str, list[str]] = defaultdict(list)
    for name in basalt.__all__:
        if name in lazy:
            by_module[lazy[name]].append(name)
    for module, names in REFERENCE_EXTRA.items():
        by_module[module].extend(n for n in names if n not in by_module[module])
    # `basalt.engine` exports more for orchestrators (errors, reports, jobs): those too.
    engine = importlib.import_module("basalt.engine")
    for name in engine.__all__:
        module, _, attribute = engine._PUBLIC[name].partition(":")
        if name not in basalt.__all__ and not attribute:
            by_module[module].append(name)
    groups: dict[str, list[str]] = defaultdict(list)
    for module in by_module:
        key = next((k for k in REFERENCE_TITLES if module == k or module.startswith(k + ".")), module)
        groups[key].append(module)
    out = [
        "# API reference",
        "",
        "Everything `basalt/__init__.py` and `basalt.engine` export, the `Source` and `Executor` base",
        "classes and `basalt.testing`, generated from their docstrings. `hookimpl` is pluggy's marker for",
        "[hook](hooks.md) implementations. This API is typed (every distribution ships `py.typed`)",
        "and CI type-checks it: `hatch run types:check` runs mypy over the modules listed in",
        "`mypy.ini`.",
        "",
    ]
    order = [k for k in REFERENCE_TITLES if k in groups]
    order += sorted(k for k in groups if k not in REFERENCE_TITLES)
    for key in order:
        out += [f"## {REFERENCE_TITLES.get(key, key)}", ""]
        for module in groups[key]:
            for name in by_module[module]:
                out += [f"::: {module}.{name}", "    options:", "      heading_level: 3", ""]
    out += ["## Testing plugins: `basalt.testing`", "", "::: basalt.testing", "    options:"]
    out += ["      show_root_heading: false", "      heading_level: 3", ""]
    write("reference.md", "\n".join(out), "packages/basalt-core/src/basalt/__init__.py")


def relink_docs() -> None:
    """Hand-written pages of docs/ whose links leave docs/ (``../examples/…``)."""
    for path in sorted(DOCS.glob("*.md")):
        text = path.read_text()
        new = relink(text, path, path.name)
        if new != text:
            write(path.name, new, f"docs/{path.name}")


readme_pages()
addon_pages()
hooks_page()
catalogue_page()
reference_page()
relink_docs()
