"""The typed public API (issue #17): every distribution marks its package typed (PEP 561), and the
type checker CI runs (``hatch run types:check``, configured by ``mypy.ini``) covers every module
that defines something Basalt exports, so a new export cannot slip past it unchecked."""

from __future__ import annotations

import configparser
import importlib.util
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = sorted(p.parent for p in (ROOT / "packages").glob("*/pyproject.toml"))
# The base classes the hooks register (basalt.hookspecs) besides what `basalt` exports.
HOOK_BASES = ["basalt.sources.base", "basalt.jobs.base", "basalt.hookspecs", "basalt.testing"]


def checked_files() -> set[str]:
    """The Python files mypy.ini tells mypy to check (folders expanded)."""
    parser = configparser.ConfigParser()
    parser.read(ROOT / "mypy.ini")
    entries = [e.strip() for e in parser["mypy"]["files"].replace("\n", ",").split(",") if e.strip()]
    files: set[Path] = set()
    for entry in entries:
        path = ROOT / entry
        assert path.exists(), f"mypy.ini lists {entry}, which does not exist"
        files |= set(path.rglob("*.py")) if path.is_dir() else {path}
    return {_in_package(f) for f in files}


def _in_package(path: Path) -> str:
    """``basalt/engine/plan.py`` for ``…/src/basalt/engine/plan.py`` (whatever checkout it is in)."""
    parts = path.resolve().parts
    return "/".join(parts[len(parts) - parts[::-1].index("src") :])


def module_file(name: str) -> str:
    """The source file of an importable module (in its package), without importing it."""
    spec = importlib.util.find_spec(name)
    assert spec is not None, f"{name} is not importable"
    assert spec.origin is not None, f"{name} has no source file"
    return _in_package(Path(spec.origin))


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.name)
def test_distribution_ships_py_typed(package: Path) -> None:
    project = tomllib.loads((package / "pyproject.toml").read_text())
    folders = project["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    assert folders, f"{package.name} names no wheel package"
    for folder in folders:
        assert (package / folder / "py.typed").is_file(), f"{package.name}: no {folder}/py.typed"


def test_type_checker_covers_every_export() -> None:
    import basalt
    import basalt.engine

    modules = {"basalt", "basalt.engine", *HOOK_BASES, *basalt._LAZY.values()}
    modules |= {target.partition(":")[0] for target in basalt.engine._PUBLIC.values()}
    checked = checked_files()
    missing = sorted(m for m in modules if module_file(m) not in checked)
    assert not missing, f"exported from modules mypy.ini does not check: {missing}"
