"""Built-in plugin: the core analytics modules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from basalt import hookimpl

if TYPE_CHECKING:  # pragma: no cover - typing only; importing it costs Polars at start-up
    from basalt.modules.base import AnalyticModule


@hookimpl
def basalt_register_analytics() -> list[type[AnalyticModule]]:
    """trade, execution, l2, l2tw, l3, reaggregate, indicators."""
    from basalt.analytics.execution import ExecutionModule
    from basalt.analytics.indicators import IndicatorsModule
    from basalt.analytics.l2 import L2Last, L2TimeWeighted
    from basalt.analytics.l3 import L3Module
    from basalt.analytics.reaggregate import ReaggregateModule
    from basalt.analytics.trade import TradeModule

    return [
        TradeModule,
        ExecutionModule,
        L2Last,
        L2TimeWeighted,
        L3Module,
        ReaggregateModule,
        IndicatorsModule,
    ]
