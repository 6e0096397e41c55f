"""Configuration of the ``trade`` module, and the trade-set vocabulary shared with ``execution``.

Trade sets are chosen by BMLL's trades-plus ``Classification``: a config lists
raw values (``"LIT_CONTINUOUS"``, upper case, passed through as they are) and/or
preset names (lower case, expanded by :data:`CLASSIFICATION_PRESETS`). The
preset values follow BMLL's three-level trade taxonomy; values BMLL adds later
can always be listed raw.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from basalt.modules.base import ModuleConfig
from basalt.tables.schema import load_schema

_LIT_AUCTIONS = (
    "LIT_OPENING_AUCTION",
    "LIT_INTRADAY_AUCTION",
    "LIT_UNSCHEDULED_AUCTION",
    "LIT_CLOSING_AUCTION",
)
_DARK = ("DARK_BELOW_LIS", "DARK_ABOVE_LIS", "DARK_CONDITIONAL_BELOW_LIS", "DARK_CONDITIONAL_ABOVE_LIS")
_SI = (
    "SI_ADDRESSABLE_BELOW_LIS",
    "SI_ADDRESSABLE_ABOVE_LIS",
    "SI_NON_ADDRESSABLE_BELOW_LIS",
    "SI_NON_ADDRESSABLE_ABOVE_LIS",
)
_OTC = ("OTC", "BENCHMARK_PRICE", "SPECIAL_PRICE")

CLASSIFICATION_PRESETS: dict[str, tuple[str, ...] | None] = {
    "lit_continuous": ("LIT_CONTINUOUS",),
    "lit_auction": _LIT_AUCTIONS,
    "periodic_auction": ("AUCTION_ON_DEMAND",),
    "auction": (*_LIT_AUCTIONS, "AUCTION_ON_DEMAND"),
    "closing_price": ("CLOSING_PRICE", "POST_TRADE_UNCROSSING"),
    "lit": ("LIT_CONTINUOUS", *_LIT_AUCTIONS, "AUCTION_ON_DEMAND"),
    "dark": _DARK,
    "request_for_quote": ("REQUEST_FOR_QUOTE_BELOW_LIS", "REQUEST_FOR_QUOTE_ABOVE_LIS"),
    "off_book_on_exchange": ("OFF_BOOK_ON_EXCHANGE",),
    "si": _SI,
    "otc": _OTC,
    "off_book": ("OFF_BOOK_ON_EXCHANGE", *_SI, *_OTC),
    "all": None,
}
"""Preset name → BMLL ``Classification`` values it stands for (``all``: no filter at all)."""

_RAW_VALUE = re.compile(r"[A-Z0-9_]+")

TRADES_SCHEMA = load_schema("trades-plus")
POST_TRADE_HORIZONS: tuple[str, ...] = tuple(
    m.group(1) for c in TRADES_SCHEMA if (m := re.fullmatch(r"PostTradeMid(\d+ms)", c))
)
"""Horizons with a ``PostTradeMid{h}`` (and ``PostTradeMid{h}AtPrimary``) column in trades-plus."""
PRE_TRADE_HORIZONS: tuple[str, ...] = tuple(
    m.group(1) for c in TRADES_SCHEMA if (m := re.fullmatch(r"PreTradeMid(\d+ms)", c))
)
"""Horizons with a ``PreTradeMid{h}`` (and ``PreTradeMid{h}AtPrimary``) column in trades-plus."""

Side = Literal["Bid", "Ask", "Total", "Unknown"]
Measure = Literal[
    "Volume",
    "Count",
    "Notional",
    "NotionalEUR",
    "NotionalUSD",
    "VWAP",
    "Open",
    "High",
    "Low",
    "Close",
    "AvgPrice",
    "MedianPrice",
    "Volatility",
]
Reference = Literal[
    "PreTradeMid",
    "PreTradeMidAtPrimary",
    "Mid",
    "BestBid",
    "BestAsk",
    "MidAtVenue",
    "BestBidAtVenue",
    "BestAskAtVenue",
    "MidAtPrimary",
    "BestBidAtPrimary",
    "BestAskAtPrimary",
]
Aggregation = Literal["First", "Last", "Min", "Max", "Mean", "Sum", "Median", "Std"]
Flag = Literal["Retail", "Block", "OddLot", "MixedLot", "Algorithmic"]
PriceColumn = Literal["InstrumentCurrencyPrice", "Price"]

DEFAULT_MEASURES: tuple[Measure, ...] = (
    "Volume",
    "Count",
    "Notional",
    "NotionalEUR",
    "NotionalUSD",
    "VWAP",
    "Open",
    "High",
    "Low",
    "Close",
)


def resolve_classifications(items: tuple[str, ...]) -> tuple[str, ...] | None:
    """The ``Classification`` values a list of presets and raw values selects (None: no filter)."""
    values: list[str] = []
    for item in items:
        if item in CLASSIFICATION_PRESETS:
            preset = CLASSIFICATION_PRESETS[item]
            if preset is None:
                return None
            values.extend(preset)
        else:
            values.append(item)
    return tuple(dict.fromkeys(values))


def check_classification_items(items: tuple[str, ...], field: str = "classifications") -> tuple[str, ...]:
    """Validate a classification list: presets in lower case, raw BMLL values in upper case."""
    if not items:
        raise ValueError(f"{field}: select at least one classification (or the preset 'all')")
    for item in items:
        if item not in CLASSIFICATION_PRESETS and not _RAW_VALUE.fullmatch(item):
            raise ValueError(
                f"{item!r} is neither a preset ({', '.join(CLASSIFICATION_PRESETS)}) "
                "nor a raw BMLL Classification value (upper case, e.g. 'LIT_CONTINUOUS')"
            )
    return _unique(items, field)


def _unique(items: tuple, field: str) -> tuple:
    seen = [item for i, item in enumerate(items) if item in items[:i]]
    if seen:
        raise ValueError(f"{field} lists {seen} more than once")
    return items


class TradeConfig(ModuleConfig):
    """What the ``trade`` module computes, over which trades."""

    classifications: tuple[str, ...] = Field(
        ("lit_continuous",),
        description="Trades kept, by trades-plus Classification: preset names (lower case: "
        + ", ".join(CLASSIFICATION_PRESETS)
        + ") and/or raw Classification values (upper case, e.g. 'DARK_BELOW_LIS'). "
        "Default: lit continuous trading only.",
    )
    market_states: tuple[str, ...] | None = Field(
        None,
        description="If set, also keep only trades whose MarketState is one of these "
        "(e.g. ['CONTINUOUS_TRADING']); None applies no MarketState filter.",
    )
    price_column: PriceColumn = Field(
        "InstrumentCurrencyPrice",
        description="Trade price used for every price measure. InstrumentCurrencyPrice (default) is in the "
        "instrument's currency, like the quote and mid columns; Price is in the trade's own currency, "
        "which differs between prints (e.g. GBP off-book vs GBp on-book on XLON).",
    )
    sides: tuple[Side, ...] = Field(
        ("Bid", "Ask", "Total", "Unknown"),
        description="Sides of the per-side measures: Bid = seller-initiated (AggressorSide 2), "
        "Ask = buyer-initiated (AggressorSide 1), Unknown = any other AggressorSide (0 or null), "
        "Total = all kept trades.",
    )
    measures: tuple[Measure, ...] = Field(
        DEFAULT_MEASURES,
        description="Per-side measures, emitted as Trade{Side}{Measure}. AvgPrice, MedianPrice and "
        "Volatility are available but off by default.",
    )
    volatility_annualisation_factor: float = Field(
        1.0,
        gt=0,
        description="Volatility = std of trade-to-trade log returns × sqrt(this factor). "
        "1.0 (default) reports the raw per-trade std, not annualised.",
    )
    volatility_ddof: int = Field(
        1, ge=0, description="Delta degrees of freedom of the volatility std (1: sample std)."
    )
    discrepancy_references: tuple[Reference, ...] = Field(
        (),
        description="References the trade price is compared with, giving "
        "TradeDiscrepancy{Reference}{Aggregation} in bps of the reference; empty (default) skips "
        "the family. PreTradeMid* use pre_trade_mid_horizon; Mid* are (best bid + best ask) / 2 of "
        "the consolidated (no suffix), execution-venue (AtVenue) or primary (AtPrimary) quotes.",
    )
    discrepancy_aggregations: tuple[Aggregation, ...] = Field(
        ("First", "Last", "Min", "Max", "Mean", "Sum", "Median", "Std"),
        description="How per-trade discrepancies are aggregated over the bucket (Std: ddof 1).",
    )
    pre_trade_mid_horizon: str = Field(
        "1ms",
        description="Which trades-plus PreTradeMid{h} column is 'the pre-trade mid' (discrepancy "
        "reference PreTradeMid and the TCA mid M); e.g. '1ms' uses PreTradeMid1ms.",
    )
    tca: bool = Field(
        False,
        description="Emit TCA: TradeEffectiveSpread[Bps] and, per horizon, "
        "TradeRealizedSpread{h}[Bps] and TradePriceImpact{h}[Bps].",
    )
    tca_horizons: tuple[str, ...] = Field(
        ("1000ms", "5000ms"),
        description="Horizons of realized spread and price impact; each uses trades-plus "
        "PostTradeMid{h} (or PostTradeMid{h}AtPrimary), so it must be one of "
        + ", ".join(POST_TRADE_HORIZONS)
        + ".",
    )
    tca_weighting: Literal["volume", "equal"] = Field(
        "volume",
        description="Mean of the per-trade TCA values across the bucket's trades: weighted by Size "
        "('volume', default) or a simple mean ('equal').",
    )
    tca_at_primary: bool = Field(
        False,
        description="Use the primary market's mids (PreTradeMid{h}AtPrimary, PostTradeMid{h}AtPrimary) "
        "for TCA instead of PreTradeMid{h} / PostTradeMid{h}.",
    )
    flags: tuple[Flag, ...] = Field(
        (),
        description="Trade flags counted, giving Trade{Flag}Count and Trade{Flag}Volume: Retail "
        "(retail_column == 'RETAIL'), Block (IsBlock == 'TRUE'), OddLot (LotType == 'ODD'), "
        "MixedLot (LotType == 'MIXED'), Algorithmic (AlgorithmicTrade == 'H'). Empty by default.",
    )
    retail_column: Literal["BMLLParticipantType", "ParticipantType"] = Field(
        "BMLLParticipantType",
        description="Column whose value 'RETAIL' marks a retail trade: BMLL's own classification "
        "(default) or the one reported with the trade.",
    )

    @field_validator("classifications")
    @classmethod
    def _check_classifications(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return check_classification_items(value)

    @field_validator("sides", "measures", "discrepancy_references", "discrepancy_aggregations", "flags")
    @classmethod
    def _check_unique(cls, value: tuple, info: ValidationInfo) -> tuple:
        return _unique(value, info.field_name or "")

    @field_validator("market_states")
    @classmethod
    def _check_states(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is not None and not value:
            raise ValueError("market_states must list at least one state, or be None for no filter")
        return value if value is None else _unique(value, "market_states")

    @field_validator("pre_trade_mid_horizon")
    @classmethod
    def _check_pre_horizon(cls, value: str) -> str:
        if value not in PRE_TRADE_HORIZONS:
            raise ValueError(
                f"trades-plus has no PreTradeMid{value} column; horizons: {', '.join(PRE_TRADE_HORIZONS)}"
            )
        return value

    @field_validator("tca_horizons")
    @classmethod
    def _check_horizons(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for horizon in value:
            if horizon not in POST_TRADE_HORIZONS:
                raise ValueError(
                    f"trades-plus has no PostTradeMid{horizon} column; "
                    f"horizons: {', '.join(POST_TRADE_HORIZONS)}"
                )
        return _unique(value, "tca_horizons")

    @model_validator(mode="after")
    def _check_something_to_do(self) -> TradeConfig:
        per_side = bool(self.sides and self.measures)
        discrepancy = bool(self.discrepancy_references and self.discrepancy_aggregations)
        if not (per_side or discrepancy or self.tca or self.flags):
            raise ValueError("this configuration emits no column: select sides and measures, or a family")
        return self

    def classification_values(self) -> tuple[str, ...] | None:
        """The Classification values kept (None: every trade is kept)."""
        return resolve_classifications(self.classifications)
