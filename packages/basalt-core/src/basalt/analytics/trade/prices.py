"""Per-side price measures: VWAP, OHLC, AvgPrice, MedianPrice, Volatility.

Prices are the configured ``price_column`` (``InstrumentCurrencyPrice`` by
default); trades with a null price are left out of every price measure. A side
with no priced trade in a bucket gives null prices.

Trade order, for Open, Close and Volatility: ``TradeTimestamp``, ties broken by
the order of the rows in the input (first row first). No sorted input is
needed (see ``family.order_key``).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from basalt.analytics.trade.config import TradeConfig
from basalt.analytics.trade.family import SIZE, Family, order_key, price, ratio, size
from basalt.analytics.trade.sides import SIDE_TEXT, side_column, side_sources
from basalt.modules.columns import ColumnDoc

ORDER_TEXT = "trade order: TradeTimestamp, ties broken by input row order"


def _doc(side: str, measure: str, unit: str, definition: str, sources: tuple[str, ...]) -> ColumnDoc:
    return ColumnDoc(
        f"Trade{side}{measure}",
        unit=unit,
        definition=f"{definition} Over {SIDE_TEXT[side]} in the bucket; null if there is none.",
        pattern=f"Trade{{Side}}{measure}",
        sources=sources,
        dtype="Float64",
    )


def vwap(side: str, cfg: TradeConfig) -> Family:
    """Volume-weighted average price."""
    family = Family()
    p = price(cfg.price_column)
    numerator, denominator = f"_{side}_VWAPn", f"_{side}_VWAPd"
    family.aggs += [
        side_column(family, side, "N", size() * p).sum().alias(numerator),
        side_column(family, side, "W", size(), p.is_not_null()).sum().alias(denominator),
    ]
    family.post.append(ratio(numerator, denominator).alias(f"Trade{side}VWAP"))
    family.docs.append(
        _doc(
            side,
            "VWAP",
            "price",
            f"Sum of Size × {cfg.price_column} / sum of Size over trades with a price "
            "(null when the sizes sum to 0).",
            side_sources(SIZE, cfg.price_column),
        )
    )
    return family


def _ohlc(measure: str) -> Callable[[str, TradeConfig], Family]:
    texts = {
        "Open": f"{{price}} of the first trade ({ORDER_TEXT}).",
        "High": "Highest {price}.",
        "Low": "Lowest {price}.",
        "Close": f"{{price}} of the last trade ({ORDER_TEXT}).",
    }

    def build(side: str, cfg: TradeConfig) -> Family:
        family = Family()
        p = price(cfg.price_column)
        prices = side_column(family, side, "P", p)
        if measure in ("Open", "Close"):
            family.ordered = True
            keys = side_column(family, side, "K", order_key(), p.is_not_null())
            agg = prices.min_by(keys) if measure == "Open" else prices.max_by(keys)
        else:
            agg = prices.max() if measure == "High" else prices.min()
        family.aggs.append(agg.alias(f"Trade{side}{measure}"))
        text = texts[measure].format(price=cfg.price_column)
        family.docs.append(_doc(side, measure, "price", text, side_sources(cfg.price_column)))
        return family

    build.__doc__ = texts[measure].format(price="Price")
    return build


def avg_price(side: str, cfg: TradeConfig) -> Family:
    """Simple mean of trade prices."""
    family = Family()
    prices = side_column(family, side, "P", price(cfg.price_column))
    family.aggs.append(prices.mean().alias(f"Trade{side}AvgPrice"))
    text = f"Simple (unweighted) mean of {cfg.price_column}."
    family.docs.append(_doc(side, "AvgPrice", "price", text, side_sources(cfg.price_column)))
    return family


def median_price(side: str, cfg: TradeConfig) -> Family:
    """Median of trade prices."""
    family = Family()
    prices = side_column(family, side, "P", price(cfg.price_column))
    family.aggs.append(prices.median().alias(f"Trade{side}MedianPrice"))
    text = f"Median of {cfg.price_column} (mean of the two middle values for an even count)."
    family.docs.append(_doc(side, "MedianPrice", "price", text, side_sources(cfg.price_column)))
    return family


def volatility(side: str, cfg: TradeConfig) -> Family:
    """Std of log returns between consecutive trades, scaled by sqrt(annualisation factor)."""
    family = Family(ordered=True)
    p = price(cfg.price_column)
    positive = p > 0
    logs = side_column(family, side, "L", p.log(), positive)
    keys = side_column(family, side, "LK", order_key(), positive)
    std = logs.sort_by(keys).drop_nulls().diff().drop_nulls().std(ddof=cfg.volatility_ddof)
    scale = math.sqrt(cfg.volatility_annualisation_factor)
    family.aggs.append((std * scale if scale != 1.0 else std).alias(f"Trade{side}Volatility"))
    family.docs.append(
        ColumnDoc(
            f"Trade{side}Volatility",
            unit="log return",
            definition=(
                f"Standard deviation (ddof {cfg.volatility_ddof}) of the log returns "
                f"ln(P_i / P_(i-1)) between consecutive trades ({ORDER_TEXT}; P = {cfg.price_column}, "
                f"trades with P <= 0 or null skipped) × sqrt({cfg.volatility_annualisation_factor:g}) "
                f"(volatility_annualisation_factor). Over {SIDE_TEXT[side]} in the bucket; null with "
                f"fewer than {cfg.volatility_ddof + 1} returns."
            ),
            pattern="Trade{Side}Volatility",
            sources=side_sources(cfg.price_column),
            dtype="Float64",
        )
    )
    return family


PRICE_MEASURES: dict[str, Callable[[str, TradeConfig], Family]] = {
    "VWAP": vwap,
    "Open": _ohlc("Open"),
    "High": _ohlc("High"),
    "Low": _ohlc("Low"),
    "Close": _ohlc("Close"),
    "AvgPrice": avg_price,
    "MedianPrice": median_price,
    "Volatility": volatility,
}
"""Measure name → builder of its per-side family."""
