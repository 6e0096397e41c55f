"""Discrepancy of trade prices against a quote reference, in basis points of the reference.

Per trade: ``D = (P - R) / R × 10 000`` with ``P`` the configured trade price
and ``R`` the reference, both in the instrument's currency. Sign: positive when
the trade printed above the reference, whatever the aggressor side (a buy at
the ask and a sell at the ask both give a positive discrepancy to the mid).
Trades whose reference is null or not positive, or whose price is null, are
left out; the aggregations run over all other kept trades (every side,
unknown-aggressor trades included) and are null when none is left.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from basalt.analytics.trade.config import TradeConfig
from basalt.analytics.trade.family import TIMESTAMP, Family, order_key, price
from basalt.modules.columns import ColumnDoc

_QUOTES = {
    "": ("BestBidPrice", "BestAskPrice", "consolidated best"),
    "AtVenue": ("BestBidPriceAtVenue", "BestAskPriceAtVenue", "execution venue's best"),
    "AtPrimary": ("BestBidPriceAtPrimary", "BestAskPriceAtPrimary", "primary market's best"),
}


def reference(name: str, cfg: TradeConfig) -> tuple[pl.Expr, tuple[str, ...], str]:
    """The reference price of a trade: expression, trades-plus columns used, description."""
    if name.startswith("PreTradeMid"):
        suffix = name.removeprefix("PreTradeMid")
        column = f"PreTradeMid{cfg.pre_trade_mid_horizon}{suffix}"
        return pl.col(column).cast(pl.Float64), (column,), f"{column} (pre-trade mid)"
    for suffix, (bid, ask, what) in _QUOTES.items():
        if name == f"Mid{suffix}":
            mid = (pl.col(bid).cast(pl.Float64) + pl.col(ask).cast(pl.Float64)) / 2
            return mid, (bid, ask), f"({bid} + {ask}) / 2, the {what} mid"
        if name == f"BestBid{suffix}":
            return pl.col(bid).cast(pl.Float64), (bid,), f"{bid}, the {what} bid"
        if name == f"BestAsk{suffix}":
            return pl.col(ask).cast(pl.Float64), (ask,), f"{ask}, the {what} ask"
    raise ValueError(f"unknown discrepancy reference {name!r}")


_AGGREGATIONS: dict[str, tuple[str, Callable[[str, str], pl.Expr]]] = {
    "First": (
        "D of the first trade (TradeTimestamp, ties by input row order)",
        lambda d, k: pl.col(d).min_by(k),
    ),
    "Last": (
        "D of the last trade (TradeTimestamp, ties by input row order)",
        lambda d, k: pl.col(d).max_by(k),
    ),
    "Min": ("Smallest D", lambda d, k: pl.col(d).min()),
    "Max": ("Largest D", lambda d, k: pl.col(d).max()),
    "Mean": ("Simple mean of D", lambda d, k: pl.col(d).mean()),
    "Sum": ("Sum of D", lambda d, k: pl.when(pl.col(d).count() > 0).then(pl.col(d).sum())),
    "Median": ("Median of D", lambda d, k: pl.col(d).median()),
    "Std": ("Standard deviation (ddof 1; null below 2 trades) of D", lambda d, k: pl.col(d).std(ddof=1)),
}


def discrepancy(cfg: TradeConfig) -> Family:
    """Every configured reference × aggregation."""
    family = Family(ordered=bool({"First", "Last"} & set(cfg.discrepancy_aggregations)))
    p = price(cfg.price_column)
    for name in cfg.discrepancy_references:
        ref, columns, text = reference(name, cfg)
        valid = p.is_not_null() & (ref > 0)
        values, keys = f"_D_{name}", f"_DK_{name}"
        family.prep[values] = pl.when(valid).then((p - ref) / ref * 10_000.0)
        if family.ordered:
            family.prep[keys] = pl.when(valid).then(order_key())
        for aggregation in cfg.discrepancy_aggregations:
            what, build = _AGGREGATIONS[aggregation]
            out = f"TradeDiscrepancy{name}{aggregation}"
            family.aggs.append(build(values, keys).alias(out))
            family.docs.append(
                ColumnDoc(
                    out,
                    unit="bps",
                    definition=(
                        f"{what} over the bucket's kept trades, where D = ({cfg.price_column} - R) / R × 1e4 "
                        f"and R = {text}: positive when the trade printed above R. Trades with a null or "
                        "non-positive R are skipped; null if none is left."
                    ),
                    pattern="TradeDiscrepancy{Reference}{Aggregation}",
                    sources=tuple(f"trades.{c}" for c in (cfg.price_column, *columns, TIMESTAMP)),
                    dtype="Float64",
                )
            )
    return family
