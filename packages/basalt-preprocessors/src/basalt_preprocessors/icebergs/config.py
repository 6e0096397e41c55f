"""Configurations of the ``iceberg`` preprocessor and the ``iceberg_metrics`` analytics."""

from __future__ import annotations

from pydantic import Field

from basalt import ModuleConfig

CONTINUOUS = "CONTINUOUS_TRADING"
"""BMLL's ``MarketState`` of continuous trading."""


class IcebergConfig(ModuleConfig):
    """How icebergs are recognised in L3 order events (shared by the preprocessor and the analytics)."""

    refill_delay_ns: int = Field(
        1_000_000,
        ge=0,
        description="Longest time (ns) from the full execution of a resting order to an insert at the same "
        "side and price for the insert to count as that order's refill (the next peak of an iceberg). "
        "Venues show the next peak in the same matching event or microseconds later; 1 ms by default.",
    )
    continuous_only: bool = Field(
        False,
        description="Use only L3 rows whose MarketState is CONTINUOUS_TRADING (auction uncrosses execute "
        "displayed quantities; refills there are rare). Needs l3.MarketState.",
    )
    hidden_executions: bool = Field(
        True,
        description="Also detect icebergs from executions larger than the displayed size: an event "
        "executing more at a price than the book displayed there before it (displayed quantities are "
        "rebuilt from the listing-day's L3), or one execution row larger than the order's displayed "
        "OldSize.",
    )


class IcebergMetricsConfig(IcebergConfig):
    """Configuration of ``iceberg_metrics``: the detection settings of ``iceberg`` (same meaning)."""
