"""The plugin manager: a typed facade over pluggy.

Nothing outside this module touches ``pm.hook.*``: callers ask for
``tables()``, ``analytics()``, ``preprocessors()``, ``output_writers()``,
``executors()`` or ``commands()`` and get a :class:`Registry`. Every registration hook is called
through pluggy (``pm.hook.basalt_register_…()``), so ``wrapper=True`` /
``hookwrapper`` implementations and ``tryfirst`` / ``trylast`` ordering work as
pluggy documents. Loading follows three rules:

* built-ins (``basalt.builtin``) register through the same hooks as everyone; the
  manager imports them only when it is built (it is a leaf of the import graph);
* entry points of the ``basalt`` group load one at a time, each guarded, so a
  plugin that fails to import, to register or to answer a hook is recorded with
  its error (see :meth:`PluginManager.plugins`) and never breaks the caller;
* ``BASALT_DISABLE_PLUGINS=a,b`` blocks plugins by entry-point or distribution
  name before they are imported.
"""

from __future__ import annotations

import difflib
import functools
import importlib
import os
import re
from collections.abc import Iterable, Mapping
from importlib.metadata import EntryPoint, entry_points
from typing import TYPE_CHECKING, Any

import pluggy

from basalt import hookspecs
from basalt.__about__ import __version__
from basalt._registrable import NAME_PATTERN
from basalt.plugins.deferred import REFERENCE_PATTERN, Deferred
from basalt.plugins.errors import PluginLoadError
from basalt.plugins.info import PluginInfo
from basalt.plugins.registry import Registration, Registry

if TYPE_CHECKING:  # pragma: no cover - typing only
    import typer

    from basalt.jobs.base import Executor
    from basalt.modules.base import AnalyticModule, PreprocessorModule
    from basalt.plugins.pluginset import PluginSet
    from basalt.sources.base import Source
    from basalt.tables.base import Table
    from basalt.writers.base import OutputWriter

ENTRY_POINT_GROUP = hookspecs.PROJECT_NAME
DISABLE_ENV_VAR = "BASALT_DISABLE_PLUGINS"
CORE_DISTRIBUTION = "bmll-basalt"

KIND_HOOKS: dict[str, str] = {
    "tables": "basalt_register_tables",
    "sources": "basalt_register_sources",
    "analytics": "basalt_register_analytics",
    "preprocessors": "basalt_register_preprocessors",
    "writers": "basalt_register_output_writers",
    "commands": "basalt_register_commands",
    "executors": "basalt_register_executors",
}
"""Registered kind → the hook that registers it (one registry per kind)."""

COMMAND_NAME_PATTERN = r"^[a-z][a-z0-9_-]*$"
"""Command groups may use hyphens (``basalt my-group``)."""


def disabled_from_env() -> frozenset[str]:
    """Plugin names blocked by ``BASALT_DISABLE_PLUGINS`` (comma-separated)."""
    raw = os.environ.get(DISABLE_ENV_VAR, "")
    return frozenset(part.strip() for part in raw.split(",") if part.strip())


def _normalise(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


class PluginManager:
    """Discovers Basalt plugins and serves what they register, by kind.

    Args:
        builtins: Register the core's own plugins from ``basalt.builtin``.
        entry_points: Load installed plugins from the ``basalt`` entry-point group.
        plugins: Extra ``name → plugin`` objects (modules or instances holding
            ``@hookimpl`` functions) to register, e.g. in tests.
        disabled: Names to block; defaults to ``BASALT_DISABLE_PLUGINS``.
    """

    def __init__(
        self,
        *,
        builtins: bool = True,
        entry_points: bool = True,
        plugins: Mapping[str, object] | Iterable[tuple[str, object]] = (),
        disabled: Iterable[str] | None = None,
    ) -> None:
        self._pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        self._pm.add_hookspecs(hookspecs)
        self._infos: dict[str, PluginInfo] = {}
        self._registrations: dict[str, list[Registration[Any]]] = {}
        self._disabled = frozenset(disabled) if disabled is not None else disabled_from_env()
        self._objects: dict[str, object] = {}
        """Registered plugin objects by name (what a :class:`PluginSet` ships to workers)."""
        self.loads_builtins = builtins
        if builtins:
            from basalt.builtin import BUILTIN_PLUGINS  # here, not at import: the manager is a leaf

            for module_name in BUILTIN_PLUGINS:
                info = PluginInfo(
                    name=module_name,
                    distribution=CORE_DISTRIBUTION,
                    version=__version__,
                    module=module_name,
                    builtin=True,
                )
                self._register(importlib.import_module(module_name), info)
        items = plugins.items() if isinstance(plugins, Mapping) else plugins
        for name, plugin in items:
            module = getattr(plugin, "__name__", type(plugin).__name__)
            info = PluginInfo(name=name, distribution="(registered in code)", version="", module=module)
            if self._is_disabled(info):
                info.disabled = True
                self._infos[name] = info
            else:
                self._register(plugin, info)
        if entry_points:
            self._load_entry_points()

    @classmethod
    def from_plugin_set(cls, plugin_set: PluginSet) -> PluginManager:
        """Rebuild, in another process, the manager a :class:`PluginSet` was taken from."""
        return plugin_set.build()

    def plugin_set(self) -> PluginSet:
        """What another process must load to rebuild exactly this manager's registries.

        Raises:
            PluginShipError: A plugin registered in code cannot be imported by
                reference (defined in a pipeline file, a closure, …).
        """
        from basalt.plugins.pluginset import PluginSet

        return PluginSet.from_manager(self)

    def registered(self) -> dict[str, tuple[PluginInfo, object]]:
        """Healthy, registered plugins by name: their info and the object registered."""
        return {
            name: (self._infos[name], obj)
            for name, obj in self._objects.items()
            if name in self._infos and self._pm.is_registered(obj)
        }

    # -- the typed facade: one method per hook --------------------------------------

    def tables(self, *, strict: bool = True) -> Registry[type[Table]]:
        """Tables registered through ``basalt_register_tables``."""
        return self._registry("tables", strict=strict)

    def sources(self, *, strict: bool = True) -> Registry[type[Source]]:
        """Data sources registered through ``basalt_register_sources``."""
        return self._registry("sources", strict=strict)

    def analytics(self, *, strict: bool = True) -> Registry[type[AnalyticModule]]:
        """Analytics modules registered through ``basalt_register_analytics``."""
        return self._registry("analytics", strict=strict)

    def preprocessors(self, *, strict: bool = True) -> Registry[type[PreprocessorModule]]:
        """Preprocessors registered through ``basalt_register_preprocessors``."""
        return self._registry("preprocessors", strict=strict)

    def output_writers(self, *, strict: bool = True) -> Registry[type[OutputWriter]]:
        """Output writers registered through ``basalt_register_output_writers``."""
        return self._registry("writers", strict=strict)

    def executors(self, *, strict: bool = True) -> Registry[type[Executor]]:
        """Job executors registered through ``basalt_register_executors``."""
        return self._registry("executors", strict=strict)

    def commands(self) -> Registry[typer.Typer]:
        """CLI command groups registered through ``basalt_register_commands``.

        Never strict: a conflicting group is skipped (and reported) so the CLI
        always starts.
        """
        return self._registry("commands", strict=False)

    def plugins(self, *, load: bool = False) -> list[PluginInfo]:
        """Every plugin seen, in load order, with what it provides and any errors.

        Calls every registration hook once, so ``provides`` and conflicts are
        complete; never raises for a plugin's fault. With ``load``, deferred
        registrations are imported and checked too (``basalt plugins check``), so a
        reference that does not import shows up here rather than in a run.
        """
        for kind in KIND_HOOKS:
            registry = self._registry(kind, strict=False)
            if load:
                registry.usable()  # imports each deferred registration; failures go on their plugin
        return list(self._infos.values())

    # -- loading -------------------------------------------------------------------

    def _is_disabled(self, info: PluginInfo) -> bool:
        blocked = {_normalise(name) for name in self._disabled}
        return not info.builtin and (
            _normalise(info.name) in blocked or _normalise(info.distribution) in blocked
        )

    def _load_entry_points(self) -> None:
        seen: set[tuple[str, str]] = set()
        for entry_point in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name):
            if (entry_point.name, entry_point.value) in seen:
                continue  # the same distribution visible twice on sys.path
            seen.add((entry_point.name, entry_point.value))
            self._load_entry_point(entry_point)

    @property
    def disabled(self) -> frozenset[str]:
        """Names blocked in this manager (``BASALT_DISABLE_PLUGINS`` or ``disabled=``)."""
        return self._disabled

    def load_entry_point(self, entry_point: EntryPoint) -> None:
        """Load and register one entry point of the ``basalt`` group (guarded like discovery)."""
        self._load_entry_point(entry_point)

    def _load_entry_point(self, entry_point: EntryPoint) -> None:
        dist = entry_point.dist
        info = PluginInfo(
            name=entry_point.name,
            distribution=dist.name if dist is not None else "(unknown distribution)",
            version=dist.version if dist is not None else "",
            module=entry_point.value,
        )
        previous = self._infos.get(info.name)
        if previous is not None:
            info.add_error(
                f"entry-point name {info.name!r} is already used by {previous.owner}; "
                "rename one of the entry points"
            )
            self._infos[f"{info.name} ({info.distribution})"] = info
            return
        if self._is_disabled(info):
            info.disabled = True
            self._pm.set_blocked(info.name)
            self._infos[info.name] = info
            return
        try:
            plugin = entry_point.load()
        except BaseException as exc:  # a plugin may even call sys.exit at import
            if isinstance(exc, KeyboardInterrupt):
                raise
            info.add_error(f"failed to import {entry_point.value!r}: {type(exc).__name__}: {exc}")
            self._infos[info.name] = info
            return
        self._register(plugin, info)

    def _register(self, plugin: object, info: PluginInfo) -> None:
        self._infos[info.name] = info
        try:
            self._pm.register(plugin, name=info.name)
        except Exception as exc:
            info.add_error(f"failed to register: {type(exc).__name__}: {exc}")
            return
        self._objects[info.name] = plugin
        try:
            # Only this plugin is new, so anything pending is its fault.
            self._pm.check_pending()
        except pluggy.PluginValidationError as exc:
            self._pm.unregister(plugin)
            info.add_error(f"{exc}{self._hook_hint(plugin)}")
            return
        info.hooks = sorted(caller.name for caller in self._pm.get_hookcallers(plugin) or [])

    def _hook_hint(self, plugin: object) -> str:
        known = list(KIND_HOOKS.values())
        for attr in dir(plugin):
            if attr.startswith("basalt_") and attr not in known:
                close = difflib.get_close_matches(attr, known, n=1)
                if close:
                    return f" (did you mean {close[0]!r} instead of {attr!r}?)"
        return ""

    # -- calling the hooks ------------------------------------------------------------

    def _registry(self, kind: str, *, strict: bool) -> Registry[Any]:
        if kind not in self._registrations:
            self._registrations[kind] = list(self._collect(kind))
        load = functools.partial(self._load, kind)
        return Registry(kind, self._registrations[kind], strict=strict, load=load)

    def _load(self, kind: str, registration: Registration[Any]) -> Any:
        """Import a deferred registration and check it like one returned directly.

        Raises:
            PluginLoadError: It does not import, is not a subclass of the kind's base
                class, or its ``NAME`` differs from the name it was registered under;
                the error is also recorded on the plugin (``plugins list``/``check``).
        """
        deferred: Deferred = registration.obj
        info = registration.plugin
        hook_name = KIND_HOOKS[kind]
        try:
            obj = deferred.load()
        except Exception as exc:
            problem = f"does not import: {type(exc).__name__}: {exc}"
        else:
            base = _base_class(kind)
            if not (isinstance(obj, type) and issubclass(obj, base)):
                problem = f"is {obj!r}, not a subclass of basalt.{base.__name__}"
            elif getattr(obj, "NAME", None) != deferred.name:
                problem = f"has NAME {getattr(obj, 'NAME', None)!r}, not {deferred.name!r}"
            else:
                return obj
        registered = f"{hook_name}() registered {kind} {deferred.name!r} as {deferred.reference!r}"
        message = f"{registered}, which {problem}"
        info.add_error(message)
        raise PluginLoadError(f"{info.owner}: {message}")

    def _collect(self, kind: str) -> Iterable[Registration[Any]]:
        hook_name = KIND_HOOKS[kind]
        caller = getattr(self._pm.hook, hook_name)
        impls = caller.get_hookimpls()
        wrappers = [impl for impl in impls if impl.wrapper or impl.hookwrapper]
        owners: dict[int, PluginInfo] = {}
        for impl in impls:
            if not (impl.wrapper or impl.hookwrapper):
                impl.function = self._guarded(impl, hook_name, kind, owners)
        # One call through pluggy: wrappers wrap it and tryfirst/trylast order it. Each
        # implementation is guarded (above) so a failure is pinned on its plugin and the
        # others still register; a failing wrapper is dropped and the hook called without it.
        try:
            results = caller()
        except Exception as exc:
            for impl in wrappers:
                self._infos[impl.plugin_name].add_error(
                    f"{hook_name}() wrapper raised {type(exc).__name__}: {exc}"
                )
            results = self._pm.subset_hook_caller(hook_name, [impl.plugin for impl in wrappers])()
        if not isinstance(results, list):
            for impl in wrappers:
                self._infos[impl.plugin_name].add_error(
                    f"{hook_name}() wrapper returned {type(results).__name__}; it must return the list it got"
                )
            results = self._pm.subset_hook_caller(hook_name, [impl.plugin for impl in wrappers])()
        # Registrations keep load order (built-ins first, so they win a non-strict clash),
        # except that tryfirst implementations come before and trylast ones after the rest.
        # Whatever a wrapper added is owned by the (outermost) wrapper's plugin and comes last.
        rank = {
            impl.plugin_name: (0 if impl.tryfirst else 2 if impl.trylast else 1, index)
            for index, impl in enumerate(sorted(impls, key=lambda i: list(self._infos).index(i.plugin_name)))
        }
        added_by = self._infos[wrappers[-1].plugin_name] if wrappers else None
        found: list[tuple[tuple[int, int], int, Registration[Any]]] = []
        for result in results:
            items = result if isinstance(result, (list, tuple)) else [result]
            for obj in items:
                info = owners.get(id(obj), added_by)
                if info is None:
                    continue
                name = self._validated_name(kind, obj, info)
                if name is not None:
                    order = rank[info.name] if id(obj) in owners else (3, 0)
                    found.append((order, len(found), Registration(name, obj, info)))
        for _, _, registration in sorted(found, key=lambda item: (item[0], item[1])):
            registration.plugin.provides.setdefault(kind, []).append(registration.name)
            yield registration

    def _guarded(self, impl: Any, hook_name: str, kind: str, owners: dict[int, PluginInfo]) -> Any:
        """``impl``'s function, recording its plugin as owner of what it returns and its errors."""
        function = getattr(impl.function, "__wrapped_impl__", impl.function)
        info = self._infos[impl.plugin_name]

        def guarded() -> list[Any] | None:
            try:
                result = function()
            except Exception as exc:
                info.add_error(f"{hook_name}() raised {type(exc).__name__}: {exc}")
                return None
            if not isinstance(result, (list, tuple)):
                info.add_error(f"{hook_name}() returned {type(result).__name__}; it must return a list")
                return None
            info.provides.setdefault(kind, [])
            for obj in result:
                owners[id(obj)] = info
            return list(result)

        guarded.__wrapped_impl__ = function  # type: ignore[attr-defined]
        return guarded

    def _validated_name(self, kind: str, obj: object, info: PluginInfo) -> str | None:
        hook_name = KIND_HOOKS[kind]
        if kind == "commands":
            import typer

            name = getattr(getattr(obj, "info", None), "name", None)
            if not isinstance(obj, typer.Typer) or not isinstance(name, str):
                info.add_error(f"{hook_name}() returned {obj!r}: expected typer.Typer(name=...)")
                return None
            if not re.match(COMMAND_NAME_PATTERN, name):
                info.add_error(f"command group name {name!r} must match {COMMAND_NAME_PATTERN}")
                return None
            return name
        if isinstance(obj, Deferred):  # checked when first used (see _load)
            if not NAME_PATTERN.match(obj.name):
                info.add_error(f"{obj!r}: the name must be a lower-case identifier such as 'trade_vwap'")
                return None
            if not REFERENCE_PATTERN.match(obj.reference):
                info.add_error(f"{obj!r}: the reference must read 'package.module:Attribute'")
                return None
            return obj.name
        base = _base_class(kind)
        if not (isinstance(obj, type) and issubclass(obj, base)):
            info.add_error(f"{hook_name}() returned {obj!r}: expected a subclass of basalt.{base.__name__}")
            return None
        name = getattr(obj, "NAME", None)
        if not isinstance(name, str) or not NAME_PATTERN.match(name):
            info.add_error(
                f"{obj.__module__}.{obj.__qualname__}.NAME is {name!r}: "
                "it must be a lower-case identifier such as 'trade_vwap'"
            )
            return None
        return name


def _base_class(kind: str) -> type:
    """The base class registrations of ``kind`` must derive from (imported lazily)."""
    if kind == "tables":
        from basalt.tables.base import Table

        return Table
    if kind == "writers":
        from basalt.writers.base import OutputWriter

        return OutputWriter
    if kind == "sources":
        from basalt.sources.base import Source

        return Source
    if kind == "executors":
        from basalt.jobs.base import Executor

        return Executor
    from basalt.modules.base import AnalyticModule, PreprocessorModule

    return AnalyticModule if kind == "analytics" else PreprocessorModule


@functools.cache
def get_plugin_manager() -> PluginManager:
    """The process-wide plugin manager (built-ins + installed entry points)."""
    return PluginManager()


def reset_plugin_manager() -> None:
    """Forget the process-wide manager (tests, or after installing a plugin)."""
    get_plugin_manager.cache_clear()


__all__ = [
    "DISABLE_ENV_VAR",
    "ENTRY_POINT_GROUP",
    "KIND_HOOKS",
    "PluginManager",
    "get_plugin_manager",
    "reset_plugin_manager",
]
