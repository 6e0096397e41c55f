"""Writing a plugin as an author would, in a clean virtual environment.

One venv holds only the core's wheel built from this checkout (and pytest).
Into it go: the README's plugin, extracted from README.md (never copied), as a
real distribution; and a plugin scaffolded by ``basalt plugins new``, which must
install and pass its own generated tests. uv's cache makes the installs fast;
marked ``slow`` (it builds a wheel and a venv), like the other install tests.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
UV = [sys.executable, "-m", "uv"]
# Builds a wheel and a venv and runs ~10 processes: ~10 s of CPU on an idle machine.
pytestmark = pytest.mark.slow


def _run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True)
    assert result.returncode == 0, f"{' '.join(map(str, args))}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clean venv with the core's wheel (built from this checkout) and pytest; returns its bin folder."""
    work = tmp_path_factory.mktemp("authoring")
    dist = work / "dist"
    _run(
        sys.executable,
        "-m",
        "hatchling",
        "build",
        "-t",
        "wheel",
        "-d",
        dist,
        cwd=ROOT / "packages/basalt-core",
    )
    (wheel,) = dist.glob("bmll_basalt-*.whl")
    _run(*UV, "venv", "--quiet", "--python", sys.executable, work / "venv")
    python = work / "venv" / "bin" / "python"
    _run(*UV, "pip", "install", "--quiet", "--python", python, wheel, "pytest>=8")
    return python.parent


def _readme_block(language: str, first_line: str) -> str:
    """The README code block of ``language`` that starts with ``first_line``, in the plugin section."""
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Write a plugin in 10 lines") :]
    for block in re.findall(rf"```{language}\n(.*?)```", section, re.DOTALL):
        if block.startswith(first_line):
            return block
    raise AssertionError(f"README.md has no {language} block starting {first_line!r} in its plugin section")


def _plugins(bin_dir: Path) -> dict[str, dict[str, object]]:
    listed = json.loads(_run(bin_dir / "basalt", "plugins", "list", "--json").stdout)
    return {entry["name"]: entry for entry in listed}


def test_the_readme_plugin_installs_and_its_columns_are_listed_and_explained(
    venv: Path, tmp_path: Path
) -> None:
    code = _readme_block("python", "# plugin.py")
    lines = [line for line in code.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert len(lines) <= 10, f"the README's plugin has {len(lines)} lines of module code"
    entry_points = _readme_block("toml", "# pyproject.toml")
    (name, target), *_ = re.findall(r'^(\w+) = "([\w.]+)"', entry_points, re.MULTILINE)
    package = target.split(".")[0]
    project = tmp_path / "readme-plugin"
    (project / "src" / package).mkdir(parents=True)
    (project / "src" / package / "__init__.py").write_text("")
    (project / "src" / package / "plugin.py").write_text(code)
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["hatchling>=1.26"]\nbuild-backend = "hatchling.build"\n\n'
        '[project]\nname = "readme-plugin"\nversion = "0.1.0"\ndependencies = ["bmll-basalt"]\n\n'
        f'{entry_points}\n[tool.hatch.build.targets.wheel]\npackages = ["src/{package}"]\n'
    )
    _run(*UV, "pip", "install", "--quiet", "--python", venv / "python", project)
    plugin = _plugins(venv)[name]
    assert plugin["error"] is None
    assert plugin["distribution"] == "readme-plugin"
    (module,) = plugin["provides"]["analytics"]
    listed = json.loads(_run(venv / "basalt", "analytics", "list", "--json").stdout)
    columns = [row["name"] for row in listed if row["module"] == module]
    assert columns == ["TradeBidMaxSize", "TradeAskMaxSize", "TradeUnknownMaxSize", "TradeTotalMaxSize"]
    explained = json.loads(_run(venv / "basalt", "analytics", "explain", "TradeBidMaxSize", "--json").stdout)
    assert explained["module"] == module
    assert explained["definition"].startswith("Largest Size of seller-initiated trades")
    # The module computes what it says on BMLL's real rows (checked against plain Python).
    check = (
        "from basalt.plugins import get_plugin_manager; from basalt.testing import run_module, sample_frame\n"
        f"module = get_plugin_manager().analytics()[{module!r}]\n"
        "trades = sample_frame('trades'); out = run_module(module, {'trades': trades})\n"
        "assert out['TradeTotalMaxSize'].max() == max(trades['Size'].to_list())\n"
        "bids = [s for s, a in zip(trades['Size'].to_list(), trades['AggressorSide'].to_list()) if a == 2]\n"
        "assert out['TradeBidMaxSize'].max() == max(bids)\n"
        "print(out.height)"
    )
    assert int(_run(venv / "python", "-c", check).stdout) > 0


def test_a_scaffolded_plugin_installs_and_passes_its_own_tests(venv: Path, tmp_path: Path) -> None:
    _run(venv / "basalt", "plugins", "new", "demo-plugin", "--dir", tmp_path)
    project = tmp_path / "demo-plugin"
    for path in (
        "pyproject.toml",
        "README.md",
        "CHANGELOG.md",
        "src/demo_plugin/plugin.py",
        "tests/test_plugin.py",
    ):
        assert (project / path).is_file(), path
    _run(*UV, "pip", "install", "--quiet", "--python", venv / "python", project)
    tests = _run(venv / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=project)
    assert re.search(r"\b4 passed\b", tests.stdout), tests.stdout
    plugin = _plugins(venv)["demo_plugin"]
    assert plugin["distribution"] == "demo-plugin"
    assert plugin["provides"] == {"analytics": ["demo_plugin"]}
    assert plugin["error"] is None
    explained = json.loads(_run(venv / "basalt", "analytics", "explain", "TradeAskAvgSize", "--json").stdout)
    assert explained["module"] == "demo_plugin"
    refused = subprocess.run(
        [venv / "basalt", "plugins", "new", "demo-plugin", "--dir", tmp_path], capture_output=True, text=True
    )
    assert refused.returncode == 2
    assert "not empty" in refused.stderr + refused.stdout
