"""Every add-on distribution: layout, independent version, entry point, plugin health."""

from __future__ import annotations

import importlib
import re
import tomllib
from importlib.metadata import distribution
from pathlib import Path

import pytest

from basalt.testing import make_plugin_manager

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {
    "basalt-core": ("bmll-basalt", "basalt"),
    "basalt-preprocessors": ("bmll-basalt-preprocessors", "basalt_preprocessors"),
    "basalt-characteristics": ("bmll-basalt-characteristics", "basalt_characteristics"),
    "basalt-alpha101": ("bmll-basalt-alpha101", "basalt_alpha101"),
    "basalt-dagster": ("bmll-basalt-dagster", "basalt_dagster"),
}
ADDONS = [folder for folder in PACKAGES if folder != "basalt-core"]


def _pyproject(folder: str) -> dict:
    return tomllib.loads((ROOT / "packages" / folder / "pyproject.toml").read_text())


def test_packages_folder_holds_exactly_the_five_distributions() -> None:
    assert sorted(p.name for p in (ROOT / "packages").iterdir() if p.is_dir()) == sorted(PACKAGES)


@pytest.mark.parametrize("folder", list(PACKAGES))
def test_package_layout_and_own_version(folder: str) -> None:
    dist, module = PACKAGES[folder]
    package = ROOT / "packages" / folder
    project = _pyproject(folder)
    assert project["project"]["name"] == dist
    assert project["build-system"]["build-backend"] == "hatchling.build"
    assert project["tool"]["hatch"]["version"]["path"] == f"src/{module}/__about__.py"
    for required in ("README.md", "CHANGELOG.md", "tests"):
        assert (package / required).exists(), f"{folder} lacks {required}"
    assert "## [Unreleased]" in (package / "CHANGELOG.md").read_text()
    about = importlib.import_module(f"{module}.__about__")
    assert distribution(dist).version == about.__version__


@pytest.mark.parametrize("folder", list(PACKAGES))
def test_sibling_dependencies_are_lower_bounds_never_pins(folder: str) -> None:
    project = _pyproject(folder)["project"]
    requirements = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        requirements.extend(extra)
    for requirement in requirements:
        if requirement.startswith("bmll-basalt") and "[" not in requirement.split(">")[0]:
            assert re.fullmatch(r"bmll-basalt[a-z0-9-]*>=[0-9.]+", requirement), requirement


def test_core_extras_pull_every_addon() -> None:
    extras = _pyproject("basalt-core")["project"]["optional-dependencies"]
    for folder in ADDONS:
        short = folder.removeprefix("basalt-")
        assert extras[short] == [f"{PACKAGES[folder][0]}>=0.1"]
    assert set(extras) >= {"delta", "sql", "aws", "fast", "all"}
    everything = "preprocessors,characteristics,alpha101,dagster,delta,sql,postgres,aws,fast"
    assert extras["all"] == [f"bmll-basalt[{everything}]"]


@pytest.mark.parametrize("folder", ADDONS)
def test_addon_plugin_loads_without_error(folder: str) -> None:
    module = PACKAGES[folder][1]
    short = folder.removeprefix("basalt-")
    entry_points = _pyproject(folder)["project"]["entry-points"]["basalt"]
    assert entry_points == {short: f"{module}.plugin"}
    manager = make_plugin_manager(builtins=False, **{short: importlib.import_module(f"{module}.plugin")})
    (info,) = manager.plugins()
    assert info.error is None
    assert info.hooks, f"{folder}'s plugin implements no hook"
