"""A test plugin installed as a distribution that spawned workers and subprocesses can load.

Importable from any test (pytest.ini puts this folder on ``pythonpath``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from basalt.plugins.manager import reset_plugin_manager


def install_test_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, source: str) -> Path:
    """Install module ``{name}_plugin`` (``source``) as distribution ``{name}-plugin`` 1.0.

    Its ``basalt`` entry point is ``name``. The folder goes on ``sys.path`` and on
    ``PYTHONPATH`` (workers are spawned, jobs are new processes), a control folder is made
    and named by ``$BASALT_TEST_CONTROL``, and the process-wide plugin manager is reset.
    Returns the control folder.
    """
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    module = f"{name}_plugin"
    (site / f"{module}.py").write_text(source)
    info = site / f"{module}-1.0.dist-info"
    info.mkdir()
    dist = f"{name.replace('_', '-')}-plugin"
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[basalt]\n{name} = {module}\n")
    control = tmp_path / "control"
    control.mkdir(exist_ok=True)
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv("BASALT_TEST_CONTROL", str(control))
    reset_plugin_manager()
    return control
