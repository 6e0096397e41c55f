"""Basalt plugin of bmll-basalt-alpha101: registers the ``alpha101`` analytics.

Only hook implementations live here; the module is registered by name and import
path (:class:`basalt.Deferred`) and imported only when a pipeline uses it.
"""

from __future__ import annotations

from basalt import hookimpl
from basalt.plugins.deferred import Deferred


@hookimpl
def basalt_register_analytics() -> list[Deferred]:
    """The ``alpha101`` module: Kakushadze's 101 formulaic alphas over a pass's bars."""
    return [Deferred("alpha101", "basalt_alpha101.module:Alpha101")]
