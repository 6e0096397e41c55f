"""``basalt plugins new``: what it writes, and that the generated tests pass (without installing).

Installing the scaffold into a clean venv is the root test ``tests/test_plugin_authoring.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from basalt.cli import build_app
from basalt.cli.scaffold import scaffold
from basalt.testing import make_plugin_manager


def test_the_scaffold_is_a_plugin_distribution(tmp_path: Path) -> None:
    manager = make_plugin_manager()
    result = CliRunner().invoke(
        build_app(manager), ["plugins", "new", "demo-plugin", "--dir", str(tmp_path)], obj=manager
    )
    assert result.exit_code == 0, result.output
    root = tmp_path / "demo-plugin"
    project = tomllib.loads((root / "pyproject.toml").read_text())
    assert project["project"]["name"] == "demo-plugin"
    assert project["project"]["entry-points"]["basalt"] == {"demo_plugin": "demo_plugin.plugin"}
    assert any(dep.startswith("bmll-basalt>=") for dep in project["project"]["dependencies"])
    assert (root / "src/demo_plugin/py.typed").exists()
    for path in ("README.md", "CHANGELOG.md", "src/demo_plugin/metrics.py", "tests/test_plugin.py"):
        assert (root / path).read_text().strip(), path
    for path in root.rglob("*.py"):
        compile(path.read_text(), str(path), "exec")


def test_the_generated_tests_pass(tmp_path: Path) -> None:
    root = scaffold("demo-plugin", tmp_path)
    env = {**os.environ, "PYTHONPATH": str(root / "src")}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", "-n", "0"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 passed" in result.stdout


@pytest.mark.parametrize("name", ["", "1plugin", "bad name", "a/b"])
def test_invalid_names_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="not a valid distribution name"):
        scaffold(name, tmp_path)


def test_a_non_empty_folder_is_never_overwritten(tmp_path: Path) -> None:
    (tmp_path / "demo" / "keep.txt").parent.mkdir()
    (tmp_path / "demo" / "keep.txt").write_text("mine")
    with pytest.raises(ValueError, match="not empty"):
        scaffold("demo", tmp_path)
    assert (tmp_path / "demo" / "keep.txt").read_text() == "mine"
