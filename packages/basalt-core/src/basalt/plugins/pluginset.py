"""The plugin set of a run: what a worker process loads to rebuild the parent's registries.

A run's plan is built once, in the parent, from the parent's
:class:`~basalt.plugins.manager.PluginManager`. Worker processes (``spawn``), a
Dagster op or a remote job never rediscover plugins on their own: they rebuild
exactly this set —

* the core's built-ins, when the parent loaded them;
* installed entry-point plugins **by name, distribution and version** (a worker
  whose environment has another version, or lacks one, fails at once, naming it);
* plugins registered in code, **by importable reference** (``package.module`` for
  a module, ``package.module:Qualified.name`` for a class or object).

A code plugin that cannot be imported by reference (defined in a pipeline file,
inside a function, in an interactive session) is refused when the set is taken
— at plan time, with what to do — never later, in a worker.
"""

from __future__ import annotations

import importlib
import sys
import types
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Literal

from basalt.plugins.errors import PluginError

if TYPE_CHECKING:  # pragma: no cover - typing only
    from basalt.plugins.manager import PluginManager

Origin = Literal["entry_point", "code"]


class PluginShipError(PluginError):
    """A plugin that another process cannot rebuild (or a worker environment that differs)."""


@dataclass(frozen=True)
class PluginSpec:
    """How to load one plugin in another process."""

    name: str
    """The registration name (entry-point name, or the name given in code)."""
    origin: Origin
    reference: str
    """Entry point: its value (``pkg.plugin``); code: ``module`` or ``module:qualname``."""
    distribution: str = ""
    version: str = ""

    def describe(self) -> str:
        """``name (distribution version)`` or ``name (module:qualname)`` for messages and plans."""
        if self.origin == "entry_point":
            return f"{self.name} ({self.distribution} {self.version})"
        return f"{self.name} ({self.reference})"


@dataclass(frozen=True)
class PluginSet:
    """An immutable, picklable, JSON-describable recipe for a :class:`PluginManager`."""

    builtins: bool = True
    plugins: tuple[PluginSpec, ...] = ()
    disabled: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_manager(cls, manager: PluginManager) -> PluginSet:
        """The set that rebuilds ``manager``'s healthy plugins.

        Raises:
            PluginShipError: A code-registered plugin has no importable reference.
        """
        specs = []
        for name, (info, obj) in manager.registered().items():
            if info.builtin:
                continue
            if info.distribution != "(registered in code)":
                specs.append(PluginSpec(name, "entry_point", info.module, info.distribution, info.version))
            else:
                specs.append(PluginSpec(name, "code", _reference(name, obj)))
        return cls(builtins=manager.loads_builtins, plugins=tuple(specs), disabled=manager.disabled)

    def build(self) -> PluginManager:
        """A manager holding exactly this set (entry points checked against their recorded versions).

        Raises:
            PluginShipError: An entry point is missing here or installed at another version,
                or a code reference does not import.
        """
        from basalt.plugins.manager import PluginManager

        code = [(spec.name, _import_reference(spec)) for spec in self.plugins if spec.origin == "code"]
        manager = PluginManager(
            builtins=self.builtins, entry_points=False, plugins=code, disabled=self.disabled
        )
        wanted = {spec.name: spec for spec in self.plugins if spec.origin == "entry_point"}
        if wanted:
            found = {ep.name: ep for ep in entry_points(group="basalt") if ep.name in wanted}
            for name, spec in wanted.items():
                entry_point = found.get(name)
                if entry_point is None:
                    raise PluginShipError(
                        f"plugin {spec.describe()} was loaded by the run's parent process but is not "
                        "installed here; install the same distributions where the run's workers start"
                    )
                dist = entry_point.dist
                version = dist.version if dist is not None else ""
                if version != spec.version or entry_point.value != spec.reference:
                    raise PluginShipError(
                        f"plugin {spec.describe()} is installed here as {entry_point.value!r} of "
                        f"{dist.name if dist else '?'} {version}; the run was planned with "
                        f"{spec.reference!r} {spec.version} — install the same version"
                    )
                manager.load_entry_point(entry_point)
        return manager

    def describe(self) -> list[str]:
        """One line per plugin, for ``--dry-run`` and the run ledger."""
        lines = ["basalt built-ins"] if self.builtins else []
        return lines + [spec.describe() for spec in self.plugins]

    def to_dict(self) -> dict[str, object]:
        """JSON form (plans, ledger fingerprints)."""
        return {
            "builtins": self.builtins,
            "plugins": [
                {
                    "name": s.name,
                    "origin": s.origin,
                    "reference": s.reference,
                    "distribution": s.distribution,
                    "version": s.version,
                }
                for s in self.plugins
            ],
            "disabled": sorted(self.disabled),
        }


def _reference(name: str, obj: object) -> str:
    """An import reference that yields ``obj`` itself in a fresh process."""
    if isinstance(obj, types.ModuleType):
        reference = obj.__name__
    else:
        module = getattr(obj, "__module__", None) or type(obj).__module__
        qualname = getattr(obj, "__qualname__", None)
        reference = f"{module}:{qualname}" if qualname else ""
    problem = ""
    if not reference or "<locals>" in reference:
        problem = "it is defined inside a function"
    elif reference.split(":")[0] in {"__main__", "basalt_pipeline", "__mp_main__"}:
        problem = "it is defined in a script or pipeline file, which a worker does not import"
    else:
        try:
            found = _resolve(reference)
        except Exception as exc:  # any import failure means it cannot be shipped
            problem = f"{reference!r} does not import ({type(exc).__name__}: {exc})"
        else:
            if found is not obj:
                problem = f"{reference!r} imports another object than the one registered"
    if problem:
        raise PluginShipError(
            f"plugin {name!r} was registered in code, but worker processes cannot load it: {problem}. "
            "Define its hooks in an importable module (a package on the path, e.g. 'my_pkg.plugin') "
            "and register that module, or install it as an entry point of the 'basalt' group"
        )
    return reference


def _resolve(reference: str) -> object:
    module_name, _, qualname = reference.partition(":")
    obj: object = importlib.import_module(module_name)
    for part in filter(None, qualname.split(".")):
        obj = getattr(obj, part)
    return obj


def _import_reference(spec: PluginSpec) -> object:
    try:
        return _resolve(spec.reference)
    except Exception as exc:
        raise PluginShipError(
            f"plugin {spec.describe()} does not import in this process: {type(exc).__name__}: {exc} "
            f"(sys.path starts {sys.path[:3]})"
        ) from exc


__all__ = ["PluginSet", "PluginShipError", "PluginSpec"]
