"""``basalt.engine`` names its public API; every name resolves to what it says, in any import order."""

from __future__ import annotations

import importlib
import pkgutil
import types

import basalt.engine as engine


def test_every_public_name_resolves_even_after_all_submodules_are_imported() -> None:
    # A submodule import sets a package attribute of its name: a public name equal to a
    # submodule's (say 'resolve') would silently become the module.
    for info in pkgutil.iter_modules(engine.__path__):
        importlib.import_module(f"basalt.engine.{info.name}")
    for name in engine.__all__:
        value = getattr(engine, name)
        assert not isinstance(value, types.ModuleType), name
    assert callable(engine.resolve_pipeline)
    assert engine.run_partition.__name__ == "run_partition"
