"""Built-in plugin: the core analytics modules."""

from __future__ import annotations

from basalt import hookimpl
from basalt.modules.base import AnalyticModule


@hookimpl
def basalt_register_analytics() -> list[type[AnalyticModule]]:
    """trade, execution."""
    from basalt.analytics.execution import ExecutionModule
    from basalt.analytics.trade import TradeModule

    return [TradeModule, ExecutionModule]
