"""Basalt plugin of bmll-basalt-alpha101: registers the ``alpha101`` analytics.

Only hook implementations live here; the analytics themselves are imported
inside the hook so that loading the plugin stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from basalt import hookimpl

if TYPE_CHECKING:  # pragma: no cover - typing only
    from basalt import AnalyticModule


@hookimpl
def basalt_register_analytics() -> list[type[AnalyticModule]]:
    """The ``alpha101`` module: Kakushadze's 101 formulaic alphas over a pass's bars."""
    from basalt_alpha101.module import Alpha101

    return [Alpha101]
