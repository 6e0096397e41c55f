"""Basalt plugin of bmll-basalt-alpha101: registers the ``alpha101`` analytics.

Only hook implementations live here; the analytics themselves are imported
inside the hook so that loading the plugin stays cheap.
"""

from __future__ import annotations

from basalt import AnalyticModule, hookimpl


@hookimpl
def basalt_register_analytics() -> list[type[AnalyticModule]]:
    """The alpha101 post-processing module (arrives with the alpha library)."""
    return []
