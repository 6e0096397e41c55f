"""``aggressive_orders``: aggressive orders reconstructed from their fills in the trades.

Rules
-----
Trades are filtered by ``Classification`` (lit continuous by default) and by a
known aggressor (``AggressorSide`` 1 = buyer-initiated, 2 = seller-initiated;
others are dropped). Per listing and trading day (``TradeDate``, else the UTC
date) they are put in venue order: ``TradeTimestampNanoseconds`` (else
``TradeTimestamp``), then ``ExchangeSequenceNo``. A fill starts a new aggressive
order unless it follows a fill of the same side within ``max_gap_ns`` (0: the
same timestamp); consecutive means consecutive among the kept trades, so a
sell between two buys splits them.

Per order: size (Σ Size), fills, *levels walked* (distinct fill prices: a
market order that takes 100.1 then 100.2 walked 2 levels), VWAP, first and
last fill price, notional, the pre-trade mid (from the first fill's quote, see
``mid``) and the price impact in basis points,
``sign · (price − mid) / mid · 10⁴`` with sign +1 for buys and −1 for sells, of
the last price (how far the order walked) and of the VWAP (what it paid).

This is the trade-side reconstruction used in the sweep-order literature, e.g.
Chakravarty, Jain, Upson & Wood (2012), "Clean sweep: informed trading through
intermarket sweep orders", JFQA 47(2); Biais, Hillion & Spatt (1995) for orders
walking the book. L3 is not read (yet): BMLL's L3 carries the resting orders'
executions, not the aggressor's id; its ``EndOfEvent`` flag could split two
aggressors matched at the very same timestamp, which this trade-only rule merges.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from basalt import ColumnDoc, PreprocessorModule, TimeBuckets
from basalt_preprocessors.aggressive.config import AggressiveConfig

KEYS = ("ListingId", "TradeTimestamp", "AggressiveOrderNo")
_T, _DAY, _NEW = "__t", "__day", "__new"


def fills(trades: pl.LazyFrame, config: AggressiveConfig) -> pl.LazyFrame:
    """The kept trades with ``AggressiveOrderNo`` (from 1 per listing-day), in venue order."""
    schema = trades.collect_schema()
    t = (
        pl.col("TradeTimestampNanoseconds")
        if "TradeTimestampNanoseconds" in schema
        else pl.col("TradeTimestamp")
    )
    day = (
        pl.col("TradeDate").cast(pl.Date) if "TradeDate" in schema else pl.col("TradeTimestamp").cast(pl.Date)
    )
    sequence = [pl.col("ExchangeSequenceNo")] if "ExchangeSequenceNo" in schema else []
    kept = (
        trades.filter(
            pl.col("Classification").is_in(list(config.classifications))
            & pl.col("AggressorSide").is_in([1, 2])
        )
        .with_columns(t.dt.cast_time_unit("ns").cast(pl.Int64).alias(_T), day.alias(_DAY))
        .sort(["ListingId", _DAY, _T, *sequence])
    )
    window = ["ListingId", _DAY]
    new = (
        (pl.col("AggressorSide") != pl.col("AggressorSide").shift(1).over(window))
        | ((pl.col(_T) - pl.col(_T).shift(1).over(window)) > config.max_gap_ns)
    ).fill_null(True)
    return kept.with_columns(new.alias(_NEW)).with_columns(
        pl.col(_NEW).cast(pl.Int64).cum_sum().over(window).alias("AggressiveOrderNo")
    )


def orders(trades: pl.LazyFrame, config: AggressiveConfig) -> pl.LazyFrame:
    """One row per aggressive order: ``KEYS`` and the columns of :func:`order_columns`."""
    if config.mid == "venue":
        bid, ask = pl.col("BestBidPriceAtVenue"), pl.col("BestAskPriceAtVenue")
    else:
        bid, ask = pl.col("BestBidPrice"), pl.col("BestAskPrice")
    price, size = pl.col("Price"), pl.col("Size")
    grouped = (
        fills(trades, config)
        .group_by("ListingId", _DAY, "AggressiveOrderNo")
        .agg(
            pl.col("TradeTimestamp").first(),
            pl.col("TradeTimestamp").last().alias("LastFillTimestamp"),
            pl.col("AggressorSide").first(),
            size.sum().alias("Size"),
            pl.len().cast(pl.Int64).alias("Fills"),
            price.n_unique().cast(pl.Int64).alias("LevelsWalked"),
            (price * size).sum().alias("Notional"),
            price.first().alias("FirstPrice"),
            price.last().alias("LastPrice"),
            ((bid.first() + ask.first()) / 2).alias("PreTradeMid"),
        )
    )
    sign = pl.when(pl.col("AggressorSide") == 1).then(1.0).otherwise(-1.0)
    mid = pl.col("PreTradeMid")
    vwap = pl.when(pl.col("Size") > 0).then(pl.col("Notional") / pl.col("Size"))
    return grouped.with_columns(vwap.alias("VWAP")).with_columns(
        (sign * (pl.col("LastPrice") - mid) / mid * 1e4).alias("LastPriceImpactBps"),
        (sign * (pl.col("VWAP") - mid) / mid * 1e4).alias("VWAPImpactBps"),
    )


def order_columns(config: AggressiveConfig) -> list[ColumnDoc]:
    """Documentation of every per-order column (keys excluded)."""
    quote = "BestBid/AskPriceAtVenue" if config.mid == "venue" else "BestBid/AskPrice"
    rows = [
        ("LastFillTimestamp", "timestamp", "Datetime", "TradeTimestamp of the order's last fill."),
        ("AggressorSide", "code", "Int64", "1 = buy (lifted the ask), 2 = sell (hit the bid)."),
        ("Size", "shares", "Float64", "Σ Size of the order's fills."),
        ("Fills", "count", "Int64", "Number of trades (fills) of the order."),
        ("LevelsWalked", "count", "Int64", "Distinct prices among the order's fills (1: one level)."),
        ("Notional", "currency", "Float64", "Σ Price·Size of the fills."),
        ("FirstPrice", "price", "Float64", "Price of the first fill."),
        ("LastPrice", "price", "Float64", "Price of the last fill (the deepest level reached)."),
        ("PreTradeMid", "price", "Float64", f"(bid + ask)/2 of the first fill's pre-trade quote ({quote})."),
        ("VWAP", "price", "Float64", "Notional / Size."),
        ("LastPriceImpactBps", "bps", "Float64",
         "sign·(LastPrice − PreTradeMid)/PreTradeMid·10⁴, sign +1 for buys, −1 for sells."),
        ("VWAPImpactBps", "bps", "Float64", "sign·(VWAP − PreTradeMid)/PreTradeMid·10⁴, +1 buys, −1 sells."),
    ]  # fmt: skip
    return [
        ColumnDoc(
            name,
            unit=unit,
            definition=f"{text} An aggressive order is a run of consecutive kept trades of one listing-day "
            f"on the same AggressorSide at most {config.max_gap_ns} ns apart.",
            sources=(
                "trades.Price",
                "trades.Size",
                "trades.AggressorSide",
                "trades.TradeTimestampNanoseconds",
            ),
            dtype=dtype,
        )
        for name, unit, dtype, text in rows
    ]


class AggressiveOrders(PreprocessorModule):
    """One row per aggressive order reconstructed from trades: size, fills, levels walked, VWAP, impact.

    See :mod:`basalt_preprocessors.aggressive.orders` for the grouping rules.
    """

    NAME = "aggressive_orders"
    INPUTS = ("trades",)
    KEYS = KEYS
    Config = AggressiveConfig
    config: AggressiveConfig

    def columns(self) -> list[ColumnDoc]:
        return order_columns(self.config)

    def compute(self, inputs: Mapping[str, pl.LazyFrame], buckets: TimeBuckets) -> pl.LazyFrame:
        names = [doc.name for doc in self.columns()]
        return orders(inputs["trades"], self.config).select(*KEYS, *names).sort(list(KEYS))


__all__ = ["AggressiveOrders", "fills", "order_columns", "orders"]
