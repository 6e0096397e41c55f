"""The ``trade_characteristics`` module: size, timing, sign persistence and quote location of trades.

Per (ListingId, TimeBucket) with at least one kept trade (trade set, order and
prevailing quote as in :mod:`basalt_characteristics.flow_common`):

* **Size**: mean, median and 90th percentile (linear interpolation between order
  statistics, numpy's default) of ``Size``.
* **Odd-lot share**: trades whose trades-plus ``LotType`` is ``ODD`` over trades with a
  non-null ``LotType``.
* **Inter-trade duration**: ``t_i − t_{i−1}`` in seconds between consecutive kept
  trades of the listing-day (same timestamp: 0), attributed to the bucket of trade
  ``i``; the day's first trade has none. Mean and median.
* **Trade-sign autocorrelation at lag k** (persistence of order flow; Lillo & Farmer
  2004, "The long memory of the efficient market", SNDE 8(3)): sign +1 for
  ``AggressorSide`` 1, −1 for 2; trades with another side are left out of the
  sequence. Over the bucket's ``n`` signed trades in trade order, the sample
  autocorrelation ``ρ_k = Σ_{t>k}(s_t − s̄)(s_{t−k} − s̄) / Σ_t (s_t − s̄)²`` (s̄ the
  bucket's mean sign); null when ``n ≤ k`` or all signs are equal (zero denominator).
* **Quote location**: shares of trades at the touch (price equal to the prevailing
  best bid or best ask), inside (strictly between them) and outside (below the bid or
  above the ask), among trades with a prevailing two-sided quote; prices are compared
  exactly. With a crossed or locked quote a trade at either price is at the touch.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl
from pydantic import Field

from basalt import AnalyticModule, ColumnDoc, TimeBuckets
from basalt_characteristics.flow_common import (
    ASK,
    BID,
    DAY,
    NS,
    PRICE,
    SIZE,
    TRADE_TIME,
    TradeSetConfig,
    kept_trades,
    level1_quotes,
    with_prevailing_quote,
)

TIME_BUCKET = "TimeBucket"
_DURATION, _SIGN = "__duration", "__sign"


class TradeCharacteristicsConfig(TradeSetConfig):
    """Lags of the sign autocorrelation and whether to locate trades against the quote."""

    autocorrelation_lags: int = Field(
        5, ge=0, description="k: emit TradeSignAutocorr1 … TradeSignAutocorr{k} (0: none)."
    )
    quote_location: bool = Field(
        True,
        description="Emit the at-touch / inside / outside shares (needs the l2 input).",
    )


class TradeCharacteristicsModule(AnalyticModule):
    """Trade size, odd lots, durations, sign autocorrelation and location against the quote per bucket.

    See :mod:`basalt_characteristics.trades` for the exact conventions.
    """

    NAME = "trade_characteristics"
    INPUTS = ("trades", "l2")
    Config = TradeCharacteristicsConfig
    config: TradeCharacteristicsConfig

    def input_names(self) -> tuple[str, ...]:
        """``trades``, plus ``l2`` when quote location is on."""
        return ("trades", "l2") if self.config.quote_location else ("trades",)

    def columns(self) -> list[ColumnDoc]:
        """Size, odd-lot, duration, autocorrelation and location columns."""
        cfg = self.config
        size = ("trades.Size",)
        docs = [
            ColumnDoc(
                "TradeSizeMean", "shares", "Mean Size of the bucket's trades.", sources=size, dtype="Float64"
            ),
            ColumnDoc(
                "TradeSizeMedian",
                "shares",
                "Median Size of the bucket's trades.",
                sources=size,
                dtype="Float64",
            ),
            ColumnDoc(
                "TradeSizeP90",
                "shares",
                "90th percentile of the bucket's trade sizes (linear interpolation).",
                sources=size,
                dtype="Float64",
            ),
            ColumnDoc(
                "TradeOddLotShare",
                "ratio",
                "Trades with LotType 'ODD' / trades with a non-null LotType; null if none.",
                sources=("trades.LotType",),
                dtype="Float64",
            ),
        ]
        for stat in ("Mean", "Median"):
            docs.append(
                ColumnDoc(
                    f"TradeDuration{stat}",
                    "seconds",
                    f"{stat} time since the listing-day's previous kept trade, over the bucket's trades "
                    "(the day's first trade has none); null if none.",
                    pattern="TradeDuration{Stat}",
                    sources=("trades.TradeTimestamp",),
                    dtype="Float64",
                )
            )
        for lag in range(1, cfg.autocorrelation_lags + 1):
            docs.append(
                ColumnDoc(
                    f"TradeSignAutocorr{lag}",
                    "ratio",
                    f"Sample autocorrelation at lag {lag} of the bucket's trade signs (+1 AggressorSide 1, "
                    "−1 AggressorSide 2, others left out) in trade order: Σ(s_t−s̄)(s_{t−k}−s̄)/Σ(s_t−s̄)²; "
                    "null with too few signs or all signs equal.",
                    pattern="TradeSignAutocorr{k}",
                    sources=("trades.AggressorSide", "trades.TradeTimestamp"),
                    dtype="Float64",
                )
            )
        if cfg.quote_location:
            quote = (f"trades.{cfg.price_column}", "l2.BidPrice1", "l2.AskPrice1", "l2.EventTimestamp")
            for name, where in (
                ("AtTouch", "at the prevailing best bid or best ask"),
                ("Inside", "strictly inside the prevailing quote"),
                ("Outside", "below the prevailing bid or above the prevailing ask"),
            ):
                docs.append(
                    ColumnDoc(
                        f"Trade{name}Share",
                        "ratio",
                        f"Share of the bucket's trades with a prevailing two-sided quote (last L2 snapshot "
                        f"strictly before the trade) priced {where}; null if no trade has such a quote.",
                        pattern="Trade{Location}Share",
                        sources=quote,
                        dtype="Float64",
                    )
                )
        return docs

    def compute(self, inputs: Mapping[str, pl.LazyFrame], buckets: TimeBuckets) -> pl.LazyFrame:
        """Per-trade duration and sign (and quote), then one group_by per (listing, bucket)."""
        cfg = self.config
        group = ["ListingId", DAY]
        trades = kept_trades(inputs["trades"], cfg, extra=("AggressorSide", "LotType"))
        if cfg.quote_location:
            trades = with_prevailing_quote(trades, level1_quotes(inputs["l2"]))
        side = pl.col("AggressorSide")
        trades = trades.with_columns(
            buckets.label(pl.col(TRADE_TIME)).alias(TIME_BUCKET),
            (pl.col(NS).diff().over(group) / 1e9).alias(_DURATION),
            pl.when(side == 1).then(1.0).when(side == 2).then(-1.0).alias(_SIGN),
        )
        size, duration, lot = pl.col(SIZE), pl.col(_DURATION), pl.col("LotType")
        aggs = [
            size.mean().alias("TradeSizeMean"),
            size.median().alias("TradeSizeMedian"),
            size.quantile(0.9, interpolation="linear").alias("TradeSizeP90"),
            pl.when(lot.count() > 0).then((lot == "ODD").sum() / lot.count()).alias("TradeOddLotShare"),
            duration.mean().alias("TradeDurationMean"),
            duration.median().alias("TradeDurationMedian"),
        ]
        signs = pl.col(_SIGN).drop_nulls()
        deviation = signs - signs.mean()
        denominator = (deviation * deviation).sum()
        for lag in range(1, cfg.autocorrelation_lags + 1):
            numerator = (deviation * deviation.shift(lag)).sum()
            aggs.append(
                pl.when((signs.len() > lag) & (denominator > 0))
                .then(numerator / denominator)
                .alias(f"TradeSignAutocorr{lag}")
            )
        if cfg.quote_location:
            price, bid, ask = pl.col(PRICE), pl.col(BID), pl.col(ASK)
            quoted = bid.is_not_null() & ask.is_not_null()
            touch = quoted & ((price == bid) | (price == ask))
            inside = quoted & ~touch & (price > bid) & (price < ask)
            outside = quoted & ~touch & ~inside
            n = quoted.sum()
            for name, mask in (("AtTouch", touch), ("Inside", inside), ("Outside", outside)):
                aggs.append(pl.when(n > 0).then(mask.sum() / n).alias(f"Trade{name}Share"))
        return (
            trades.group_by("ListingId", TIME_BUCKET)
            .agg(aggs)
            .select("ListingId", TIME_BUCKET, *(doc.name for doc in self.columns()))
            .sort("ListingId", TIME_BUCKET)
        )
