"""Name → class registries built from what plugins registered."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from basalt.plugins.addons import install_hint
from basalt.plugins.deferred import Deferred
from basalt.plugins.errors import PluginConflictError, PluginLoadError, UnknownNameError
from basalt.plugins.info import PluginInfo

T = TypeVar("T")


@dataclass(frozen=True)
class Registration(Generic[T]):
    """One thing one plugin registered under one name."""

    name: str
    obj: T
    plugin: PluginInfo


class Registry(Mapping[str, T]):
    """The registered objects of one kind (tables, analytics, …) by ``NAME``.

    With ``strict=True`` a name registered by two plugins raises
    :class:`PluginConflictError` naming both; otherwise the first registration
    wins and both plugins get the conflict recorded as an error (used where
    Basalt must keep working, e.g. building the CLI or listing plugins).

    A :class:`~basalt.plugins.deferred.Deferred` registration is imported the first
    time its name is looked up, through ``load`` (which checks it and raises a
    :class:`~basalt.plugins.errors.PluginLoadError` naming the plugin).
    """

    def __init__(
        self,
        kind: str,
        registrations: Iterable[Registration[T]],
        *,
        strict: bool,
        load: Callable[[Registration[Any]], T] | None = None,
    ) -> None:
        self.kind = kind
        self._load = load
        self.skipped: dict[str, str] = {}
        """Names :meth:`usable` left out, with their load errors."""
        self._by_name: dict[str, Registration[T]] = {}
        for registration in registrations:
            first = self._by_name.get(registration.name)
            if first is None:
                self._by_name[registration.name] = registration
                continue
            conflict = PluginConflictError(
                kind,
                registration.name,
                first.plugin.owner,
                registration.plugin.owner,
                registration.plugin.name,
            )
            if strict:
                raise conflict
            first.plugin.add_error(str(conflict))
            registration.plugin.add_error(str(conflict))

    def __getitem__(self, name: str) -> T:
        registration = self._by_name.get(name)
        if registration is None:
            raise UnknownNameError(self.kind, name, list(self._by_name), install_hint(self.kind, name))
        if isinstance(registration.obj, Deferred) and self._load is not None:
            return self._load(registration)  # imported now, on first use (see basalt.plugins.deferred)
        return registration.obj

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_name)

    def __len__(self) -> int:
        return len(self._by_name)

    def usable(self) -> dict[str, T]:
        """Every registration that loads, by name; deferred ones that fail are left out.

        For listings of everything installed (``basalt analytics list``): one broken plugin
        must not hide the others. What failed is recorded on its plugin (``plugins list``)
        and kept in :attr:`skipped` (name → error).
        """
        found: dict[str, T] = {}
        self.skipped = {}
        for name in self._by_name:
            try:
                found[name] = self[name]
            except PluginLoadError as exc:
                self.skipped[name] = str(exc)
        return found

    def owner(self, name: str) -> PluginInfo:
        """The plugin that registered ``name``."""
        if name not in self._by_name:
            self[name]  # raises the helpful error for unknown names
        return self._by_name[name].plugin
