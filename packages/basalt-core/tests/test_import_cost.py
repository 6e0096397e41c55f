"""Importing Basalt, or listing plugins, must not drag in heavy add-on dependencies."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def _run(code: str) -> None:
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)


def test_import_basalt_is_light() -> None:
    _run(
        "import sys, basalt\n"
        "heavy = [m for m in ('polars', 'pyarrow', 'typer', 'dagster') if m in sys.modules]\n"
        "assert not heavy, heavy"
    )


def test_listing_plugins_does_not_import_dagster() -> None:
    # With every add-on installed (the dev environment), the dagster plugin is
    # loaded and asked what it provides, but Dagster itself stays unimported.
    _run(
        "import sys\n"
        "from basalt.plugins import get_plugin_manager\n"
        "infos = get_plugin_manager().plugins()\n"
        "assert 'dagster' not in sys.modules, 'listing plugins imported dagster'\n"
        "assert 'numba' not in sys.modules, 'registering plugins imported numba (compile on first use)'\n"
        "assert 'numpy' not in sys.modules, 'registering plugins imported numpy (import it where used)'\n"
    )


def test_cli_help_imports_no_engine_polars_or_pydantic() -> None:
    # `basalt --help` lists the command groups from their summaries (lazy groups) and the
    # plugins from their plugin.py modules: nothing that computes is imported.
    _run(
        "import sys, contextlib, io\n"
        "from basalt.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    main(['--help'])\n"
        "heavy = [m for m in ('polars', 'pydantic', 'yaml', 'pyarrow', 'dagster', 'basalt.engine', 'rich') "
        "if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )


def test_a_command_group_is_imported_when_it_runs() -> None:
    _run(
        "import sys, contextlib, io\n"
        "from basalt.cli import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):\n"
        "    main(['plugins', 'list', '--json'])\n"
        "assert 'basalt.cli.plugins_cmd' in sys.modules\n"
        "assert 'basalt.cli.pipeline_cmd' not in sys.modules\n"
        "assert '\"name\"' in out.getvalue()\n"
    )


def test_a_pipeline_imports_only_the_modules_it_names() -> None:
    # Registrations are deferred (basalt.Deferred): resolving a trade-only pipeline imports
    # the trade module, the parquet writer and the local source, and no other module,
    # writer or source of the core or of any installed add-on.
    _run(
        "import sys\n"
        "from basalt.engine.loader import load_pipeline\n"
        "from basalt.engine.resolve import resolve\n"
        "from basalt.plugins import get_plugin_manager\n"
        "pipeline = load_pipeline(data={'START_DATE': '2026-01-05', 'END_DATE': '2026-01-05',\n"
        "    'DATASETNAME': 'x', 'SOURCE': {'type': 'local', 'root': '.'},\n"
        "    'OUTPUT_TARGET': {'type': 'parquet', 'root': 'out'},\n"
        "    'PASSES': [{'name': 'bars', 'modules': ['trade']}]})\n"
        "resolved = resolve(pipeline, get_plugin_manager())\n"
        "assert 'basalt.analytics.trade' in sys.modules\n"
        "assert 'basalt.writers.parquet' in sys.modules\n"
        "unused = ('basalt.analytics.l3', 'basalt.analytics.execution', 'basalt.analytics.indicators',\n"
        "    'basalt.writers.sql', 'basalt.writers.delta', 'basalt.sources.s3', 'basalt.sources.bmll_api',\n"
        "    'basalt_characteristics.vpin', 'basalt_characteristics.ofi', 'basalt_alpha101.module',\n"
        "    'basalt_preprocessors.cbbo.venue', 'basalt_preprocessors.replay.module')\n"
        "imported = [name for name in unused if name in sys.modules]\n"
        "assert not imported, imported\n"
    )


def test_listing_plugins_from_the_cache_imports_no_pydantic(tmp_path: Path) -> None:
    # typer ≥ 0.29 coerces option values through pydantic unless a bool flag holds a bool; the
    # CLI's --help flags default to False so a command that needs no pydantic never imports it
    # (~0.12 s). Warm the plugin cache, then list from it.
    env = {**os.environ, "BASALT_CACHE_DIR": str(tmp_path)}
    code = (
        "import sys, contextlib, io\n"
        "from basalt.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    main(['plugins', 'list', '--all'])\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env=env, capture_output=True)
    subprocess.run(
        [sys.executable, "-c", code + "assert 'pydantic' not in sys.modules, 'imported pydantic'\n"],
        check=True,
        env=env,
        capture_output=True,
    )


def test_a_worker_rebuilding_the_plugins_imports_no_typer_or_add_on_modules() -> None:
    # What a worker does before its first batch: rebuild the parent's plugin set and look up
    # the run's modules. Plugins only contributing commands (dagster) must not cost it typer.
    _run(
        "import sys\n"
        "from basalt.plugins import PluginManager\n"
        "manager = PluginManager().plugin_set().build()\n"
        "assert manager.analytics()['trade'].NAME == 'trade'\n"
        "unused = ('typer', 'rich', 'dagster', 'basalt_characteristics.vpin')\n"
        "heavy = [m for m in unused if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
