"""Trade sides, and the per-side quantity measures: Volume, Count, Notional (local, EUR, USD).

Sides follow BMLL: ``Bid`` trades hit the bid, i.e. are seller-initiated
(``AggressorSide`` 2); ``Ask`` trades lift the ask, i.e. are buyer-initiated
(``AggressorSide`` 1); ``Unknown`` is every other ``AggressorSide`` (0, null or
anything else) and is never folded into a side; ``Total`` is every kept trade.

Per-side values come from masked helper columns (the value where the trade is
on the side, null elsewhere) aggregated in the module's one ``group_by``: sums
of a side with no trade in a bucket are 0, never null.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from basalt.analytics.trade.config import TradeConfig
from basalt.analytics.trade.family import AGGRESSOR, SIZE, TIMESTAMP, Family, price, size
from basalt.modules.columns import ColumnDoc

SIDE_TEXT: dict[str, str] = {
    "Bid": "seller-initiated trades (AggressorSide 2: the aggressor sold into the bid)",
    "Ask": "buyer-initiated trades (AggressorSide 1: the aggressor bought from the ask)",
    "Unknown": "trades with no known aggressor (AggressorSide 0, null or any value but 1 and 2)",
    "Total": "all kept trades, whatever their AggressorSide",
}


def side_mask(side: str) -> pl.Expr | None:
    """True where a trade is on ``side`` (never null); None for ``Total`` (every trade)."""
    aggressor = pl.col(AGGRESSOR)
    if side == "Bid":
        return (aggressor == 2).fill_null(False)
    if side == "Ask":
        return (aggressor == 1).fill_null(False)
    if side == "Unknown":
        return ~aggressor.is_in([1, 2]).fill_null(False)
    return None


def on_side(value: pl.Expr, side: str, condition: pl.Expr | None = None) -> pl.Expr:
    """``value`` where the trade is on ``side`` (and ``condition`` holds), null elsewhere."""
    mask = side_mask(side)
    if condition is not None:
        mask = condition if mask is None else mask & condition
    return value if mask is None else pl.when(mask).then(value)


def helper(side: str, what: str) -> str:
    """Name of a per-side helper column."""
    return f"_{side}_{what}"


def side_column(
    family: Family, side: str, what: str, value: pl.Expr, condition: pl.Expr | None = None
) -> pl.Expr:
    """An expression, for ``family.aggs``, of ``value`` on ``side`` (and where ``condition`` holds).

    Registers a masked helper column in ``family.prep``, except for ``Total``
    without a condition, where ``value`` is aggregated as it is.
    """
    if side == "Total" and condition is None:
        return value
    name = helper(side, what)
    family.prep[name] = on_side(value, side, condition)
    return pl.col(name)


def side_sources(*columns: str) -> tuple[str, ...]:
    """``trades.``-qualified sources of a per-side column."""
    return tuple(f"trades.{c}" for c in (*columns, AGGRESSOR, TIMESTAMP))


def _doc(
    side: str, measure: str, unit: str, definition: str, sources: tuple[str, ...], dtype: str
) -> ColumnDoc:
    return ColumnDoc(
        f"Trade{side}{measure}",
        unit=unit,
        definition=f"{definition} Over {SIDE_TEXT[side]} in the bucket.",
        pattern=f"Trade{{Side}}{measure}",
        sources=sources,
        dtype=dtype,
        additive=True,
    )


def volume(side: str, cfg: TradeConfig) -> Family:
    """Sum of Size."""
    family = Family()
    family.aggs.append(side_column(family, side, "S", size()).sum().alias(f"Trade{side}Volume"))
    family.docs.append(
        _doc(side, "Volume", "shares", "Sum of Size (0 if none).", side_sources(SIZE), "Float64")
    )
    return family


def count(side: str, cfg: TradeConfig) -> Family:
    """Number of trades."""
    out = f"Trade{side}Count"
    mask = side_mask(side)
    doc = _doc(side, "Count", "count", "Number of trades (0 if none).", side_sources(), "Int64")
    if mask is None:
        return Family(aggs=[pl.len().cast(pl.Int64).alias(out)], docs=[doc])
    name = helper(side, "m")
    return Family(prep={name: mask}, aggs=[pl.col(name).sum().cast(pl.Int64).alias(out)], docs=[doc])


def notional(side: str, cfg: TradeConfig) -> Family:
    """Sum of Size × price, in the price column's currency."""
    family = Family()
    notional_sum = side_column(family, side, "N", size() * price(cfg.price_column)).sum()
    currency = (
        "the instrument's currency (InstrumentCurrencyCode; e.g. GBp)"
        if cfg.price_column == "InstrumentCurrencyPrice"
        else "each trade's own currency (CurrencyCode; beware venues mixing e.g. GBP and GBp)"
    )
    definition = (
        f"Sum of Size × {cfg.price_column} (0 if none), in {currency}; "
        "with price_column 'Price' this is the sum of TradeNotional."
    )
    family.aggs.append(notional_sum.alias(f"Trade{side}Notional"))
    family.docs.append(
        _doc(
            side,
            "Notional",
            "instrument currency" if cfg.price_column == "InstrumentCurrencyPrice" else "trade currency",
            definition,
            side_sources(SIZE, cfg.price_column),
            "Float64",
        )
    )
    return family


def _converted_notional(currency: str) -> Callable[[str, TradeConfig], Family]:
    column = f"TradeNotional{currency}"

    def build(side: str, cfg: TradeConfig) -> Family:
        family = Family()
        total = side_column(family, side, currency, pl.col(column).cast(pl.Float64)).sum()
        family.aggs.append(total.alias(f"Trade{side}Notional{currency}"))
        family.docs.append(
            _doc(
                side,
                f"Notional{currency}",
                currency,
                f"Sum of BMLL's {column} (0 if none).",
                side_sources(column),
                "Float64",
            )
        )
        return family

    build.__doc__ = f"Sum of {column}."
    return build


QUANTITY_MEASURES: dict[str, Callable[[str, TradeConfig], Family]] = {
    "Volume": volume,
    "Count": count,
    "Notional": notional,
    "NotionalEUR": _converted_notional("EUR"),
    "NotionalUSD": _converted_notional("USD"),
}
"""Measure name → builder of its per-side family."""
