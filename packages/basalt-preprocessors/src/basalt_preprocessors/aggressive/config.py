"""Configuration of ``aggressive_orders`` and ``aggressive``: which trades, how fills are grouped."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from basalt import ModuleConfig


class AggressiveConfig(ModuleConfig):
    """How aggressive orders are reconstructed from trades (shared by the preprocessor and the analytics)."""

    classifications: tuple[str, ...] = Field(
        ("LIT_CONTINUOUS",),
        min_length=1,
        description="trades-plus Classification values kept (upper case, BMLL's): only trades that walked a "
        "visible book make sense here. Default: lit continuous trading.",
    )
    max_gap_ns: int = Field(
        0,
        ge=0,
        description="A fill continues the current aggressive order of its listing when it is the next kept "
        "trade, on the same AggressorSide, within this many nanoseconds of the previous fill "
        "(TradeTimestampNanoseconds). 0: fills of one order share their timestamp, as on every venue that "
        "stamps a match with the aggressor's arrival.",
    )
    mid: Literal["venue", "consolidated"] = Field(
        "venue",
        description="Pre-trade mid of the price impact: "
        "'venue' = (BestBidPriceAtVenue + BestAskPriceAtVenue)/2, "
        "'consolidated' = (BestBidPrice + BestAskPrice)/2, both from the order's first fill (trades-plus "
        "quotes just before that trade).",
    )
