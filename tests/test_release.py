"""Tests of ``tools/release``, run as a subprocess against a temporary copy of ``packages/``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "tools" / "release"
FOLDERS = [
    "basalt-alpha101",
    "basalt-characteristics",
    "basalt-core",
    "basalt-dagster",
    "basalt-preprocessors",
]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A fake repository root holding a clean copy of every package."""
    root = tmp_path / "repo"
    ignore = shutil.ignore_patterns("dist", "build", "__pycache__", "*.egg-info", ".pytest_cache")
    shutil.copytree(REPO / "packages", root / "packages", ignore=ignore)
    return root


def release(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``tools/release ARGS --root ROOT`` with this interpreter."""
    command = [sys.executable, str(SCRIPT), *args, "--root", str(root)]
    return subprocess.run(command, capture_output=True, text=True, env=env, check=False)


def about(root: Path, folder: str = "basalt-alpha101") -> str:
    """The ``__about__.py`` text of a package in ``root``."""
    (path,) = (root / "packages" / folder / "src").glob("*/__about__.py")
    return path.read_text(encoding="utf-8")


def changelog(root: Path, folder: str = "basalt-alpha101") -> Path:
    """The CHANGELOG.md path of a package in ``root``."""
    return root / "packages" / folder / "CHANGELOG.md"


def set_version(root: Path, version: str, folder: str = "basalt-alpha101") -> None:
    """Overwrite ``__version__`` of a package in ``root``."""
    (path,) = (root / "packages" / folder / "src").glob("*/__about__.py")
    path.write_text(path.read_text(encoding="utf-8").replace('"0.1.0"', f'"{version}"'), encoding="utf-8")


@pytest.mark.parametrize(
    ("bump", "expected"),
    [("patch", "1.4.8"), ("minor", "1.5.0"), ("major", "2.0.0"), ("1.10.0", "1.10.0")],
)
def test_bump_sets_version_and_suggests_tag(root: Path, bump: str, expected: str) -> None:
    set_version(root, "1.4.7")
    result = release(root, "alpha101", bump, "--no-build")
    assert result.returncode == 0, result.stderr
    assert f'__version__ = "{expected}"' in about(root)
    assert f"bmll-basalt-alpha101-v{expected}" in result.stdout
    assert f"git tag -a bmll-basalt-alpha101-v{expected}" in result.stdout


@pytest.mark.parametrize(
    ("name", "folder", "dist"),
    [
        ("core", "basalt-core", "bmll-basalt"),
        ("bmll-basalt", "basalt-core", "bmll-basalt"),
        ("basalt-dagster", "basalt-dagster", "bmll-basalt-dagster"),
        ("bmll-basalt-alpha101", "basalt-alpha101", "bmll-basalt-alpha101"),
    ],
)
def test_package_name_forms(root: Path, name: str, folder: str, dist: str) -> None:
    result = release(root, name, "minor", "--no-build")
    assert result.returncode == 0, result.stderr
    assert '__version__ = "0.2.0"' in about(root, folder)
    assert f"{dist}-v0.2.0" in result.stdout
    untouched = [f for f in FOLDERS if f != folder]
    assert all('__version__ = "0.1.0"' in about(root, f) for f in untouched)


def test_changelog_section_moves_under_dated_heading(root: Path) -> None:
    before = changelog(root).read_text()
    result = release(root, "alpha101", "minor", "--date", "2024-05-06", "--no-build")
    assert result.returncode == 0, result.stderr
    after = changelog(root).read_text()
    preamble, body = before.split("## [Unreleased]\n")
    assert after == (preamble + "## [Unreleased]\n\n## [0.2.0] - 2024-05-06\n\n" + body.strip("\n") + "\n")


def test_changelog_keeps_older_releases_and_link_definitions(root: Path) -> None:
    path = changelog(root)
    links = "[Unreleased]: https://example.com/compare/v0.1.0...HEAD\n[0.1.0]: https://example.com/v0.1.0\n"
    path.write_text(
        "# Changelog\n\n## [Unreleased]\n\n### Fixed\n- A bug.\n\n"
        "## [0.1.0] - 2024-01-01\n\n### Added\n- Everything.\n\n" + links
    )
    assert release(root, "alpha101", "patch", "--date", "2024-02-03", "--no-build").returncode == 0
    assert path.read_text() == (
        "# Changelog\n\n## [Unreleased]\n\n## [0.1.1] - 2024-02-03\n\n### Fixed\n- A bug.\n\n"
        "## [0.1.0] - 2024-01-01\n\n### Added\n- Everything.\n\n" + links
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# Changelog\n\n## [Unreleased]\n\n\n## [0.1.0] - 2024-01-01\n\n- Old.\n", "is empty"),
        ("# Changelog\n\n## [Unreleased]\n\n[Unreleased]: https://example.com\n", "is empty"),
        ("# Changelog\n\n## [0.1.0] - 2024-01-01\n\n- Old.\n", "no '## [Unreleased]'"),
    ],
)
def test_empty_or_missing_unreleased_is_refused(root: Path, text: str, message: str) -> None:
    changelog(root).write_text(text)
    result = release(root, "alpha101", "patch", "--no-build")
    assert result.returncode == 2
    assert "CHANGELOG.md" in result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert changelog(root).read_text() == text
    assert '__version__ = "0.1.0"' in about(root)


@pytest.mark.parametrize(
    ("version", "message"), [("0.1.0", "not greater"), ("0.0.9", "not greater"), ("1.2", "X.Y.Z")]
)
def test_bad_explicit_version_is_refused(root: Path, version: str, message: str) -> None:
    before = changelog(root).read_text()
    result = release(root, "alpha101", version, "--no-build")
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert '__version__ = "0.1.0"' in about(root)
    assert changelog(root).read_text() == before


def test_unknown_package_lists_known_ones(root: Path) -> None:
    result = release(root, "alpha102", "patch", "--no-build")
    assert result.returncode == 2
    assert "unknown package 'alpha102'" in result.stderr
    assert all(folder in result.stderr for folder in FOLDERS)
    assert "bmll-basalt-dagster" in result.stderr
    assert "Traceback" not in result.stderr


def test_dry_run_writes_nothing(root: Path) -> None:
    package = root / "packages" / "basalt-alpha101"
    before = {p: p.read_bytes() for p in package.rglob("*") if p.is_file()}
    result = release(root, "alpha101", "major", "--date", "2024-05-06", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "1.0.0" in result.stdout
    assert "## [1.0.0] - 2024-05-06" in result.stdout
    assert "nothing written" in result.stdout
    assert {p: p.read_bytes() for p in package.rglob("*") if p.is_file()} == before
    assert not (package / "dist").exists()


@pytest.mark.slow
def test_build_produces_exactly_this_wheel_and_sdist(root: Path, tmp_path: Path) -> None:
    # An empty PATH hides `hatch`, so the script falls back to `python -m hatchling build` with
    # this interpreter (which has hatchling): no network, no isolated build env.
    empty_bin = tmp_path / "empty-bin"
    empty_bin.mkdir()
    result = release(root, "alpha101", "minor", env={**os.environ, "PATH": str(empty_bin)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "-m hatchling build" in result.stdout
    dist = root / "packages" / "basalt-alpha101" / "dist"
    wheel = "bmll_basalt_alpha101-0.2.0-py3-none-any.whl"
    assert sorted(p.name for p in dist.iterdir()) == [wheel, "bmll_basalt_alpha101-0.2.0.tar.gz"]
    with zipfile.ZipFile(dist / wheel) as archive:
        assert '"0.2.0"' in archive.read("basalt_alpha101/__about__.py").decode()
    assert not (root / "packages" / "basalt-core" / "dist").exists()


@pytest.mark.parametrize("date", ["2024-13-01", "05/06/2024"])
def test_bad_date_is_refused(root: Path, date: str) -> None:
    result = release(root, "alpha101", "patch", "--no-build", "--date", date)
    assert result.returncode == 2
    assert "--date" in result.stderr
    assert '__version__ = "0.1.0"' in about(root)
