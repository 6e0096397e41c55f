"""``basalt dagster`` joins the CLI; Dagster is imported only when a command runs."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

from basalt.cli import build_app
from basalt.testing import make_plugin_manager
from basalt_dagster import __version__, plugin


def test_info_reports_both_versions() -> None:
    import dagster

    manager = make_plugin_manager(dagster=plugin)
    result = CliRunner().invoke(build_app(manager), ["dagster", "info"], obj=manager)
    assert result.exit_code == 0, result.output
    expected = [f"bmll-basalt-dagster {__version__}", f"dagster {dagster.__version__}"]
    assert result.output.splitlines() == expected


def test_loading_the_plugin_does_not_import_dagster() -> None:
    code = (
        "import sys\n"
        "from basalt.testing import make_plugin_manager\n"
        "from basalt_dagster import plugin\n"
        "assert 'dagster' in make_plugin_manager(dagster=plugin).commands()\n"
        "assert 'dagster' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
