"""Importing Basalt, or listing plugins, must not drag in heavy add-on dependencies."""

from __future__ import annotations

import subprocess
import sys


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
    )
