"""``volatility``: realized measures of price variation per bucket, from mid-quotes or trade prices.

Conventions
-----------
The price series (``source``) is either the mid-quote ``(BidPrice1 +
AskPrice1)/2`` at each L2 snapshot (both touch prices present; with
``continuous_only``, snapshots in continuous trading only), in (``EventTimestamp``,
``L2EventNo``) order; or the trade ``Price`` of the kept trades (``Classification``
in ``classifications``), in ``TradeTimestamp`` order, ties in input order.
Prices that are null, NaN, infinite or ≤ 0 are dropped.

A bucket's ``n+1`` prices ``p_0 … p_n`` (those whose timestamp falls in it)
give ``n`` log returns ``r_i = ln p_i − ln p_{i−1}``: returns never span two
buckets, so each bucket's value depends on its own prices only. With
``sample_seconds`` the return-based measures (RV, BV, RK) use previous-tick
sampling instead: the last price of each clock-aligned sub-interval of that
length holding a price (the usual calendar-time sampling, e.g. 5-minute RV,
which sidesteps microstructure noise); the range measures always use every
price.

* Realized variance ``RV = Σ r_i²`` (null with fewer than 2 prices).
* Bipower variation ``BV = (π/2)·Σ_{i≥2} |r_i||r_{i−1}|`` (Barndorff-Nielsen &
  Shephard 2004; null with fewer than 3 prices).
* Realized kernel (Barndorff-Nielsen, Hansen, Lunde & Shephard 2008, flat-top
  form, Parzen kernel)::

      RK = γ_0 + Σ_{h=1}^{H} k((h−1)/H)·(γ_h + γ_{−h}),   γ_h = γ_{−h} = Σ_{i>h} r_i r_{i−h}
      k(x) = 1 − 6x² + 6x³ (0 ≤ x ≤ ½),  2(1 − x)³ (½ < x ≤ 1)

  with the paper's bandwidth rule for kernels with ``k'(0) = 0``,
  ``H = c*·ξ^{4/5}·n^{3/5}``, ``c* = (k''(0)²/k•⁰⁰)^{1/5} = (144/0.269)^{1/5} =
  3.5134`` for Parzen, ``ξ² = ω²/IV``. Estimated in the bucket: the noise
  variance ``ω̂² = RV/(2n)`` and the integrated variance ``IV̂`` = the realized
  variance of every ``kernel_sparse_step``-th price (p_0, p_q, p_2q, …; sparse
  sampling is nearly free of noise). ``H`` is rounded up and clipped to
  ``[1, kernel_max_lag]``; ``IV̂ = 0 < ω̂²`` gives the maximum. Null with fewer
  than ``kernel_sparse_step + 1`` prices (no ``IV̂``); 0 when every return is 0.
* Parkinson (1980) ``(ln(H/L))² / (4 ln 2)`` and Garman–Klass (1980)
  ``½(ln(H/L))² − (2 ln 2 − 1)(ln(C/O))²`` from the bucket's first (O), highest
  (H), lowest (L) and last (C) price; null without a price.

All values are variances over the bucket (not annualised), in squared log-return
units. Output: one row per listing and bucket holding at least one price.

References:
    O. E. Barndorff-Nielsen, N. Shephard, "Power and bipower variation with
    stochastic volatility and jumps", J. Financial Econometrics 2(1):1-37, 2004.
    O. E. Barndorff-Nielsen, P. R. Hansen, A. Lunde, N. Shephard, "Designing
    realized kernels to measure the ex post variation of equity prices in the
    presence of noise", Econometrica 76(6):1481-1536, 2008.
    M. Parkinson, "The extreme value method for estimating the variance of the
    rate of return", J. Business 53(1):61-65, 1980.
    M. B. Garman, M. J. Klass, "On the estimation of security price volatilities
    from historical data", J. Business 53(1):67-78, 1980.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Literal

import polars as pl
from pydantic import Field

from basalt import AnalyticModule, ColumnDoc, ModuleConfig, TimeBuckets
from basalt.timebuckets import TIME_BUCKET
from basalt_characteristics._series import (
    DAY,
    LIT_CONTINUOUS,
    T,
    l2_series,
    position_in_run,
    positive_price,
    same_as_previous,
    trade_series,
)

PARZEN_C_STAR = (144.0 / 0.269) ** 0.2
"""c* of the Parzen kernel in BNHLS (2008)'s bandwidth rule: (k''(0)²/∫k²)^(1/5) ≈ 3.5134."""

_P, _LP, _R, _I = "__p", "__lp", "__r", "__i"


class VolatilityConfig(ModuleConfig):
    """Configuration of ``volatility``."""

    source: Literal["mid", "trades"] = Field(
        "mid",
        description="'mid': the mid-quote at every L2 snapshot (columns prefixed Mid); "
        "'trades': trade prices (columns prefixed Trade).",
    )
    continuous_only: bool = Field(
        True,
        description="With source 'mid': only snapshots in continuous trading (MarketState "
        "CONTINUOUS_TRADING).",
    )
    classifications: tuple[str, ...] | None = Field(
        (LIT_CONTINUOUS,),
        description="With source 'trades': keep trades whose Classification is one of these (null: all "
        "trades).",
    )
    kernel_max_lag: int = Field(
        30,
        ge=1,
        le=200,
        description="Largest realized-kernel bandwidth H the rule may choose (lags computed).",
    )
    sample_seconds: float | None = Field(
        None,
        gt=0,
        description="Previous-tick sampling of the return-based measures (RV, BV, RK): the last price of "
        "each sub-interval of this length (must divide the bucket length); null: every price.",
    )
    kernel_sparse_step: int = Field(
        10,
        ge=2,
        description="q: the bandwidth rule's integrated variance is the realized variance of every q-th "
        "price.",
    )


def parzen(x: pl.Expr) -> pl.Expr:
    """The Parzen kernel k(x) for x ≥ 0."""
    return (
        pl.when(x <= 0.5)
        .then(1.0 - 6.0 * x**2 + 6.0 * x**3)
        .when(x <= 1.0)
        .then(2.0 * (1.0 - x) ** 3)
        .otherwise(0.0)
    )


class Volatility(AnalyticModule):
    """Realized variance, bipower variation, realized kernel (Parzen), Parkinson and Garman-Klass per bucket.

    See :mod:`basalt_characteristics.volatility` for the exact conventions.
    """

    NAME = "volatility"
    INPUTS = ("l2", "trades")
    Config = VolatilityConfig
    config: VolatilityConfig

    def input_names(self) -> tuple[str, ...]:
        return ("l2",) if self.config.source == "mid" else ("trades",)

    @property
    def prefix(self) -> str:
        """Column prefix: ``Mid`` or ``Trade``."""
        return "Mid" if self.config.source == "mid" else "Trade"

    def columns(self) -> list[ColumnDoc]:
        cfg = self.config
        if cfg.source == "mid":
            series = "mid-quotes (BidPrice1+AskPrice1)/2 of the bucket's L2 snapshots with both touches"
            series += " in continuous trading" if cfg.continuous_only else ""
            sources: tuple[str, ...] = ("l2.BidPrice1", "l2.AskPrice1", "l2.EventTimestamp", "l2.L2EventNo")
        else:
            kept = (
                "all trades"
                if cfg.classifications is None
                else f"trades with Classification in {list(cfg.classifications)}"
            )
            series = f"prices of the bucket's {kept}"
            sources = ("trades.Price", "trades.TradeTimestamp", "trades.Classification")
        if cfg.sample_seconds is None:
            returns = f"r_i: log returns between consecutive {series} (never spanning two buckets)"
        else:
            returns = (
                f"r_i: log returns between the last prices of consecutive {cfg.sample_seconds} s "
                "sub-intervals "
                f"with a price (previous-tick sampling) of the {series}; counts below are of sampled prices"
            )
        p = self.prefix

        def doc(name: str, definition: str, unit: str = "log-return²", dtype: str = "Float64") -> ColumnDoc:
            return ColumnDoc(
                p + name,
                unit=unit,
                definition=definition,
                pattern="{Source}" + name,
                sources=sources,
                dtype=dtype,
            )

        return [
            doc("RealizedVariance", f"Realized variance Σ r_i²; {returns}; null with fewer than 2 prices."),
            doc(
                "BipowerVariation",
                f"Bipower variation (π/2)·Σ|r_i||r_i-1| (Barndorff-Nielsen & Shephard 2004); {returns}; "
                "null with fewer than 3 prices.",
            ),
            doc(
                "RealizedKernel",
                "Realized kernel (Barndorff-Nielsen, Hansen, Lunde & Shephard 2008), Parzen weights: "
                "γ0 + 2·Σ_{h=1..H} k((h-1)/H)·γh, γh = Σ r_i r_i-h; H by the paper's rule "
                f"c*·ξ^(4/5)·n^(3/5) (c* = 3.5134, ξ² = ω²/IV, ω² ≈ RV/(2n), IV ≈ RV of every "
                f"{cfg.kernel_sparse_step}th price), clipped to [1, {cfg.kernel_max_lag}]; {returns}; "
                f"null with fewer than {cfg.kernel_sparse_step + 1} prices.",
            ),
            doc(
                "RealizedKernelBandwidth",
                "Bandwidth H the realized kernel used (see RealizedKernel); null when it is null.",
                unit="count",
                dtype="Int64",
            ),
            doc(
                "ParkinsonVariance",
                f"Parkinson (1980) range variance (ln(High/Low))²/(4 ln 2) of the {series}; null without "
                "prices.",
            ),
            doc(
                "GarmanKlassVariance",
                "Garman-Klass (1980) variance ½(ln(High/Low))² − (2 ln 2 − 1)(ln(Close/Open))² of the "
                f"{series} "
                "(Open first, Close last); null without prices.",
            ),
        ]

    def _prices(self, inputs: Mapping[str, pl.LazyFrame], buckets: TimeBuckets) -> pl.LazyFrame:
        cfg = self.config
        if cfg.source == "mid":
            bid, ask = positive_price("BidPrice1"), positive_price("AskPrice1")
            frame = l2_series(
                inputs["l2"], buckets, [((bid + ask) / 2.0).alias(_P)], continuous_flag=cfg.continuous_only
            )
            if cfg.continuous_only:
                frame = frame.filter(pl.col("__cont"))
        else:
            frame = trade_series(
                inputs["trades"], buckets, [positive_price("Price").alias(_P)], cfg.classifications
            )
        return frame.filter(pl.col(_P).is_not_null()).select("ListingId", DAY, TIME_BUCKET, T, _P)

    def _returns(self, prices: pl.LazyFrame) -> pl.LazyFrame:
        """Per-row returns, their products and the sparse returns the kernel's bandwidth rule needs."""
        lags, q = self.config.kernel_max_lag, self.config.kernel_sparse_step
        prices = prices.with_columns(pl.col(_P).log().alias(_LP))
        prices = prices.with_columns(
            position_in_run(~same_as_previous("ListingId", DAY, TIME_BUCKET)).alias(_I)
        )
        i, r = pl.col(_I), pl.col(_R)
        rows = prices.with_columns(pl.when(i >= 1).then(pl.col(_LP) - pl.col(_LP).shift(1)).alias(_R))
        return rows.with_columns(
            pl.when(i >= 2).then((r * r.shift(1)).abs()).alias("__bp"),
            pl.when((i >= q) & (i % q == 0)).then(pl.col(_LP) - pl.col(_LP).shift(q)).alias("__rs"),
            *[pl.when(i >= h + 1).then(r * r.shift(h)).alias(f"__g{h}") for h in range(1, lags + 1)],
        )

    def _return_aggs(self) -> list[pl.Expr]:
        r = pl.col(_R)
        return [
            pl.len().alias("__n1"),
            (r**2).sum().alias("__rv"),
            pl.col("__bp").sum().alias("__bv"),
            (pl.col("__rs") ** 2).sum().alias("__iv"),
            *[pl.col(f"__g{h}").sum() for h in range(1, self.config.kernel_max_lag + 1)],
        ]

    @staticmethod
    def _range_aggs() -> list[pl.Expr]:
        return [
            pl.col(_P).min_by(_I).alias("__o"),
            pl.col(_P).max().alias("__h"),
            pl.col(_P).min().alias("__l"),
            pl.col(_P).max_by(_I).alias("__c"),
        ]

    def compute(self, inputs: Mapping[str, pl.LazyFrame], buckets: TimeBuckets) -> pl.LazyFrame:
        cfg = self.config
        lags = cfg.kernel_max_lag
        q = cfg.kernel_sparse_step
        keys = ["ListingId", TIME_BUCKET]
        prices = self._prices(inputs, buckets)
        if cfg.sample_seconds is None:
            agg = self._returns(prices).group_by(*keys).agg(*self._return_aggs(), *self._range_aggs())
        else:
            sub = TimeBuckets(seconds=cfg.sample_seconds, anchor="end", closed=buckets.closed)
            if buckets.nanoseconds % sub.nanoseconds:
                raise ValueError(
                    f"volatility: sample_seconds ({cfg.sample_seconds} s) must divide the bucket length "
                    f"({buckets.seconds} s)"
                )
            ordered = prices.with_columns(pl.int_range(pl.len(), dtype=pl.Int64).alias(_I))
            ranges = ordered.group_by(*keys).agg(self._range_aggs())
            # Previous-tick sampling: the last price of each sub-interval with a price.
            sampled = (
                ordered.with_columns(sub.label(pl.col(T).cast(pl.Datetime("ns"))).alias("__sub"))
                .group_by("ListingId", DAY, TIME_BUCKET, "__sub")
                .agg(pl.col(_P).max_by(_I))
                .sort("ListingId", DAY, "__sub")
            )
            returns = self._returns(sampled).group_by(*keys).agg(self._return_aggs())
            agg = ranges.join(returns, on=keys, how="left")
        n = (pl.col("__n1") - 1).cast(pl.Float64)
        rv, iv = pl.col("__rv"), pl.col("__iv")
        omega2 = rv / (2.0 * n)
        raw_h = (PARZEN_C_STAR * (omega2 / iv) ** 0.4 * n**0.6).ceil()
        bandwidth = (
            pl.when(pl.col("__n1") < q + 1)
            .then(None)
            .when(rv == 0)
            .then(1.0)
            .when(iv == 0)
            .then(float(lags))
            .otherwise(raw_h.clip(1.0, float(lags)))
        )
        agg = agg.with_columns(bandwidth.alias("__H"))
        hh = pl.col("__H")
        kernel = rv + 2.0 * pl.sum_horizontal(
            [parzen((h - 1) / hh) * pl.col(f"__g{h}") for h in range(1, lags + 1)]
        )
        hl = (pl.col("__h") / pl.col("__l")).log()
        co = (pl.col("__c") / pl.col("__o")).log()
        p = self.prefix
        return agg.select(
            "ListingId",
            TIME_BUCKET,
            pl.when(pl.col("__n1") >= 2).then(rv).alias(p + "RealizedVariance"),
            pl.when(pl.col("__n1") >= 3).then(pl.col("__bv") * (math.pi / 2.0)).alias(p + "BipowerVariation"),
            pl.when(hh.is_not_null()).then(kernel).alias(p + "RealizedKernel"),
            hh.cast(pl.Int64).alias(p + "RealizedKernelBandwidth"),
            (hl**2 / (4.0 * math.log(2.0))).alias(p + "ParkinsonVariance"),
            (0.5 * hl**2 - (2.0 * math.log(2.0) - 1.0) * co**2).alias(p + "GarmanKlassVariance"),
        ).sort("ListingId", TIME_BUCKET)


__all__ = ["PARZEN_C_STAR", "Volatility", "VolatilityConfig", "parzen"]
