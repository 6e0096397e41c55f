"""Built-in plugin: the core analytics modules."""

from __future__ import annotations

from basalt import hookimpl
from basalt.plugins.deferred import Deferred


@hookimpl
def basalt_register_analytics() -> list[Deferred]:
    """trade, execution, l2, l2tw, l3, reaggregate, indicators (each imported when a pipeline uses it)."""
    return [
        Deferred("trade", "basalt.analytics.trade:TradeModule"),
        Deferred("execution", "basalt.analytics.execution:ExecutionModule"),
        Deferred("l2", "basalt.analytics.l2:L2Last"),
        Deferred("l2tw", "basalt.analytics.l2:L2TimeWeighted"),
        Deferred("l3", "basalt.analytics.l3:L3Module"),
        Deferred("reaggregate", "basalt.analytics.reaggregate:ReaggregateModule"),
        Deferred("indicators", "basalt.analytics.indicators:IndicatorsModule"),
    ]
