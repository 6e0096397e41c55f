"""The ``execution`` analytics module: L3 executions per side, and trades by lit/dark × aggressor side.

Two inputs, aggregated separately per (ListingId, TimeBucket) and joined with a
full outer join on the keys, so a bucket with trades but no L3 execution (or
the reverse) is kept:

* ``l3``: the rows with ``OrderExecuted`` true, bucketed by
  ``TimestampNanoseconds``. ``Side`` is the resting order's side, so an
  execution of a resting bid (Side 1) is seller-initiated: it is counted as
  ``Bid``, like a seller-initiated trade in the ``trade`` module.
* ``trades``: trades-plus rows whose ``Classification`` is in the lit or the
  dark set, bucketed by ``TradeTimestamp``; sides as in the ``trade`` module
  (Bid = AggressorSide 2, Ask = AggressorSide 1, Unknown = anything else).

Rows are sparse: a bucket appears when it holds at least one L3 execution or
one lit/dark trade. In every row, volumes and counts with nothing to count are
0 (also when the other input alone made the row), prices and ratios are null.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import polars as pl
from pydantic import Field, ValidationInfo, field_validator, model_validator

from basalt.analytics.trade.config import PriceColumn, check_classification_items, resolve_classifications
from basalt.analytics.trade.family import Family, ratio
from basalt.modules.base import AnalyticModule, ModuleConfig
from basalt.modules.columns import ColumnDoc
from basalt.timebuckets import TIME_BUCKET, TimeBuckets

TradeSide = Literal["Bid", "Ask", "Unknown", "Total"]
L3Side = Literal["Bid", "Ask", "Total"]
_QUOTES = {
    "consolidated": ("BestBidPrice", "BestAskPrice"),
    "venue": ("BestBidPriceAtVenue", "BestAskPriceAtVenue"),
    "primary": ("BestBidPriceAtPrimary", "BestAskPriceAtPrimary"),
}
_TRADE_SIDES = {
    "Bid": "seller-initiated (AggressorSide 2)",
    "Ask": "buyer-initiated (AggressorSide 1)",
    "Unknown": "no known aggressor (AggressorSide 0, null or other)",
    "Total": "any aggressor side",
}
_L3_SIDES = {
    "Bid": "executions of resting bid orders (Side 1; seller-initiated)",
    "Ask": "executions of resting ask orders (Side 2; buyer-initiated)",
    "Total": "all executions, whatever their Side",
}


class ExecutionConfig(ModuleConfig):
    """What the ``execution`` module computes."""

    lit_classifications: tuple[str, ...] = Field(
        ("lit_continuous",),
        description="Trades counted as lit: trade-module presets (lower case) and/or raw trades-plus "
        "Classification values (upper case). Default: LIT_CONTINUOUS only (add 'auction' for auctions).",
    )
    dark_classifications: tuple[str, ...] = Field(
        ("dark",),
        description="Trades counted as dark, as lit_classifications. Default: the 'dark' preset "
        "(DARK_BELOW_LIS, DARK_ABOVE_LIS, DARK_CONDITIONAL_BELOW_LIS, DARK_CONDITIONAL_ABOVE_LIS).",
    )
    sides: tuple[TradeSide, ...] = Field(
        ("Bid", "Ask", "Unknown", "Total"),
        description="Aggressor sides of the lit/dark trade columns Execution{Venue}{Side}{Measure}.",
    )
    measures: tuple[Literal["Volume", "VWAP", "PricePlacement"], ...] = Field(
        ("Volume", "VWAP", "PricePlacement"),
        description="Lit/dark trade measures: Volume (sum of Size), VWAP, and PricePlacement, the "
        "Size-weighted mean of (P - Bid) / (Ask - Bid) (0 at the bid, 1 at the ask).",
    )
    placement_quotes: Literal["consolidated", "venue", "primary"] = Field(
        "consolidated",
        description="Quotes of PricePlacement: consolidated (BestBidPrice/BestAskPrice), the execution "
        "venue's (…AtVenue) or the primary market's (…AtPrimary), as recorded with each trade.",
    )
    price_column: PriceColumn = Field(
        "InstrumentCurrencyPrice",
        description="Trade price of VWAP and PricePlacement; InstrumentCurrencyPrice (default) is in the "
        "quotes' currency.",
    )
    trade_imbalance: bool = Field(
        True,
        description="Emit ExecutionLitTradeImbalance, ExecutionDarkTradeImbalance and "
        "ExecutionTradeImbalance (lit + dark): (buy - sell) / (buy + sell) volume.",
    )
    l3_sides: tuple[L3Side, ...] = Field(
        ("Bid", "Ask", "Total"),
        description="Sides of the L3 execution columns ExecutionL3{Side}{Measure}: Bid = executions of "
        "resting bids (L3 Side 1), Ask = of resting asks (Side 2), Total = all.",
    )
    l3_measures: tuple[Literal["Volume", "Count", "VWAP"], ...] = Field(
        ("Volume", "Count", "VWAP"),
        description="L3 execution measures: Volume (sum of ExecutionSize), Count (execution rows), VWAP "
        "(ExecutionSize-weighted mean ExecutionPrice).",
    )
    l3_market_states: tuple[str, ...] | None = Field(
        None,
        description="If set, count only L3 executions whose MarketState is one of these "
        "(e.g. ['CONTINUOUS_TRADING']); None keeps them all.",
    )

    @field_validator("lit_classifications", "dark_classifications")
    @classmethod
    def _check_classifications(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        value = check_classification_items(value, info.field_name or "")
        if resolve_classifications(value) is None:
            raise ValueError(f"{info.field_name} cannot be 'all': lit and dark must be disjoint sets")
        return value

    @field_validator("sides", "measures", "l3_sides", "l3_measures")
    @classmethod
    def _check_unique(cls, value: tuple, info: ValidationInfo) -> tuple:
        if len(set(value)) != len(value):
            raise ValueError(f"{info.field_name} lists a value more than once")
        return value

    @model_validator(mode="after")
    def _check_disjoint(self) -> ExecutionConfig:
        both = set(self.lit_values()) & set(self.dark_values())
        if both:
            raise ValueError(f"classifications both lit and dark: {sorted(both)}")
        return self

    def lit_values(self) -> tuple[str, ...]:
        """Classification values counted as lit."""
        return resolve_classifications(self.lit_classifications) or ()

    def dark_values(self) -> tuple[str, ...]:
        """Classification values counted as dark."""
        return resolve_classifications(self.dark_classifications) or ()


def _l3(cfg: ExecutionConfig) -> Family:
    family = Family()
    size, execution_price = (
        pl.col("ExecutionSize").cast(pl.Float64),
        pl.col("ExecutionPrice").cast(pl.Float64),
    )
    sources = ("l3.ExecutionSize", "l3.OrderExecuted", "l3.Side", "l3.TimestampNanoseconds")
    for side in cfg.l3_sides:
        mask = {"Bid": pl.col("Side") == 1, "Ask": pl.col("Side") == 2, "Total": pl.lit(True)}[side]
        name = f"ExecutionL3{side}"
        family.prep[f"_{name}_S"] = pl.when(mask).then(size)
        family.prep[f"_{name}_m"] = mask.fill_null(False)
        family.prep[f"_{name}_N"] = pl.when(mask).then(size * execution_price)
        family.prep[f"_{name}_W"] = pl.when(mask & execution_price.is_not_null()).then(size)
        family.aggs += [
            pl.col(f"_{name}_S").sum().alias(f"{name}Volume"),
            pl.col(f"_{name}_m").sum().cast(pl.Int64).alias(f"{name}Count"),
            pl.col(f"_{name}_N").sum(),
            pl.col(f"_{name}_W").sum(),
        ]
        family.post.append(ratio(f"_{name}_N", f"_{name}_W").alias(f"{name}VWAP"))
        texts = {
            "Volume": ("shares", "Sum of ExecutionSize (0 if none).", "Float64", sources),
            "Count": ("count", "Number of execution rows (0 if none).", "Int64", sources),
            "VWAP": (
                "price",
                "Sum of ExecutionSize × ExecutionPrice / sum of ExecutionSize; null if none.",
                "Float64",
                (*sources, "l3.ExecutionPrice"),
            ),
        }
        for measure in cfg.l3_measures:
            unit, text, dtype, columns = texts[measure]
            family.docs.append(
                ColumnDoc(
                    f"{name}{measure}",
                    unit=unit,
                    definition=f"{text} Over the bucket's L3 {_L3_SIDES[side]}.",
                    pattern=f"ExecutionL3{{Side}}{measure}",
                    sources=columns,
                    dtype=dtype,
                    additive=measure != "VWAP",
                )
            )
    return family


_PARTS = ("S", "N", "W", "PN", "PW")
"""Per (venue, side) sums: Size, Size × price, Size of priced trades, Size × placement, Size of placed."""


def _ratio(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    return pl.when(denominator > 0).then(numerator / denominator)


def _trades(cfg: ExecutionConfig) -> Family:
    family = Family()
    size, p = pl.col("Size").cast(pl.Float64), pl.col(cfg.price_column).cast(pl.Float64)
    bid_column, ask_column = _QUOTES[cfg.placement_quotes]
    bid, ask = pl.col(bid_column).cast(pl.Float64), pl.col(ask_column).cast(pl.Float64)
    placement = pl.when(ask - bid > 0).then((p - bid) / (ask - bid))
    aggressor = pl.col("AggressorSide")
    side_masks = {
        "Bid": (aggressor == 2).fill_null(False),
        "Ask": (aggressor == 1).fill_null(False),
        "Unknown": ~aggressor.is_in([1, 2]).fill_null(False),
        "Total": pl.lit(True),
    }
    lit = pl.col("Classification").is_in(cfg.lit_values()).fill_null(False)
    venues = {"Lit": lit, "Dark": ~lit}
    base = ("trades.Size", "trades.AggressorSide", "trades.Classification", "trades.TradeTimestamp")
    # Total = Bid + Ask + Unknown (they partition the trades): summed after aggregation when all
    # three are computed anyway, instead of aggregating helper columns of its own.
    derived_total = {"Bid", "Ask", "Unknown"} <= set(cfg.sides)
    for venue, in_venue in venues.items():
        sums: dict[str, dict[str, pl.Expr]] = {}
        for side in cfg.sides:
            if side == "Total" and derived_total:
                continue
            mask, name = in_venue & side_masks[side], f"Execution{venue}{side}"
            family.prep |= {
                f"_{name}_S": pl.when(mask).then(size),
                f"_{name}_N": pl.when(mask).then(size * p),
                f"_{name}_W": pl.when(mask & p.is_not_null()).then(size),
                f"_{name}_PN": pl.when(mask).then(size * placement),
                f"_{name}_PW": pl.when(mask & placement.is_not_null()).then(size),
            }
            family.aggs += [pl.col(f"_{name}_{x}").sum() for x in _PARTS]
            sums[side] = {x: pl.col(f"_{name}_{x}") for x in _PARTS}
        if derived_total:
            sums["Total"] = {x: sums["Bid"][x] + sums["Ask"][x] + sums["Unknown"][x] for x in _PARTS}
        for side in cfg.sides:
            name, part = f"Execution{venue}{side}", sums[side]
            outputs = {
                "Volume": part["S"].alias(f"{name}Volume"),
                "VWAP": _ratio(part["N"], part["W"]).alias(f"{name}VWAP"),
                "PricePlacement": _ratio(part["PN"], part["PW"]).alias(f"{name}PricePlacement"),
            }
            texts = {
                "Volume": ("shares", "Sum of Size (0 if none).", base),
                "VWAP": (
                    "price",
                    f"Sum of Size × {cfg.price_column} / sum of Size over trades with a price; null if none.",
                    (*base, f"trades.{cfg.price_column}"),
                ),
                "PricePlacement": (
                    "fraction of spread",
                    f"Size-weighted mean of ({cfg.price_column} - {bid_column}) / ({ask_column} - "
                    f"{bid_column}): 0 at the bid, 1 at the ask, outside [0, 1] through the quotes. Trades "
                    "with a spread <= 0 or a null price or quote are left out; null if none is left.",
                    (*base, f"trades.{cfg.price_column}", f"trades.{bid_column}", f"trades.{ask_column}"),
                ),
            }
            for measure in cfg.measures:
                unit, text, columns = texts[measure]
                family.post.append(outputs[measure])
                family.docs.append(
                    ColumnDoc(
                        f"{name}{measure}",
                        unit=unit,
                        definition=f"{text} Over the bucket's {venue.lower()} trades, {_TRADE_SIDES[side]}.",
                        pattern=f"Execution{{Venue}}{{Side}}{measure}",
                        sources=columns,
                        dtype="Float64",
                        additive=measure == "Volume",
                    )
                )
    if cfg.trade_imbalance:
        buys, sells = {}, {}
        for venue, in_venue in venues.items():
            # Reuse the Ask/Bid volume helpers when those sides are computed anyway.
            buys[venue], sells[venue] = f"_Execution{venue}Ask_S", f"_Execution{venue}Bid_S"
            for name, side in ((buys[venue], "Ask"), (sells[venue], "Bid")):
                if name not in family.prep:
                    family.prep[name] = pl.when(in_venue & side_masks[side]).then(size)
                    family.aggs.append(pl.col(name).sum())
        for venue, what in (("Lit", "lit"), ("Dark", "dark"), ("", "lit and dark")):
            chosen = [venue] if venue else list(venues)
            buy = pl.sum_horizontal(pl.col(buys[v]) for v in chosen)
            sell = pl.sum_horizontal(pl.col(sells[v]) for v in chosen)
            name = f"Execution{venue}TradeImbalance"
            family.post.append(pl.when(buy + sell > 0).then((buy - sell) / (buy + sell)).alias(name))
            family.docs.append(
                ColumnDoc(
                    name,
                    unit="ratio",
                    definition=(
                        f"(buy - sell) / (buy + sell) over the bucket's {what} trades, buy = Size of "
                        "buyer-initiated trades (AggressorSide 1), sell = Size of seller-initiated ones "
                        "(AggressorSide 2); unknown-aggressor trades left out. In [-1, 1]; null when "
                        "buy + sell = 0."
                    ),
                    pattern="Execution{Venue}TradeImbalance",
                    sources=base,
                    dtype="Float64",
                )
            )
    return family


class ExecutionModule(AnalyticModule):
    """L3 executions per side, and lit/dark trades per aggressor side, per listing per bucket."""

    NAME = "execution"
    INPUTS = ("l3", "trades")
    Config = ExecutionConfig
    config: ExecutionConfig

    def columns(self) -> list[ColumnDoc]:
        """Every column emitted under this configuration, in output order."""
        return [*_l3(self.config).docs, *_trades(self.config).docs]

    def compute(self, inputs: Mapping[str, pl.LazyFrame], buckets: TimeBuckets) -> pl.LazyFrame:
        """Aggregate L3 executions and lit/dark trades apart, then full-join them on the keys."""
        cfg = self.config
        keys = list(self.KEYS)
        l3_family, trade_family = _l3(cfg), _trades(cfg)
        executions = inputs["l3"].filter(pl.col("OrderExecuted").fill_null(False))
        if cfg.l3_market_states is not None:
            executions = executions.filter(pl.col("MarketState").is_in(cfg.l3_market_states))
        trades = inputs["trades"].filter(pl.col("Classification").is_in(cfg.lit_values() + cfg.dark_values()))
        l3_part = _aggregate(executions, "TimestampNanoseconds", l3_family, keys, buckets)
        trade_part = _aggregate(trades, "TradeTimestamp", trade_family, keys, buckets)
        docs = self.columns()
        zero = [pl.col(doc.name).fill_null(0) for doc in docs if doc.additive]
        return (
            l3_part.join(trade_part, on=keys, how="full", coalesce=True)
            .with_columns(zero)
            .select(*keys, *(doc.name for doc in docs))
            .sort(*keys)
        )


def _aggregate(
    frame: pl.LazyFrame, timestamp: str, family: Family, keys: list[str], buckets: TimeBuckets
) -> pl.LazyFrame:
    """One family over one input: helper columns, one group_by, post columns; keys + documented columns."""
    return (
        frame.with_columns(
            buckets.label(pl.col(timestamp)).alias(TIME_BUCKET),
            *(expr.alias(name) for name, expr in family.prep.items()),
        )
        .group_by(*keys)
        .agg(family.aggs)
        .with_columns(family.post)
        .select(*keys, *(doc.name for doc in family.docs))
    )
