"""Transaction-cost analysis: effective spread, realized spread and price impact.

Per trade, with ``q`` = +1 for a buyer-initiated trade (AggressorSide 1) and -1
for a seller-initiated one (AggressorSide 2), ``P`` the trade price, ``M`` the
pre-trade mid (``PreTradeMid{pre_trade_mid_horizon}``) and ``M_h`` the mid ``h``
after the trade (``PostTradeMid{h}``; both ``…AtPrimary`` with ``tca_at_primary``):

* effective spread ``ES = 2·q·(P - M)``
* realized spread ``RS_h = 2·q·(P - M_h)``
* price impact ``PI_h = 2·q·(M_h - M)`` (so ``ES = RS_h + PI_h``)

each also in bps of the mid (``/ M × 10 000``). A bucket's value is the mean
over its eligible trades, weighted by Size (``tca_weighting='volume'``) or not
(``'equal'``). Eligible: known aggressor (unknown-aggressor trades are left out:
their sign is unknown), non-null price, ``M > 0``, a non-null weight, and for
the horizon measures ``M_h > 0``. Null when no eligible trade (or their sizes
sum to 0).
"""

from __future__ import annotations

import polars as pl

from basalt.analytics.trade.config import TradeConfig
from basalt.analytics.trade.family import AGGRESSOR, SIZE, Family, price, ratio, size
from basalt.modules.columns import ColumnDoc

_SIGN = "q = +1 buyer-initiated (AggressorSide 1), -1 seller-initiated (AggressorSide 2)"


def tca(cfg: TradeConfig) -> Family:
    """Effective spread, then realized spread and price impact per horizon, in price and bps."""
    family = Family()
    p = price(cfg.price_column)
    suffix = "AtPrimary" if cfg.tca_at_primary else ""
    mid_column = f"PreTradeMid{cfg.pre_trade_mid_horizon}{suffix}"
    mid = pl.col(mid_column).cast(pl.Float64)
    aggressor = pl.col(AGGRESSOR)
    q = pl.when(aggressor == 1).then(pl.lit(1.0)).when(aggressor == 2).then(pl.lit(-1.0))
    weight = size() if cfg.tca_weighting == "volume" else pl.lit(1.0)
    eligible = q.is_not_null() & p.is_not_null() & (mid > 0) & weight.is_not_null()
    mean = "Size-weighted mean" if cfg.tca_weighting == "volume" else "Simple mean"
    columns = (cfg.price_column, AGGRESSOR, mid_column, *((SIZE,) if cfg.tca_weighting == "volume" else ()))

    def add(key: str, valid: pl.Expr, value: pl.Expr, name: str, horizon: str, formula: str) -> None:
        weights = f"_TCA_{key}_w"
        extra = (f"PostTradeMid{horizon}{suffix}",) if horizon else ()
        family.prep[weights] = pl.when(valid).then(weight)
        family.aggs.append(pl.col(weights).sum())
        for unit, per_trade, out in (("price", value, name), ("bps", value / mid * 10_000.0, f"{name}Bps")):
            products = f"_TCA_{key}_{unit}"
            family.prep[products] = pl.when(valid).then(weight * per_trade)
            family.aggs.append(pl.col(products).sum())
            family.post.append(ratio(products, weights).alias(out))
            scale = "" if unit == "price" else " / M × 1e4 (bps of the mid)"
            family.docs.append(
                ColumnDoc(
                    out,
                    unit=unit,
                    definition=(
                        f"{mean} over the bucket's trades with a known aggressor of {formula}{scale}; "
                        f"{_SIGN}, P = {cfg.price_column}, M = {mid_column}. Unknown-aggressor trades and "
                        "trades with a null price, or a null or non-positive M (or M_h), are left out; "
                        "null if none is left or their weights sum to 0."
                    ),
                    pattern=out.replace(horizon, "{h}") if horizon else out,
                    sources=tuple(f"trades.{c}" for c in (*columns, *extra)),
                    dtype="Float64",
                )
            )

    add("ES", eligible, 2.0 * q * (p - mid), "TradeEffectiveSpread", "", "2·q·(P - M)")
    for horizon in cfg.tca_horizons:
        after_column = f"PostTradeMid{horizon}{suffix}"
        after = pl.col(after_column).cast(pl.Float64)
        valid = eligible & (after > 0)
        what = f"M_h = {after_column}, the mid {horizon} after the trade"
        add(
            f"RS_{horizon}",
            valid,
            2.0 * q * (p - after),
            f"TradeRealizedSpread{horizon}",
            horizon,
            f"2·q·(P - M_h) with {what}",
        )
        add(
            f"PI_{horizon}",
            valid,
            2.0 * q * (after - mid),
            f"TradePriceImpact{horizon}",
            horizon,
            f"2·q·(M_h - M) with {what}",
        )
    return family
