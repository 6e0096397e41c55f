"""The wheels of this checkout, built for a remote job (the ``ec2`` executor's wheelhouse).

A remote job must run exactly the code of the checkout it was started from, add-ons included,
even when versions were not bumped. So the wheels are built from the working tree (hatchling,
as ``tools/release`` and ``tools/smoke-install`` build them) and identified by their SHA-256:
the instance downloads those exact objects and checks their hashes before installing.
"""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import basalt
from basalt.jobs.errors import JobError

CORE_FOLDER = "basalt-core"


@dataclass(frozen=True)
class Wheel:
    """A built wheel file and its content hash."""

    path: Path
    sha256: str

    @property
    def name(self) -> str:
        """The wheel's file name (``bmll_basalt-0.1.0-py3-none-any.whl``)."""
        return self.path.name

    @property
    def distribution(self) -> str:
        """Its distribution name, normalised (``bmll-basalt``)."""
        return self.path.name.split("-", 1)[0].replace("_", "-").lower()


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def find_checkout(start: Path | None = None) -> Path:
    """The monorepo root holding ``packages/basalt-core`` (from ``start`` or the imported basalt).

    Raises:
        JobError: Basalt is not imported from a checkout (an installed wheel has no sources to build).
    """
    here = Path(start) if start is not None else Path(basalt.__file__).resolve()
    for folder in [here, *here.parents]:
        if (folder / "packages" / CORE_FOLDER / "pyproject.toml").is_file():
            return folder
    raise JobError(
        f"cannot find the Basalt checkout above {here}: remote jobs install wheels built from a checkout; "
        "run from one, or give the executor a 'wheel_dir' of built wheels"
    )


def _build_command(out: Path) -> list[str]:
    if importlib.util.find_spec("hatchling") is not None:
        return [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(out)]
    uv = shutil.which("uv")
    if uv is not None:
        return [uv, "build", "--wheel", "-o", str(out)]
    raise JobError("building wheels needs hatchling (pip install hatchling) or uv on PATH")


def build_wheels(checkout: Path, packages: list[str], out: Path | None = None) -> list[Wheel]:
    """Build the wheel of each folder in ``packages`` (``basalt-core``, …; ``all``: every package).

    Raises:
        JobError: A folder does not exist, or a build failed (with its output).
    """
    folders = sorted(p.name for p in (checkout / "packages").iterdir() if (p / "pyproject.toml").is_file())
    wanted = folders if packages == ["all"] else packages
    unknown = [name for name in wanted if name not in folders]
    if unknown:
        raise JobError(
            f"no package folder {', '.join(unknown)} under {checkout / 'packages'} "
            f"(have {', '.join(folders)})"
        )
    out = Path(out) if out is not None else Path(tempfile.mkdtemp(prefix="basalt-wheels-"))
    out.mkdir(parents=True, exist_ok=True)
    wheels: list[Wheel] = []
    for name in wanted:
        before = set(out.glob("*.whl"))
        proc = subprocess.run(
            _build_command(out), cwd=checkout / "packages" / name, capture_output=True, text=True
        )
        built = sorted(set(out.glob("*.whl")) - before)
        if proc.returncode != 0 or len(built) != 1:
            raise JobError(
                f"building the wheel of packages/{name} failed:\n{(proc.stdout + proc.stderr)[-2000:]}"
            )
        wheels.append(Wheel(built[0], sha256_of(built[0])))
    return wheels


def wheels_in(folder: Path) -> list[Wheel]:
    """Already built wheels (``*.whl``) in ``folder``.

    Raises:
        JobError: There is no core wheel among them.
    """
    wheels = [Wheel(path, sha256_of(path)) for path in sorted(Path(folder).glob("*.whl"))]
    if not any(w.distribution == "bmll-basalt" for w in wheels):
        raise JobError(f"no bmll_basalt-*.whl in {folder}")
    return wheels


__all__ = ["Wheel", "build_wheels", "find_checkout", "sha256_of", "wheels_in"]
