"""Registrations named now and imported on first use.

A registration hook may return ``Deferred("trade", "basalt.analytics.trade:TradeModule")``
instead of the class itself. The registry knows the name at once (for conflicts,
``plugins list``, "did you mean"), but the class's module is imported only when a
pipeline, a command or ``plugins check`` asks for that name. A run that uses one
module of an add-on therefore imports one module, not all of them: each worker and
each CLI start-up was paying ~0.06 s to import and build every module's config
model, most of which the run never touches.

Whether the reference imports, names a class of the right kind and that class's
``NAME`` matches is checked when it is loaded; a failure is pinned on the plugin
that registered it (see :meth:`basalt.plugins.manager.PluginManager.plugins`).
"""

from __future__ import annotations

import importlib
import re
from typing import Any

REFERENCE_PATTERN = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")
"""``package.module:Attribute`` (the attribute may be dotted: ``module:Outer.Inner``)."""


class Deferred:
    """A registration of ``name`` whose object lives at ``reference`` (``"package.module:Attribute"``).

    Example, in a plugin's hook::

        @hookimpl
        def basalt_register_analytics():
            return [Deferred("trade_vwap", "my_plugin.vwap:TradeVwap")]
    """

    __slots__ = ("_loaded", "name", "reference")

    def __init__(self, name: str, reference: str) -> None:
        self.name = name
        self.reference = reference
        self._loaded: Any = None

    @property
    def loaded(self) -> bool:
        """True once :meth:`load` has imported the object."""
        return self._loaded is not None

    def load(self) -> Any:
        """Import the referenced object (once); errors propagate to the caller, which names the plugin."""
        if self._loaded is None:
            module_name, _, attribute = self.reference.partition(":")
            obj: Any = importlib.import_module(module_name)
            for part in attribute.split("."):
                obj = getattr(obj, part)
            self._loaded = obj
        return self._loaded

    def __repr__(self) -> str:
        return f"Deferred({self.name!r}, {self.reference!r})"


__all__ = ["REFERENCE_PATTERN", "Deferred"]
