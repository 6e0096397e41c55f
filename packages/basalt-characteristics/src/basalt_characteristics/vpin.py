"""The ``vpin`` module: volume-synchronised probability of informed trading, per listing-day.

Easley, López de Prado & O'Hara (2012), "Flow toxicity and liquidity in a high-frequency
world", Review of Financial Studies 25(5), 1457-1493. Convention (pinned by issue 14):

1. The listing-day's kept trades (lit continuous by default; see
   :mod:`basalt_characteristics.flow_common`) in trade order are packed into
   equal-volume buckets of ``V`` shares: ``volume_per_bucket``, or the day's volume of
   kept trades divided by ``buckets_per_day`` (a fraction ``1/buckets_per_day`` of the
   day, e.g. 1/50). A trade straddling a boundary is split between the buckets. The
   day's last, incomplete bucket is not used.
2. Each completed bucket's ``ΔP`` = its last price (the price of the trade that fills
   it) − the previous completed bucket's last price. The day's first bucket has no
   ``ΔP`` and is not classified.
3. Bulk volume classification: ``V_B = V·Φ(ΔP/σ)``, ``V_S = V − V_B``, σ = population
   standard deviation (ddof 0) of the listing-day's bucket ``ΔP`` (or ``sigma``).
   ``ΔP = 0`` gives Φ(0) = ½ even when σ = 0; a non-zero ``ΔP`` with σ = 0 gives Φ(±∞).
4. ``VPIN_k = Σ_{last n buckets} |V_B − V_S| / (n·V)`` = mean of ``|2Φ(ΔP/σ) − 1|`` over
   the last ``n = window_buckets`` classified buckets, defined once ``n`` classified
   buckets exist in the day (so from the day's ``n+1``-th completed bucket on).

By default nothing carries over between days (the window restarts each listing-day).
With the paper's n = 50 and 50 buckets a day VPIN would never be defined within one day:
the default window is 10 buckets.

**carry_over: true** (needs a fixed ``volume_per_bucket``) continues across days through
the engine's module state (:class:`basalt.StatefulAnalyticModule`): the unfinished
bucket's volume, the last completed bucket's price and the last ``n`` classified
imbalances carry to the listing's next day. The day's first completed bucket then has a
``ΔP`` (against the previous day's last completed bucket) and is classified; σ is still
the day's (over the day's bucket ``ΔP``, that first one included); ``VPIN_k`` averages
the last ``n`` classified buckets whichever day they completed on, so VPIN is defined
from the day's first buckets; before the day's first completed bucket a time bucket
reports the previous day's last VPIN. ``VPINBucketCount`` still counts the day's own
completions. One trading day per call (as the engine runs day passes).

Implementation: cumulative-volume arithmetic, no sequential loop. With ``C_i`` the
day's cumulative volume after trade ``i``, the buckets completed by trade ``i`` are
``j = ⌊C_{i−1}/V⌋+1 … ⌊C_i/V⌋`` (with ``buckets_per_day = N``: ``⌊C·N/D⌋``, exact for
whole-share sizes, so the day's last trade closes bucket ``N`` exactly); they are
exploded into one row per completed bucket, carrying trade ``i``'s price and time.
Splitting a straddling trade needs nothing more: every completed bucket holds exactly
``V`` shares, and only its last price enters the estimator.

Output, one row per (ListingId, TimeBucket) with at least one kept trade: the latest
VPIN at the time bucket's end (of the last volume bucket completed by a trade in this
or an earlier time bucket of the day; null before defined) and the number of volume
buckets completed so far that day.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Self

import polars as pl
from pydantic import Field, model_validator

from basalt import ColumnDoc, StatefulAnalyticModule, TimeBuckets
from basalt_characteristics.flow_common import (
    DAY,
    PRICE,
    ROW,
    SIZE,
    TRADE_TIME,
    TradeSetConfig,
    kept_trades,
    normal_cdf,
)

TIME_BUCKET = "TimeBucket"
_J, _VOLUME, _IMBALANCE, _VPIN, _COUNT = "__j", "__bucket_volume", "__imbalance", "__vpin", "__count"


class VPINConfig(TradeSetConfig):
    """Volume-bucket size, window and σ of VPIN."""

    buckets_per_day: int | None = Field(
        50,
        ge=1,
        description="Volume bucket size V = the listing-day's volume of kept trades / this number "
        "(a fraction 1/buckets_per_day of the day). Set to null when volume_per_bucket is given.",
    )
    volume_per_bucket: float | None = Field(
        None,
        gt=0,
        description="Volume bucket size V in shares (then buckets_per_day must be null).",
    )
    window_buckets: int = Field(
        10,
        ge=1,
        description="n: VPIN averages |V_B − V_S|/V over the last n classified volume buckets of the day.",
    )
    sigma: float | None = Field(
        None,
        gt=0,
        description="σ of the bucket price changes; None (default) uses the population std of the "
        "listing-day's bucket ΔP.",
    )
    carry_over: bool = Field(
        False,
        description="Carry the unfinished volume bucket, the last bucket price and the window of "
        "classified buckets to the listing's next day (needs volume_per_bucket); false: each day starts "
        "afresh.",
    )

    @model_validator(mode="after")
    def _one_size(self) -> Self:
        if (self.buckets_per_day is None) == (self.volume_per_bucket is None):
            raise ValueError("set exactly one of buckets_per_day and volume_per_bucket")
        if self.carry_over and self.volume_per_bucket is None:
            raise ValueError(
                "carry_over needs a fixed bucket size: set volume_per_bucket (and buckets_per_day: null)"
            )
        return self


_FILLED, _LAST, _WINDOW, _ORDER = "VPINFilled", "VPINLastPrice", "VPINWindow", "__k"


class VPINModule(StatefulAnalyticModule):
    """VPIN (Easley, López de Prado & O'Hara 2012) per listing-day, sampled at each time bucket's end.

    See :mod:`basalt_characteristics.vpin` for the exact convention.
    """

    NAME = "vpin"
    INPUTS = ("trades",)
    Config = VPINConfig
    config: VPINConfig

    def columns(self) -> list[ColumnDoc]:
        """VPIN, the completed bucket count and the bucket size."""
        cfg = self.config
        sources = (f"trades.{cfg.price_column}", "trades.Size", "trades.TradeTimestamp")
        size = (
            f"{cfg.volume_per_bucket:g} shares"
            if cfg.volume_per_bucket is not None
            else f"the listing-day's volume / {cfg.buckets_per_day}"
        )
        return [
            ColumnDoc(
                "VPIN",
                unit="ratio",
                definition=f"Latest VPIN at the bucket's end: mean of |V_B − V_S|/V over the last "
                f"{cfg.window_buckets} classified volume buckets of the listing-day (V = {size}; V_B = "
                "V·Φ(ΔP/σ), ΔP between consecutive volume buckets' last prices, σ their day's population "
                "std), Easley, López de Prado & O'Hara (2012). Null until that many buckets are classified.",
                sources=sources,
                dtype="Float64",
            ),
            ColumnDoc(
                "VPINBucketCount",
                unit="count",
                definition="Volume buckets of the listing-day completed by the bucket's end (the first is "
                "never classified).",
                sources=sources,
                dtype="Int64",
            ),
            ColumnDoc(
                "VPINBucketVolume",
                unit="shares",
                definition=f"The listing-day's volume bucket size V ({size}).",
                sources=sources,
                dtype="Float64",
            ),
        ]

    def state_schema(self) -> Mapping[str, pl.DataType] | None:
        """With ``carry_over``: the unfinished bucket's volume, the last bucket price, the window."""
        if not self.config.carry_over:
            return None
        return {_FILLED: pl.Float64(), _LAST: pl.Float64(), _WINDOW: pl.List(pl.Float64())}

    def compute_with_state(
        self, inputs: Mapping[str, pl.LazyFrame], buckets: TimeBuckets, state: pl.LazyFrame
    ) -> tuple[pl.LazyFrame, pl.LazyFrame]:
        """One day continuing from ``state`` (``carry_over``); without it, :meth:`compute` and no state."""
        if not self.config.carry_over:
            return self._per_day(inputs, buckets), self.empty_state()
        return carried_vpin(self.config, inputs["trades"], buckets, state)

    def _per_day(self, inputs: Mapping[str, pl.LazyFrame], buckets: TimeBuckets) -> pl.LazyFrame:
        """Explode the volume-bucket completions of each trade, classify, roll, sample per time bucket."""
        cfg = self.config
        group = ["ListingId", DAY]
        size = pl.col(SIZE)
        after = size.cum_sum().over(group)
        before = after - size
        if cfg.buckets_per_day is not None:
            day_volume = size.sum().over(group)
            volume = day_volume / cfg.buckets_per_day

            def index(cumulative: pl.Expr) -> pl.Expr:
                return (cumulative * cfg.buckets_per_day / day_volume).floor().cast(pl.Int64)
        else:
            volume = pl.lit(cfg.volume_per_bucket, pl.Float64)

            def index(cumulative: pl.Expr) -> pl.Expr:
                return (cumulative / cfg.volume_per_bucket).floor().cast(pl.Int64)

        trades = kept_trades(inputs["trades"], cfg).with_columns(
            buckets.label(pl.col(TRADE_TIME)).alias(TIME_BUCKET),
            pl.when(volume > 0).then(volume).alias(_VOLUME),
            pl.when(volume > 0).then(index(before)).alias("__lo"),
            pl.when(volume > 0).then(index(after)).alias("__hi"),
        )
        change = pl.col(PRICE).diff().over(group)
        sigma = pl.lit(cfg.sigma) if cfg.sigma is not None else change.std(ddof=0).over(group)
        z = pl.when(change == 0).then(0.0).otherwise(change / sigma)
        completions = (
            trades.filter(pl.col("__hi") > pl.col("__lo"))
            .select(
                *group, TIME_BUCKET, PRICE, pl.int_ranges(pl.col("__lo") + 1, pl.col("__hi") + 1).alias(_J)
            )
            .explode(_J)
            .with_columns((2 * normal_cdf(z) - 1).abs().alias(_IMBALANCE))
            .with_columns(
                pl.col(_IMBALANCE)
                .rolling_mean(cfg.window_buckets, min_samples=cfg.window_buckets)
                .over(group)
                .alias(_VPIN)
            )
            .group_by(*group, TIME_BUCKET)
            .agg(pl.col(_VPIN).last(), pl.len().cast(pl.Int64).alias(_COUNT))  # rows in bucket order
        )
        return (
            trades.group_by(*group, TIME_BUCKET)
            .agg(pl.col(_VOLUME).first().alias("VPINBucketVolume"))
            .join(completions, on=[*group, TIME_BUCKET], how="left")
            .sort(*group, TIME_BUCKET)
            .with_columns(
                pl.col(_VPIN).forward_fill().over(group).alias("VPIN"),
                pl.col(_COUNT).fill_null(0).cum_sum().over(group).alias("VPINBucketCount"),
            )
            .select("ListingId", TIME_BUCKET, "VPIN", "VPINBucketCount", "VPINBucketVolume")
            .sort("ListingId", TIME_BUCKET)
        )


def carried_vpin(
    cfg: VPINConfig, raw: pl.LazyFrame, buckets: TimeBuckets, state: pl.LazyFrame
) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """VPIN of one day continuing from each listing's state; returns the output and the new state."""
    size_v = float(cfg.volume_per_bucket or 0.0)
    n = cfg.window_buckets
    by = "ListingId"
    carried = state.select(by, _FILLED, _LAST, _WINDOW)
    after = pl.col(_FILLED).fill_null(0.0) + pl.col(SIZE).cum_sum().over(by)
    trades = (
        kept_trades(raw, cfg)
        .join(carried, on=by, how="left")
        .sort(by, ROW)
        .with_columns(after.alias("__after"), buckets.label(pl.col(TRADE_TIME)).alias(TIME_BUCKET))
        .with_columns(
            (pl.col("__after") - pl.col(SIZE)).truediv(size_v).floor().cast(pl.Int64).alias("__lo"),
            pl.col("__after").truediv(size_v).floor().cast(pl.Int64).alias("__hi"),
        )
    )
    completions = (
        trades.filter(pl.col("__hi") > pl.col("__lo"))
        .select(
            by, TIME_BUCKET, PRICE, _LAST, pl.int_ranges(pl.col("__lo") + 1, pl.col("__hi") + 1).alias(_J)
        )
        .explode(_J)
        .sort(by, _J)
        .with_columns(
            (pl.col(PRICE) - pl.col(PRICE).shift(1).over(by).fill_null(pl.col(_LAST))).alias("__dp")
        )
    )
    change = pl.col("__dp")
    sigma = pl.lit(cfg.sigma) if cfg.sigma is not None else change.std(ddof=0).over(by)
    z = pl.when(change == 0).then(0.0).otherwise(change / sigma)
    today = completions.with_columns(
        pl.when(change.is_not_null()).then((2 * normal_cdf(z) - 1).abs()).alias(_IMBALANCE)
    )
    window = (
        carried.select(by, pl.col(_WINDOW).alias(_IMBALANCE))
        .with_columns(pl.int_ranges(-pl.col(_IMBALANCE).list.len().cast(pl.Int64), 0).alias(_ORDER))
        .explode(_IMBALANCE, _ORDER)
        .drop_nulls(_IMBALANCE)
    )
    classified = (
        pl.concat(
            [
                window,
                today.filter(pl.col(_IMBALANCE).is_not_null()).select(
                    by, _IMBALANCE, pl.col(_J).alias(_ORDER), TIME_BUCKET
                ),
            ],
            how="diagonal_relaxed",
        )
        .sort(by, _ORDER)
        .with_columns(pl.col(_IMBALANCE).rolling_mean(n, min_samples=n).over(by).alias(_VPIN))
    )
    before_today = (
        classified.filter(pl.col(_ORDER) < 0).group_by(by).agg(pl.col(_VPIN).last().alias("__vpin0"))
    )
    per_bucket = (
        classified.filter(pl.col(_ORDER) >= 0)
        .group_by(by, TIME_BUCKET)
        .agg(pl.col(_VPIN).last())
        .join(
            today.group_by(by, TIME_BUCKET).agg(pl.len().cast(pl.Int64).alias(_COUNT)),
            on=[by, TIME_BUCKET],
            how="full",
            coalesce=True,
        )
    )
    output = (
        trades.group_by(by, TIME_BUCKET)
        .agg(pl.lit(size_v).alias("VPINBucketVolume"))
        .join(per_bucket, on=[by, TIME_BUCKET], how="left")
        .join(before_today, on=by, how="left")
        .sort(by, TIME_BUCKET)
        .with_columns(
            pl.col(_VPIN).forward_fill().over(by).fill_null(pl.col("__vpin0")).alias("VPIN"),
            pl.col(_COUNT).fill_null(0).cum_sum().over(by).alias("VPINBucketCount"),
        )
        .select(by, TIME_BUCKET, "VPIN", "VPINBucketCount", "VPINBucketVolume")
        .sort(by, TIME_BUCKET)
    )
    filled = trades.group_by(by).agg(pl.col("__after").last())
    new_state = (
        filled.join(completions.group_by(by).agg(pl.col(PRICE).last().alias("__p")), on=by, how="left")
        .join(classified.group_by(by).agg(pl.col(_IMBALANCE).tail(n).alias("__w")), on=by, how="left")
        .join(carried, on=by, how="left")
        .select(
            by,
            (pl.col("__after") - size_v * (pl.col("__after") / size_v).floor()).alias(_FILLED),
            pl.coalesce("__p", _LAST).alias(_LAST),
            pl.col("__w").fill_null(pl.lit([], dtype=pl.List(pl.Float64))).alias(_WINDOW),
        )
    )
    return output, new_state
