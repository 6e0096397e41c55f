"""A cache of what plugins register, so ``basalt plugins list`` need not import them all.

Listing what every plugin provides means calling every registration hook, which
imports every analytics module, table and writer (Polars, pydantic and the
add-ons: most of a second). The answer only changes when the installed code
changes, so it is cached under a key made of everything that can change it:

* Basalt's and Python's versions and the interpreter's prefix;
* ``BASALT_DISABLE_PLUGINS``;
* every entry point of the ``basalt`` group (name, target, distribution, version);
* the names of the distributions installed on ``sys.path`` (a new or upgraded
  dependency changes them);
* for the built-ins and each plugin, the newest modification time, count and
  total size of the ``.py`` files of its top-level package — so editing a plugin
  in an editable install invalidates the entry as well.

Only a fully healthy answer is stored: a plugin with an error is always looked
at afresh, so errors are never served from the cache. ``BASALT_CACHE_DIR`` sets
the folder (default ``$XDG_CACHE_HOME/basalt`` or ``~/.cache/basalt``);
``BASALT_NO_CACHE=1`` turns the cache off. A cache that cannot be read or
written is ignored.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import sys
import tempfile
from collections.abc import Iterable
from importlib.metadata import entry_points
from pathlib import Path

from basalt.__about__ import __version__
from basalt.plugins.info import PluginInfo

CACHE_DIR_ENV_VAR = "BASALT_CACHE_DIR"
NO_CACHE_ENV_VAR = "BASALT_NO_CACHE"
KEEP_FILES = 16
"""Cache files kept (one per environment and code state); older ones are removed."""
_PREFIX = "plugins-"


def cache_dir() -> Path | None:
    """The cache folder, or None when caching is turned off."""
    if os.environ.get(NO_CACHE_ENV_VAR, "").strip().lower() in {"1", "true", "yes", "on"}:
        return None
    explicit = os.environ.get(CACHE_DIR_ENV_VAR)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "basalt"


def _tree_state(module_name: str) -> tuple[str, int, int, int]:
    """(module, newest mtime in ns, file count, total bytes) of a module's top-level package."""
    top = module_name.split(":", 1)[0].split(".", 1)[0]
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return (top, -1, 0, 0)
    if spec is None:
        return (top, -1, 0, 0)
    roots = list(spec.submodule_search_locations or []) or ([spec.origin] if spec.origin else [])
    newest = count = size = 0
    for root in roots:
        for path in _python_files(Path(root)):
            try:
                stat = path.stat()
            except OSError:
                continue
            newest = max(newest, stat.st_mtime_ns)
            count += 1
            size += stat.st_size
    return (top, newest, count, size)


def _python_files(root: Path) -> Iterable[Path]:
    if root.is_file():
        yield root
        return
    for folder, dirs, files in os.walk(root):
        dirs[:] = [name for name in dirs if name != "__pycache__" and not name.startswith(".")]
        for name in files:
            if name.endswith(".py"):
                yield Path(folder, name)


def _installed_distributions() -> list[str]:
    names: list[str] = []
    for entry in sys.path:
        try:
            with os.scandir(entry or ".") as it:
                names.extend(e.name for e in it if e.name.endswith((".dist-info", ".egg-info", ".pth")))
        except OSError:
            continue
    return sorted(names)


def cache_key() -> str:
    """A digest of everything that can change what the plugins register."""
    points = sorted(
        (ep.name, ep.value, ep.dist.name if ep.dist else "", ep.dist.version if ep.dist else "")
        for ep in entry_points(group="basalt")
    )
    state = {
        "basalt": __version__,
        "python": list(sys.version_info[:3]),
        "prefix": sys.prefix,
        "disabled": os.environ.get("BASALT_DISABLE_PLUGINS", ""),
        "entry_points": points,
        "distributions": _installed_distributions(),
        "trees": sorted({_tree_state(module) for module in ["basalt", *(point[1] for point in points)]}),
    }
    return hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()[:24]


def load(key: str) -> list[PluginInfo] | None:
    """The cached plugin infos for ``key``, or None (no cache, or unreadable)."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        data = json.loads((folder / f"{_PREFIX}{key}.json").read_text())
        return [PluginInfo.from_dict(item) for item in data["plugins"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def store(key: str, infos: list[PluginInfo]) -> None:
    """Cache ``infos`` under ``key`` if every plugin is healthy; never raises."""
    folder = cache_dir()
    if folder is None or any(info.errors for info in infos):
        return
    payload = json.dumps({"basalt": __version__, "plugins": [info.to_dict() for info in infos]})
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # Write then rename: a reader never sees half a file.
        with tempfile.NamedTemporaryFile("w", dir=folder, prefix=".tmp-", delete=False) as handle:
            handle.write(payload)
        os.replace(handle.name, folder / f"{_PREFIX}{key}.json")
        stale = sorted(folder.glob(f"{_PREFIX}*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for path in stale[KEEP_FILES:]:
            path.unlink(missing_ok=True)
    except OSError:
        return


__all__ = ["CACHE_DIR_ENV_VAR", "NO_CACHE_ENV_VAR", "cache_dir", "cache_key", "load", "store"]
