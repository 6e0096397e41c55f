"""``liquidity``: low-frequency liquidity estimators computed from the trades of each bucket.

Trades: those whose ``Classification`` is in ``classifications`` (default lit
continuous), with a finite ``Price`` > 0, in ``TradeTimestamp`` order (ties in
input order). ``Size`` null counts as 0 shares. The trade sign is +1 for
``AggressorSide`` 1 (buyer-initiated), −1 for 2 (seller-initiated), 0 otherwise.
Output: one row per listing and bucket holding at least one such trade.

* **Roll (1984)** ``2·sqrt(−cov(Δp_t, Δp_{t−1}))``: ``Δp_t`` the changes between
  consecutive trade prices of the bucket, the covariance the population one
  (divide by the number of pairs) over the bucket's pairs of consecutive
  changes; null with fewer than 4 prices or when the covariance is ≥ 0 (an
  autocorrelation above −1e-12 counts as 0: decimal prices are inexact in binary).
* **Amihud (2002)** ``mean(|r_s| / DollarVolume_s)`` over the bucket's
  sub-periods ``s`` (``amihud_interval_seconds``, aligned on the clock like
  buckets) with dollar volume ``Σ Price·Size`` > 0 and a return: ``r_s = ln(C_s /
  C_s')``, ``C`` the last price of a sub-period and ``s'`` the listing-day's
  previous sub-period with a trade (close to close, as Amihud's daily returns;
  the day's first sub-period has none). Unit: 1/currency.
* **Corwin & Schultz (2012)** spread from the high ``H`` and low ``L`` trade
  prices of the bucket and of the previous bucket (label one bucket length
  earlier, same listing-day; null if it has no trade):
  ``β = ln(H₁/L₁)² + ln(H₂/L₂)²``, ``γ = ln(max(H₁,H₂)/min(L₁,L₂))²``,
  ``α = (√(2β) − √β)/(3 − 2√2) − √(γ/(3 − 2√2))``, ``S = 2(e^α − 1)/(1 + e^α)``;
  negative estimates are set to 0, the paper's main rule. The paper's overnight
  adjustment is not needed: both buckets are in one trading day.
* **Kyle's λ (1985)**: the OLS slope with intercept ``cov(x, y)/var(x)`` of the
  price change ``y`` on the signed volume ``x`` — per trade (``y_i = p_i −
  p_{i−1}``, ``x_i = sign_i·Size_i`` for the bucket's trades after its first),
  or with ``impact_interval_seconds`` per sub-interval (``y_k = C_k − C_{k−1}``
  between consecutive sub-intervals of the bucket with trades, ``x_k`` the
  sub-interval's ``Σ sign·Size``). Null with fewer than 2 points or zero
  variance of ``x``.
* **Hasbrouck's λ (2009)**: the same regression with ``y`` the log return
  ``ln p_i − ln p_{i−1}`` (``ln C_k − ln C_{k−1}``) on the signed square-root
  dollar volume ``sign·√(Price·Size)`` (summed over the sub-interval).

References:
    R. Roll, "A simple implicit measure of the effective bid-ask spread in an
    efficient market", J. Finance 39(4):1127-1139, 1984.
    Y. Amihud, "Illiquidity and stock returns: cross-section and time-series
    effects", J. Financial Markets 5(1):31-56, 2002.
    S. A. Corwin, P. Schultz, "A simple way to estimate bid-ask spreads from daily
    high and low prices", J. Finance 67(2):719-760, 2012.
    A. S. Kyle, "Continuous auctions and insider trading", Econometrica
    53(6):1315-1335, 1985.
    J. Hasbrouck, "Trading costs and returns for U.S. equities: estimating
    effective costs from daily data", J. Finance 64(3):1445-1477, 2009.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import polars as pl
from pydantic import Field

from basalt import AnalyticModule, ColumnDoc, ModuleConfig, TimeBuckets
from basalt.timebuckets import TIME_BUCKET
from basalt_characteristics._series import (
    DAY,
    LIT_CONTINUOUS,
    T,
    position_in_run,
    positive_price,
    same_as_previous,
    trade_series,
)

_P, _V, _S, _I = "__p", "__v", "__s", "__i"
_TWO_ROOT = 3.0 - 2.0 * math.sqrt(2.0)
ROLL_ZERO = 1e-12
"""Roll is null when the autocorrelation of price changes is ≥ −ROLL_ZERO (rounding of decimals)."""


class LiquidityConfig(ModuleConfig):
    """Configuration of ``liquidity``."""

    classifications: tuple[str, ...] | None = Field(
        (LIT_CONTINUOUS,),
        description="Keep trades whose Classification is one of these (null: all trades).",
    )
    amihud_interval_seconds: float = Field(
        60.0, gt=0, description="Length of Amihud's sub-periods in seconds; must divide the bucket length."
    )
    impact_interval_seconds: float | None = Field(
        None,
        gt=0,
        description="Kyle's and Hasbrouck's λ: regress per sub-interval of this length (must divide the "
        "bucket length); null: per trade.",
    )


def _sub_buckets(buckets: TimeBuckets, seconds: float, what: str) -> TimeBuckets:
    sub = TimeBuckets(seconds=seconds, anchor="end", closed=buckets.closed)
    if buckets.nanoseconds % sub.nanoseconds:
        raise ValueError(
            f"liquidity: {what} ({seconds} s) must divide the bucket length ({buckets.seconds} s)"
        )
    return sub


def _slope(x: str, y: str) -> pl.Expr:
    """OLS slope with intercept of ``y`` on ``x`` over rows where both are non-null; null if < 2 or var 0."""
    ok = pl.col(x).is_not_null() & pl.col(y).is_not_null()
    xs, ys = pl.col(x).filter(ok), pl.col(y).filter(ok)
    var = xs.var(ddof=0)
    return pl.when((ok.sum() >= 2) & (var > 0)).then(pl.cov(xs, ys, ddof=0) / var)


class Liquidity(AnalyticModule):
    """Roll, Amihud, Corwin-Schultz spreads and Kyle's and Hasbrouck's λ from each bucket's trades.

    See :mod:`basalt_characteristics.liquidity` for the exact conventions.
    """

    NAME = "liquidity"
    INPUTS = ("trades",)
    Config = LiquidityConfig
    config: LiquidityConfig

    def columns(self) -> list[ColumnDoc]:
        cfg = self.config
        kept = (
            "all trades"
            if cfg.classifications is None
            else f"trades with Classification in {list(cfg.classifications)}"
        )
        src = ("trades.Price", "trades.TradeTimestamp", "trades.Classification")
        per = (
            "per trade after the bucket's first (change from the previous trade)"
            if cfg.impact_interval_seconds is None
            else f"per {cfg.impact_interval_seconds} s sub-interval with trades after the bucket's first "
            "such one "
            "(change of the last price from the previous one's; x summed over the sub-interval)"
        )
        return [
            ColumnDoc(
                "RollSpread",
                unit="price",
                definition="Roll (1984) spread 2·sqrt(−cov(Δp_t, Δp_t-1)), Δp the changes between "
                "consecutive "
                f"prices of the bucket's {kept}, population covariance; null with fewer than 4 prices or "
                "cov ≥ 0 (autocorrelation above -1e-12 counts as 0).",
                sources=src,
                dtype="Float64",
            ),
            ColumnDoc(
                "AmihudIlliquidity",
                unit="1/currency",
                definition="Amihud (2002) mean of |r|/DollarVolume over the bucket's "
                f"{cfg.amihud_interval_seconds} s "
                "sub-periods with DollarVolume = Σ Price·Size > 0 and a return; r = ln of the sub-period's "
                "last price "
                "over the last price of the listing-day's previous sub-period with a trade; null if none.",
                sources=(*src, "trades.Size"),
                dtype="Float64",
            ),
            ColumnDoc(
                "CorwinSchultzSpread",
                unit="ratio",
                definition="Corwin & Schultz (2012) relative spread S = 2(e^α−1)/(1+e^α) from the high/low "
                "trade prices "
                "of this and the previous bucket (same listing-day), α = (√(2β)−√β)/(3−2√2) − √(γ/(3−2√2)); "
                "negative estimates set to 0; null if either bucket has no trade.",
                sources=src,
                dtype="Float64",
            ),
            ColumnDoc(
                "KyleLambda",
                unit="price/share",
                definition="Kyle's λ: OLS slope (with intercept) of the price change on signed volume "
                f"sign·Size, {per}; "
                "sign +1 for AggressorSide 1, −1 for 2, else 0; null with fewer than 2 points or zero "
                "variance.",
                sources=(*src, "trades.Size", "trades.AggressorSide"),
                dtype="Float64",
            ),
            ColumnDoc(
                "HasbrouckLambda",
                unit="log-return/sqrt(currency)",
                definition="Hasbrouck's (2009) λ: OLS slope (with intercept) of the log return on signed "
                "square-root "
                f"dollar volume sign·√(Price·Size), {per}; null with fewer than 2 points or zero variance.",
                sources=(*src, "trades.Size", "trades.AggressorSide"),
                dtype="Float64",
            ),
        ]

    def compute(self, inputs: Mapping[str, pl.LazyFrame], buckets: TimeBuckets) -> pl.LazyFrame:
        cfg = self.config
        amihud_sub = _sub_buckets(buckets, cfg.amihud_interval_seconds, "amihud_interval_seconds")
        side = pl.col("AggressorSide")
        sign = pl.when(side == 1).then(1.0).when(side == 2).then(-1.0).otherwise(0.0)
        trades = trade_series(
            inputs["trades"],
            buckets,
            [
                positive_price("Price").alias(_P),
                pl.col("Size").cast(pl.Float64).fill_null(0.0).alias(_V),
                sign.alias(_S),
            ],
            cfg.classifications,
        ).filter(pl.col(_P).is_not_null())
        group = ("ListingId", DAY, TIME_BUCKET)
        trades = trades.with_columns(
            position_in_run(~same_as_previous(*group)).alias(_I),
            pl.int_range(pl.len(), dtype=pl.Int64).alias("__row"),
        )
        i, p = pl.col(_I), pl.col(_P)
        dp = pl.when(i >= 1).then(p - p.shift(1))
        trades = trades.with_columns(
            dp.alias("__dp"),
            (pl.col(_S) * pl.col(_V)).alias("__sv"),
            (pl.col(_S) * (p * pl.col(_V)).sqrt()).alias("__ssd"),
            (p * pl.col(_V)).alias("__dv"),
        ).with_columns(
            pl.when(i >= 2).then(pl.col("__dp")).alias("__x"),
            pl.when(i >= 2).then(pl.col("__dp").shift(1)).alias("__y"),
            pl.when(i >= 1).then(p.log() - p.log().shift(1)).alias("__lr"),
        )
        x, y = pl.col("__x"), pl.col("__y")
        roll_ok = x.is_not_null() & y.is_not_null()
        xr, yr = x.filter(roll_ok), y.filter(roll_ok)
        cov = pl.cov(xr, yr, ddof=0)
        # Decimal prices are inexact in binary: an autocorrelation within ROLL_ZERO of 0 is 0.
        negative = cov < -ROLL_ZERO * (xr.var(ddof=0) * yr.var(ddof=0)).sqrt()
        aggs = [
            pl.when((pl.len() >= 4) & negative).then(2.0 * (-cov).sqrt()).alias("RollSpread"),
            p.max().alias("__hi"),
            p.min().alias("__lo"),
        ]
        if cfg.impact_interval_seconds is None:
            aggs += [
                _slope("__sv", "__dp").alias("KyleLambda"),
                _slope("__ssd", "__lr").alias("HasbrouckLambda"),
            ]
        per_bucket = trades.group_by(*group).agg(aggs)
        if cfg.impact_interval_seconds is not None:
            per_bucket = per_bucket.join(self._impact(trades, buckets), on=list(group), how="left")
        out = per_bucket.join(self._amihud(trades, amihud_sub), on=list(group), how="left")
        out = self._corwin_schultz(out, buckets)
        return out.select(
            "ListingId",
            TIME_BUCKET,
            "RollSpread",
            "AmihudIlliquidity",
            "CorwinSchultzSpread",
            "KyleLambda",
            "HasbrouckLambda",
        ).sort("ListingId", TIME_BUCKET)

    @staticmethod
    def _per_sub(trades: pl.LazyFrame, sub: TimeBuckets) -> pl.LazyFrame:
        """One row per (listing, day, sub-period with trades): bucket, close, dollar and signed volumes."""
        return (
            trades.with_columns(sub.label(pl.col(T).cast(pl.Datetime("ns"))).alias("__sub"))
            .group_by("ListingId", DAY, "__sub")
            .agg(
                pl.col(TIME_BUCKET).first(),
                pl.col(_P).max_by("__row").alias("__close"),
                pl.col("__dv").sum(),
                pl.col("__sv").sum(),
                pl.col("__ssd").sum(),
            )
            .sort("ListingId", DAY, "__sub")
        )

    def _amihud(self, trades: pl.LazyFrame, sub: TimeBuckets) -> pl.LazyFrame:
        subs = self._per_sub(trades, sub)
        close = pl.col("__close")
        ret = pl.when(same_as_previous("ListingId", DAY)).then((close / close.shift(1)).log())
        ratio = pl.when(pl.col("__dv") > 0).then(ret.abs() / pl.col("__dv"))
        return (
            subs.with_columns(ratio.alias("__am"))
            .group_by("ListingId", DAY, TIME_BUCKET)
            .agg(pl.col("__am").mean().alias("AmihudIlliquidity"))
        )

    def _impact(self, trades: pl.LazyFrame, buckets: TimeBuckets) -> pl.LazyFrame:
        assert self.config.impact_interval_seconds is not None
        sub = _sub_buckets(buckets, self.config.impact_interval_seconds, "impact_interval_seconds")
        subs = self._per_sub(trades, sub)
        close = pl.col("__close")
        inside = same_as_previous("ListingId", DAY, TIME_BUCKET)
        subs = subs.with_columns(
            pl.when(inside).then(close - close.shift(1)).alias("__dp"),
            pl.when(inside).then(close.log() - close.log().shift(1)).alias("__lr"),
        )
        return subs.group_by("ListingId", DAY, TIME_BUCKET).agg(
            _slope("__sv", "__dp").alias("KyleLambda"), _slope("__ssd", "__lr").alias("HasbrouckLambda")
        )

    @staticmethod
    def _corwin_schultz(out: pl.LazyFrame, buckets: TimeBuckets) -> pl.LazyFrame:
        step = pl.duration(nanoseconds=buckets.nanoseconds)
        previous = out.select(
            "ListingId",
            DAY,
            (pl.col(TIME_BUCKET) + step).alias(TIME_BUCKET),
            pl.col("__hi").alias("__hi0"),
            pl.col("__lo").alias("__lo0"),
        )
        joined = out.join(previous, on=["ListingId", DAY, TIME_BUCKET], how="left")
        hi, lo, hi0, lo0 = pl.col("__hi"), pl.col("__lo"), pl.col("__hi0"), pl.col("__lo0")
        beta = (hi / lo).log() ** 2 + (hi0 / lo0).log() ** 2
        gamma = (pl.max_horizontal(hi, hi0) / pl.min_horizontal(lo, lo0)).log() ** 2
        alpha = ((2.0 * beta).sqrt() - beta.sqrt()) / _TWO_ROOT - (gamma / _TWO_ROOT).sqrt()
        spread = 2.0 * (alpha.exp() - 1.0) / (1.0 + alpha.exp())
        return joined.with_columns(
            pl.when(hi0.is_not_null()).then(pl.max_horizontal(spread, 0.0)).alias("CorwinSchultzSpread")
        )


__all__ = ["Liquidity", "LiquidityConfig"]
