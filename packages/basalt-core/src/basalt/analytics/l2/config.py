"""Configurations of the ``l2`` and ``l2tw`` modules.

Both pick *families* of measures so a pipeline pays only for what it asks:
the per-snapshot work and the number of output columns grow with the families
and with ``levels``.
"""

from __future__ import annotations

from datetime import time
from typing import Literal, get_args

from pydantic import Field, field_validator

from basalt.modules.base import ModuleConfig

MAX_LEVELS = 10
"""Depth of BMLL's L2 table (``BidPrice1`` … ``BidPrice10``)."""

BookFamily = Literal["levels", "cumulative", "imbalance", "spread", "mid"]
"""Measure families computed on every snapshot (shared by ``l2`` and ``l2tw``)."""

L2Family = Literal["levels", "cumulative", "imbalance", "spread", "mid", "ohlc"]
"""``l2`` also offers OHLC bars of the touch prices within the bucket."""

OhlcSeries = Literal["Mid", "Bid", "Ask", "WeightedMid"]
"""Per-snapshot prices ``l2`` can make OHLC bars of."""

BOOK_FAMILIES: tuple[str, ...] = get_args(BookFamily)
L2_FAMILIES: tuple[str, ...] = get_args(L2Family)
OHLC_SERIES: tuple[str, ...] = get_args(OhlcSeries)

_FAMILIES_DOC = (
    "Measure families to emit: 'levels' ({Side}Price/Quantity/NumOrders{Level}), 'cumulative' "
    "({Side}CumQuantity/CumNotional/CumOrders{Level}), 'imbalance' (Imbalance{Measure}{Level}), "
    "'spread' (SpreadAbs, SpreadBps), 'mid' (Mid, WeightedMid, Microprice)"
)


def _canonical(values: tuple[str, ...], order: tuple[str, ...]) -> tuple[str, ...]:
    """``values`` without duplicates, in the canonical ``order`` (so configs compare equal)."""
    return tuple(name for name in order if name in set(values))


class _BookConfig(ModuleConfig):
    """What ``l2`` and ``l2tw`` share."""

    levels: int = Field(
        MAX_LEVELS,
        ge=1,
        le=MAX_LEVELS,
        description="Book depth of the per-level families (levels, cumulative, imbalance): "
        "levels 1..N are emitted, N between 1 and 10.",
    )
    microprice_levels: int = Field(
        3,
        ge=1,
        le=MAX_LEVELS,
        description="Depth D of Microprice: the level-1 prices weighted by the opposite side's "
        "cumulative quantity over levels 1..D (D=1 gives WeightedMid). Independent of 'levels'.",
    )
    market_states: tuple[str, ...] | None = Field(
        None,
        min_length=1,
        description="If set (e.g. ['CONTINUOUS_TRADING']), only the book while the listing's market state is "
        "one of these counts: the marketstate table is read, a snapshot's state is the listing's last state "
        "event at or before it (TimestampNanoseconds, else EventTimestamp), and snapshots taken in other "
        "states or before the first state event (so every snapshot of a listing without state events) are "
        "dropped; l2tw also ends a snapshot's time at the next change into another state. Auction books are "
        "often crossed (negative spread): leave them out of averages with this. None: every snapshot counts, "
        "marketstate is not read.",
    )

    @field_validator("market_states")
    @classmethod
    def _states(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        return None if value is None else tuple(sorted(set(value)))


class L2Config(_BookConfig):
    """Configuration of ``l2`` (the last snapshot in each bucket)."""

    families: tuple[L2Family, ...] = Field(
        L2_FAMILIES,
        min_length=1,
        description=_FAMILIES_DOC + ", 'ohlc' ({Series}Open/High/Low/Close of ohlc_series). Default: all.",
    )
    ohlc_series: tuple[OhlcSeries, ...] = Field(
        OHLC_SERIES,
        min_length=1,
        description="Per-snapshot prices the 'ohlc' family makes bars of: Mid, Bid (BidPrice1), "
        "Ask (AskPrice1), WeightedMid.",
    )
    open_mode: Literal["event", "prev_close"] = Field(
        "event",
        description="'event': Open is the first value in the bucket. 'prev_close': Open is the last value "
        "before the bucket (same listing and day; empty buckets carry it forward), High/Low include it "
        "and Close falls back to it; the day's first bucket has no previous close and opens on its "
        "first value, as in 'event'.",
    )

    @field_validator("families")
    @classmethod
    def _families(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _canonical(value, L2_FAMILIES)

    @field_validator("ohlc_series")
    @classmethod
    def _series(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _canonical(value, OHLC_SERIES)


class L2TWConfig(_BookConfig):
    """Configuration of ``l2tw`` (time-weighted averages within each bucket)."""

    families: tuple[BookFamily, ...] = Field(
        BOOK_FAMILIES,
        min_length=1,
        description=_FAMILIES_DOC + ". Each is emitted time-weighted, with a TWA suffix. Default: all.",
    )
    session_end: time | None = Field(
        None,
        description="UTC time of day at which the book stops counting, on each trading day (TradeDate, "
        "else the UTC date): intervals are cut there and later snapshots weigh nothing. None: the last "
        "snapshot of the day is in force until the end of its bucket.",
    )

    @field_validator("families")
    @classmethod
    def _families(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _canonical(value, BOOK_FAMILIES)
