"""Configurations of the ``cbbo`` preprocessor and the ``cbbo_venue`` analytics."""

from __future__ import annotations

from pydantic import Field, field_validator

from basalt import ModuleConfig

MAX_LEVELS = 10
"""Depth of BMLL's L2 and CBBO tables (``BidPrice1`` … ``BidPrice10``)."""

CONTINUOUS = "CONTINUOUS_TRADING"
"""BMLL's ``MarketState`` of continuous trading."""


class CBBOConfig(ModuleConfig):
    """Configuration of ``cbbo``: the consolidated book of an instrument across its venues."""

    levels: int = Field(
        MAX_LEVELS,
        ge=1,
        le=MAX_LEVELS,
        description="Consolidated levels emitted per side (BidPrice1..N, AskPrice1..N); the venues' "
        "10 visible L2 levels are always all read, whatever N.",
    )
    continuous_only: bool = Field(
        False,
        description="Count a venue's snapshot only while its L2 MarketState is CONTINUOUS_TRADING: a venue "
        "in an auction, halted or closed contributes an empty book (auction books are indicative and may "
        "be crossed). The synthetic market's own cbbo table uses this rule. Needs l2.MarketState.",
    )
    changes_only: bool = Field(
        False,
        description="Emit a row only where the consolidated book (every emitted level, level count and "
        "contribution column) differs from the instrument-day's previous row. False: one row at every "
        "EventTimestamp at which any venue has a snapshot.",
    )
    contribution_mics: tuple[str, ...] = Field(
        (),
        description="Venues (MIC) whose contribution to each consolidated level is emitted as "
        "{Side}Quantity{Level}At{MIC} (quantity) and {Side}NumOrders{Level}At{MIC} (orders); "
        "empty: no contribution columns.",
    )

    @field_validator("contribution_mics")
    @classmethod
    def _mics(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [mic for mic in value if not mic.isalnum()]
        if bad:
            raise ValueError(f"MICs must be alphanumeric (they become column names), got {bad}")
        return tuple(dict.fromkeys(value))


class CBBOVenueConfig(ModuleConfig):
    """Configuration of ``cbbo_venue`` (no settings: the measures are fixed, see the module)."""
