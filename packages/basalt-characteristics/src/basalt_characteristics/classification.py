"""The ``classification`` module: trade-sign classifiers, and how often they agree with BMLL's truth.

BMLL's trades-plus carries the exchange's ``AggressorSide`` (1 buyer-initiated, 2
seller-initiated, anything else unknown). Classifiers that infer it from prices alone
are what the literature has to use; this module runs three of them on the same trades
and scores each against ``AggressorSide``:

* **Tick rule**: a trade above the last *different* earlier trade price of its
  listing-day is a buy (+1), below it a sell (−1); with no different earlier price
  (the day's first trades) it is undecided (0).
* **Lee & Ready (1991)**, "Inferring trade direction from intraday data", J. Finance
  46(2): quote test against the prevailing mid (level-1 mid of the last L2 snapshot
  strictly before the trade, same listing-day; see :mod:`basalt_characteristics.flow_common`):
  above the mid a buy, below a sell, exactly at the mid the tick rule (which may be
  undecided, 0). Without a prevailing two-sided quote (no snapshot yet, or a side
  empty) the trade gets the tick rule (``lee_ready_without_quote='tick'``, default)
  or stays undecided (``'undecided'``).
* **Bulk volume classification** (Easley, López de Prado & O'Hara 2012, "Flow toxicity
  and liquidity in a high-frequency world", RFS 25(5)), with the time bucket as the
  bar: the bucket's buy volume is ``V·Φ(ΔP/σ)``, ``ΔP`` = the bucket's last trade
  price − the last trade price of the listing-day's previous bucket with trades,
  ``σ`` = population standard deviation (ddof 0) of the listing-day's bucket ``ΔP``
  (or the configured ``bvc_sigma``). ``ΔP = 0`` gives Φ(0) = ½ even when σ = 0; a
  non-zero ``ΔP`` with σ = 0 gives Φ(±∞) = 1 or 0. The listing-day's first bucket
  has no ``ΔP``: its BVC columns are null.

Accuracy (share of volume classified correctly, unknown sides excluded): over the
bucket's trades with ``AggressorSide`` 1 or 2, the volume whose classified sign
equals the true sign, divided by their volume; undecided trades (0) count as wrong.
For BVC, whose classification is fractional, the correctly classified volume is
``min(f·Vk, VBtrue) + min((1−f)·Vk, VStrue)`` with ``f = Φ(ΔP/σ)`` and ``Vk`` the
labelled volume (the volume-weighted accuracy of Chakrabarty, Pascual & Shkilko 2015,
"Evaluating trade classification algorithms: Bulk volume classification versus the tick
rule and the Lee-Ready algorithm", J. Financial Markets 25). Null when the bucket has no
labelled volume.

Rows are sparse: one per (ListingId, TimeBucket) with at least one kept trade,
sorted by ListingId, TimeBucket.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import polars as pl
from pydantic import Field

from basalt import AnalyticModule, ColumnDoc, TimeBuckets
from basalt_characteristics.flow_common import (
    ASK,
    BID,
    DAY,
    PRICE,
    SIZE,
    TRADE_TIME,
    TradeSetConfig,
    kept_trades,
    level1_quotes,
    normal_cdf,
    with_prevailing_quote,
)

TIME_BUCKET = "TimeBucket"
Classifier = Literal["TickRule", "LeeReady", "BVC"]
_TRUTH, _TICK, _LR = "__truth", "__tick", "__lr"
_V, _VK, _VB, _VS, _LAST = "__v", "__vk", "__vb_true", "__vs_true", "__last"
_F = "__bvc_f"

_NAMES: dict[str, str] = {
    "TickRule": "the tick rule",
    "LeeReady": "Lee & Ready (1991)",
    "BVC": "bulk volume classification (Easley, López de Prado & O'Hara 2012)",
}


class ClassificationConfig(TradeSetConfig):
    """Which classifiers run, and their options."""

    classifiers: tuple[Classifier, ...] = Field(
        ("TickRule", "LeeReady", "BVC"),
        description="Classifiers to run: TickRule, LeeReady (needs the l2 input), BVC.",
    )
    lee_ready_without_quote: Literal["tick", "undecided"] = Field(
        "tick",
        description="Lee-Ready for a trade with no prevailing two-sided quote: 'tick' applies the tick "
        "rule, 'undecided' leaves it unclassified (0).",
    )
    bvc_sigma: float | None = Field(
        None,
        gt=0,
        description="σ of the BVC price changes; None (default) uses the population std of the "
        "listing-day's bucket price changes.",
    )


def tick_sign(price: pl.Expr, group: list[str]) -> pl.Expr:
    """Tick-rule sign (+1, −1, 0 undecided) of trades in trade order within ``group``."""
    change = price.diff().over(group)
    step = pl.when(change > 0).then(pl.lit(1, pl.Int8)).when(change < 0).then(pl.lit(-1, pl.Int8))
    return step.forward_fill().over(group).fill_null(0)


class ClassificationModule(AnalyticModule):
    """Tick rule, Lee-Ready and BVC buy/sell volumes and their accuracy against AggressorSide.

    See :mod:`basalt_characteristics.classification` for the exact conventions.
    """

    NAME = "classification"
    INPUTS = ("trades", "l2")
    Config = ClassificationConfig
    config: ClassificationConfig

    def input_names(self) -> tuple[str, ...]:
        """``trades``, plus ``l2`` when Lee-Ready runs."""
        return ("trades", "l2") if "LeeReady" in self.config.classifiers else ("trades",)

    def columns(self) -> list[ColumnDoc]:
        """Per classifier: buy volume, sell volume, accuracy."""
        docs: list[ColumnDoc] = []
        for name in self.config.classifiers:
            sources: tuple[str, ...] = (
                f"trades.{self.config.price_column}",
                "trades.Size",
                "trades.TradeTimestamp",
            )
            if name == "LeeReady":
                sources += ("l2.BidPrice1", "l2.AskPrice1", "l2.EventTimestamp")
            first = " Null in the listing-day's first bucket (no ΔP)." if name == "BVC" else ""
            for side, word in (("Buy", "buys (+1)"), ("Sell", "sells (−1)")):
                if name == "BVC":
                    share = "Φ(ΔP/σ)" if side == "Buy" else "1 − Φ(ΔP/σ)"
                    what = f"Bucket volume × {share}"
                else:
                    what = f"Volume of the bucket's trades {_NAMES[name]} classifies as {word}"
                docs.append(
                    ColumnDoc(
                        f"{name}{side}Volume",
                        unit="shares",
                        definition=f"{what} ({_NAMES[name]}).{first}",
                        pattern="{Classifier}{Side}Volume",
                        sources=sources,
                        dtype="Float64",
                    )
                )
            docs.append(
                ColumnDoc(
                    f"{name}Accuracy",
                    unit="ratio",
                    definition=f"Share of the bucket's labelled volume (AggressorSide 1 or 2) that "
                    f"{_NAMES[name]} classifies on the true side; undecided trades count as wrong"
                    + (
                        ", BVC's fractional split scored as min(f·Vk, VBtrue) + min((1−f)·Vk, VStrue)"
                        if name == "BVC"
                        else ""
                    )
                    + f". Null without labelled volume.{first}",
                    pattern="{Classifier}Accuracy",
                    sources=(*sources, "trades.AggressorSide"),
                    dtype="Float64",
                )
            )
        return docs

    def compute(self, inputs: Mapping[str, pl.LazyFrame], buckets: TimeBuckets) -> pl.LazyFrame:
        """Sign each trade (tick, Lee-Ready), aggregate per bucket, then BVC over the day's buckets."""
        cfg = self.config
        chosen = set(cfg.classifiers)
        group = ["ListingId", DAY]
        trades = kept_trades(inputs["trades"], cfg, extra=("AggressorSide",))
        if "LeeReady" in chosen:
            trades = with_prevailing_quote(trades, level1_quotes(inputs["l2"]))
        side = pl.col("AggressorSide")
        signs = [
            pl.when(side == 1)
            .then(pl.lit(1, pl.Int8))
            .when(side == 2)
            .then(pl.lit(-1, pl.Int8))
            .alias(_TRUTH),
            tick_sign(pl.col(PRICE), group).alias(_TICK),
        ]
        trades = trades.with_columns(*signs, buckets.label(pl.col(TRADE_TIME)).alias(TIME_BUCKET))
        if "LeeReady" in chosen:
            mid = (pl.col(BID) + pl.col(ASK)) / 2
            fallback = pl.col(_TICK) if cfg.lee_ready_without_quote == "tick" else pl.lit(0, pl.Int8)
            price = pl.col(PRICE)
            lee_ready = (
                pl.when(mid.is_null())
                .then(fallback)
                .when(price > mid)
                .then(pl.lit(1, pl.Int8))
                .when(price < mid)
                .then(pl.lit(-1, pl.Int8))
                .otherwise(pl.col(_TICK))
            )
            trades = trades.with_columns(lee_ready.alias(_LR))
        size, truth = pl.col(SIZE), pl.col(_TRUTH)
        aggs = [
            size.sum().alias(_V),
            size.filter(truth.is_not_null()).sum().alias(_VK),
            size.filter(truth == 1).sum().alias(_VB),
            size.filter(truth == -1).sum().alias(_VS),
            pl.col(PRICE).last().alias(_LAST),
        ]
        for name, column in (("TickRule", _TICK), ("LeeReady", _LR)):
            if name in chosen:
                sign = pl.col(column)
                aggs += [
                    size.filter(sign == 1).sum().alias(f"{name}BuyVolume"),
                    size.filter(sign == -1).sum().alias(f"{name}SellVolume"),
                    size.filter(sign == truth).sum().alias(f"__{name}_correct"),
                ]
        per_bucket = trades.group_by(*group, TIME_BUCKET, maintain_order=True).agg(aggs)
        labelled = pl.col(_VK)
        post = []
        for name in ("TickRule", "LeeReady"):
            if name in chosen:
                post.append(
                    pl.when(labelled > 0)
                    .then(pl.col(f"__{name}_correct") / labelled)
                    .alias(f"{name}Accuracy")
                )
        if "BVC" in chosen:
            per_bucket = per_bucket.sort(*group, TIME_BUCKET).with_columns(self._bvc_share(group).alias(_F))
            f, volume = pl.col(_F), pl.col(_V)
            correct = pl.min_horizontal(f * labelled, pl.col(_VB)) + pl.min_horizontal(
                (1 - f) * labelled, pl.col(_VS)
            )
            post += [
                (f * volume).alias("BVCBuyVolume"),
                ((1 - f) * volume).alias("BVCSellVolume"),
                pl.when((labelled > 0) & f.is_not_null()).then(correct / labelled).alias("BVCAccuracy"),
            ]
        return (
            per_bucket.with_columns(post)
            .select("ListingId", TIME_BUCKET, *(doc.name for doc in self.columns()))
            .sort("ListingId", TIME_BUCKET)
        )

    def _bvc_share(self, group: list[str]) -> pl.Expr:
        """Φ(ΔP/σ) per bucket (buckets sorted in time within each listing-day)."""
        change = pl.col(_LAST).diff().over(group)
        sigma = (
            pl.lit(self.config.bvc_sigma)
            if self.config.bvc_sigma is not None
            else change.std(ddof=0).over(group)
        )
        z = pl.when(change == 0).then(0.0).otherwise(change / sigma)
        return normal_cdf(z)
