"""``basalt plugins list`` answers from the plugin cache, and the cache follows code changes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

LIST_AND_REPORT = """
import json, sys
from basalt.cli import main
try:
    main(["plugins", "list", "--json", "--all"])
except SystemExit:
    pass
print(json.dumps({"modules": "cache_demo.modules" in sys.modules,
                  "trade": "basalt.analytics.trade" in sys.modules}), file=sys.stderr)
"""

MODULE_CLASS = """
class {cls}(AnalyticModule):
    \"\"\"A module that only needs registering.\"\"\"

    NAME = "{name}"
    INPUTS = ("trades",)

    def columns(self):
        return [ColumnDoc("{cls}Column", unit="count", definition="A column.")]

    def compute(self, inputs, buckets):
        raise NotImplementedError
"""


def _plugin_source(*names: str) -> str:
    """Source of ``cache_demo.modules``: one trivial analytics module per name."""
    classes = {name: name.title().replace("_", "") for name in names}
    body = "".join(MODULE_CLASS.format(cls=cls, name=name) for name, cls in classes.items())
    return "from basalt import AnalyticModule, ColumnDoc\n" + body


PLUGIN_MODULE = """
from basalt import hookimpl


@hookimpl
def basalt_register_analytics():
    from cache_demo import modules  # inside the hook, as real plugins do: imported only to register

    return [obj for name, obj in vars(modules).items() if name.startswith("Cache")]
"""


def _install(site: Path, modules_source: str, plugin_source: str = PLUGIN_MODULE) -> None:
    """A distribution ``cache-demo`` (package ``cache_demo``, entry point ``cache_demo.plugin``)."""
    package = site / "cache_demo"
    package.mkdir(exist_ok=True)
    (package / "__init__.py").write_text("")
    (package / "plugin.py").write_text(textwrap.dedent(plugin_source))
    _write_modules(site, modules_source)
    info = site / "cache_demo-1.0.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: cache-demo\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[basalt]\ncache_demo = cache_demo.plugin\n")


def _write_modules(site: Path, modules_source: str) -> None:
    (site / "cache_demo" / "modules.py").write_text(textwrap.dedent(modules_source))


def _list(site: Path, cache: Path, **extra_env: str) -> tuple[list[dict], dict[str, bool]]:
    env = {**os.environ, "PYTHONPATH": str(site), "BASALT_CACHE_DIR": str(cache)}
    env.pop("BASALT_NO_CACHE", None)
    env.pop("BASALT_DISABLE_PLUGINS", None)
    env.update(extra_env)
    done = subprocess.run(
        [sys.executable, "-c", LIST_AND_REPORT], env=env, capture_output=True, text=True, check=True
    )
    imported = json.loads(done.stderr.strip().splitlines()[-1])
    return json.loads(done.stdout), imported


def _demo(infos: list[dict]) -> dict:
    return next(info for info in infos if info["name"] == "cache_demo")


def test_a_cache_hit_gives_the_same_answer_without_importing_the_plugins(tmp_path: Path) -> None:
    site, cache = tmp_path / "site", tmp_path / "cache"
    site.mkdir()
    _install(site, _plugin_source("cache_one"))

    first, imported_first = _list(site, cache)
    assert imported_first["modules"], "a cold listing imports what the plugins register"
    assert imported_first["trade"]
    assert len(list(cache.glob("plugins-*.json"))) == 1

    second, imported_second = _list(site, cache)
    assert second == first
    assert not imported_second["modules"]
    assert not imported_second["trade"]

    uncached, _ = _list(site, cache, BASALT_NO_CACHE="1")
    assert uncached == first
    assert _demo(first)["provides"] == {"analytics": ["cache_one"]}


def test_editing_a_plugin_invalidates_the_cache(tmp_path: Path) -> None:
    site, cache = tmp_path / "site", tmp_path / "cache"
    site.mkdir()
    _install(site, _plugin_source("cache_one"))
    _list(site, cache)

    _write_modules(site, _plugin_source("cache_one", "cache_two"))  # only a module of the package
    after, imported = _list(site, cache)
    assert imported["modules"], "the edit must force a fresh look"
    assert _demo(after)["provides"] == {"analytics": ["cache_one", "cache_two"]}


def test_a_broken_plugin_is_never_served_from_the_cache(tmp_path: Path) -> None:
    site, cache = tmp_path / "site", tmp_path / "cache"
    site.mkdir()
    _install(site, "", plugin_source="raise RuntimeError('boom at import')\n")
    for _ in range(2):
        infos, _ = _list(site, cache)
        assert "boom at import" in (_demo(infos)["error"] or "")
    assert not list(cache.glob("plugins-*.json"))


def test_disabling_a_plugin_changes_the_answer(tmp_path: Path) -> None:
    site, cache = tmp_path / "site", tmp_path / "cache"
    site.mkdir()
    _install(site, _plugin_source("cache_one"))
    _list(site, cache)
    infos, _ = _list(site, cache, BASALT_DISABLE_PLUGINS="cache_demo")
    assert _demo(infos)["disabled"] is True
    assert _demo(infos)["provides"] == {}
