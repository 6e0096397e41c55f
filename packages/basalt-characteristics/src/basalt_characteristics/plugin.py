"""Basalt plugin of bmll-basalt-characteristics: microstructure analytics.

Only hook implementations live here; the modules are imported inside the hook.
"""

from __future__ import annotations

from basalt import AnalyticModule, hookimpl


@hookimpl
def basalt_register_analytics() -> list[type[AnalyticModule]]:
    """Characteristics modules (OFI, VPIN, Kyle's lambda, … as they are built)."""
    return []
