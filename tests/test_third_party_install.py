"""Third-party plugins installed for real: built as wheels, installed, discovered.

Each plugin is built with hatchling and installed with uv into its own target
folder, which the ``basalt`` subprocess sees through PYTHONPATH; the test
environment itself is left untouched.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def _install(project: Path, tmp_path: Path) -> Path:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(dist)],
        cwd=project,
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("*.whl")
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "uv",
            "pip",
            "install",
            "--python",
            sys.executable,
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    return target


def _basalt(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop("BASALT_DISABLE_PLUGINS", None)
    return subprocess.run([sys.executable, "-m", "basalt", *args], env=env, capture_output=True, text=True)


def _plugins(site: Path) -> dict[str, dict]:
    result = _basalt(site, "plugins", "list", "--json")
    assert result.returncode == 0, result.stderr
    return {entry["name"]: entry for entry in json.loads(result.stdout)}


def test_installed_example_plugin_is_listed_and_explained(tmp_path: Path) -> None:
    site = _install(ROOT / "examples" / "basalt-plugin-example", tmp_path)
    example = _plugins(site)["example"]
    assert example["distribution"] == "basalt-plugin-example"
    assert example["version"] == "0.1.0"
    assert example["provides"] == {"analytics": ["large_trades"]}
    assert example["error"] is None
    explained = _basalt(site, "analytics", "explain", "LargeTradeCount", "--json")
    assert explained.returncode == 0, explained.stderr
    assert json.loads(explained.stdout)["module"] == "large_trades"
    assert "basalt-plugin-example" in _basalt(site, "--version").stdout


def test_broken_plugin_is_reported_and_the_cli_keeps_working(tmp_path: Path) -> None:
    site = _install(ROOT / "tests" / "data" / "basalt-plugin-broken", tmp_path)
    broken = _plugins(site)["broken"]
    assert broken["distribution"] == "basalt-plugin-broken"
    assert "basalt_dependency_that_does_not_exist" in broken["error"]
    table = _basalt(site, "plugins", "list")
    assert table.returncode == 0
    assert "basalt_dependency_that_does_not_exist" in table.stdout
    assert _basalt(site, "plugins", "check").returncode == 1


def test_a_blocked_broken_plugin_is_not_even_imported(tmp_path: Path) -> None:
    site = _install(ROOT / "tests" / "data" / "basalt-plugin-broken", tmp_path)
    env = {**os.environ, "PYTHONPATH": str(site), "BASALT_DISABLE_PLUGINS": "broken"}
    result = subprocess.run(
        [sys.executable, "-m", "basalt", "plugins", "check"], env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
