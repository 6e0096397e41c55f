"""``microprice``: the size-weighted mid (last and time-weighted) and Stoikov's (2018) micro-price.

Two different things, named apart:

* ``WeightedMidL1`` / ``WeightedMidL1TWA`` — the level-1 size-weighted mid
  ``(PB·QA + PA·QB)/(QA + QB)`` at the bucket's last snapshot, and its
  time-weighted average. Both are computed by the core's own ``l2`` and
  ``l2tw`` modules (``WeightedMid``, ``WeightedMidTWA``), so they are the core's
  definitions exactly — TWA included — under names that do not collide with the
  core's columns when both modules share a pass.
* ``MicroPriceStoikov`` — Stoikov's micro-price ``M + tick·g(I, S)`` at the
  bucket's last snapshot, ``g`` fitted per listing-day by the Markov estimator
  of :mod:`basalt_characteristics.stoikov` on consecutive snapshots (the next
  event). The fit is in-sample: a day's snapshots estimate the ``g`` applied to
  that day.

Snapshots for the micro-price: both level-1 prices and quantities present,
``QB + QA > 0``, spread ``S = round((PA − PB)/tick)`` in 1 … ``max_spread_ticks``
(and, with ``continuous_only``, in continuous trading). ``tick`` is
``tick_size``, else the listing-day's smallest positive spread. A transition
counts when both snapshots qualify and the mid change is at most
``max_move_ticks``. The value is null when the bucket's last (kept) snapshot does
not qualify or the day's fit failed (``1 − Q`` singular).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl
from pydantic import Field

from basalt import AnalyticModule, ColumnDoc, ModuleConfig, TimeBuckets
from basalt.analytics.l2 import L2Last, L2TimeWeighted
from basalt.timebuckets import TIME_BUCKET
from basalt_characteristics._series import DAY, clean_price, l2_series, position_in_run, same_as_previous


class MicroPriceConfig(ModuleConfig):
    """Configuration of ``microprice``."""

    weighted_mid: bool = Field(
        True, description="Emit WeightedMidL1 and WeightedMidL1TWA (the core's definitions)."
    )
    stoikov: bool = Field(True, description="Emit MicroPriceStoikov (Stoikov 2018 Markov estimator).")
    imbalance_bins: int = Field(10, ge=2, le=50, description="Number n of equal imbalance bins of [0, 1].")
    max_spread_ticks: int = Field(2, ge=1, le=10, description="Spreads of 1..this many ticks are states.")
    max_move_ticks: float = Field(
        1.0,
        ge=0.5,
        le=5.0,
        description="Transitions whose mid moves by more ticks than this are not counted.",
    )
    terms: int = Field(6, ge=1, le=100, description="Number of terms B^i·G1 summed (the paper reports 6).")
    tick_size: float | None = Field(
        None, gt=0, description="Tick size in price units; null: the listing-day's smallest positive spread."
    )
    symmetrize: bool = Field(True, description="Also count every transition mirrored (imbalance 1−I, −dM).")
    continuous_only: bool = Field(
        True, description="Fit and evaluate on snapshots in continuous trading only (MarketState)."
    )


class MicroPrice(AnalyticModule):
    """Level-1 weighted mid (last, TWA) and Stoikov's (2018) micro-price per bucket.

    See :mod:`basalt_characteristics.microprice` and
    :mod:`basalt_characteristics.stoikov` for the exact conventions.
    """

    NAME = "microprice"
    INPUTS = ("l2",)
    Config = MicroPriceConfig
    config: MicroPriceConfig

    def columns(self) -> list[ColumnDoc]:
        cfg = self.config
        docs: list[ColumnDoc] = []
        touch = ("l2.BidPrice1", "l2.AskPrice1", "l2.BidQuantity1", "l2.AskQuantity1", "l2.EventTimestamp")
        if cfg.weighted_mid:
            core = {c.name: c for c in L2Last(self._core_config()).columns()}
            core_tw = {c.name: c for c in L2TimeWeighted(self._core_config()).columns()}
            for name, doc in (
                ("WeightedMidL1", core["WeightedMid"]),
                ("WeightedMidL1TWA", core_tw["WeightedMidTWA"]),
            ):
                docs.append(
                    ColumnDoc(
                        name,
                        unit=doc.unit,
                        definition=f"The core's {doc.name} (same computation, renamed): {doc.definition}",
                        sources=doc.sources,
                        dtype="Float64",
                    )
                )
        if cfg.stoikov:
            tick = (
                f"tick {cfg.tick_size}"
                if cfg.tick_size
                else "tick = the listing-day's smallest positive spread"
            )
            docs.append(
                ColumnDoc(
                    "MicroPriceStoikov",
                    unit="price",
                    definition=(
                        "Stoikov (2018) micro-price at the bucket's last snapshot: mid + tick·g(I, S), g "
                        "the sum of "
                        f"{cfg.terms} terms B^i·G1 of the Markov estimator fitted on the listing-day's "
                        "consecutive "
                        f"snapshots; I = BidQuantity1/(BidQuantity1+AskQuantity1) in {cfg.imbalance_bins} "
                        "bins, S the "
                        f"spread in ticks (1..{cfg.max_spread_ticks}), {tick}; moves above "
                        f"{cfg.max_move_ticks} "
                        "ticks not counted; "
                        + ("symmetrized; " if cfg.symmetrize else "")
                        + "null when that snapshot is outside the states or the fit is singular."
                    ),
                    sources=touch,
                    dtype="Float64",
                )
            )
        return docs

    @staticmethod
    def _core_config() -> dict[str, Any]:
        return {"families": ("mid",), "microprice_levels": 1}

    def compute(self, inputs: Mapping[str, pl.LazyFrame], buckets: TimeBuckets) -> pl.LazyFrame:
        frames: list[pl.LazyFrame] = []
        keys = ["ListingId", TIME_BUCKET]
        if self.config.weighted_mid:
            last = L2Last(self._core_config()).compute(inputs, buckets)
            tw = L2TimeWeighted(self._core_config()).compute(inputs, buckets)
            frames.append(last.select(*keys, pl.col("WeightedMid").alias("WeightedMidL1")))
            frames.append(tw.select(*keys, pl.col("WeightedMidTWA").alias("WeightedMidL1TWA")))
        if self.config.stoikov:
            frames.append(self._stoikov(inputs["l2"], buckets))
        out = frames[0]
        for frame in frames[1:]:
            out = out.join(frame, on=keys, how="full", coalesce=True)
        return out.sort(*keys)

    def _stoikov(self, l2: pl.LazyFrame, buckets: TimeBuckets) -> pl.LazyFrame:
        cfg = self.config
        bid, ask = clean_price("BidPrice1"), clean_price("AskPrice1")
        bq, aq = pl.col("BidQuantity1").cast(pl.Float64), pl.col("AskQuantity1").cast(pl.Float64)
        snaps = l2_series(
            l2,
            buckets,
            [bid.alias("__pb"), ask.alias("__pa"), bq.alias("__qb"), aq.alias("__qa")],
            continuous_flag=cfg.continuous_only,
        )
        if cfg.continuous_only:
            snaps = snaps.filter(pl.col("__cont"))
        pb, pa, qb, qa = pl.col("__pb"), pl.col("__pa"), pl.col("__qb"), pl.col("__qa")
        spread = pa - pb
        if cfg.tick_size is None:
            tick = pl.when(spread > 0).then(spread).min().over("ListingId", DAY)
        else:
            tick = pl.lit(cfg.tick_size)
        n = cfg.imbalance_bins
        snaps = snaps.with_columns(tick.alias("__tick"), ((pb + pa) / 2.0).alias("__mid"))
        ticks = (spread / pl.col("__tick")).round(0)
        imbalance = qb / (qb + qa)
        valid = (
            pb.is_not_null()
            & pa.is_not_null()
            & qb.is_not_null()
            & qa.is_not_null()
            & (qb + qa > 0)
            & (ticks >= 1)
            & (ticks <= cfg.max_spread_ticks)
        ).fill_null(False)
        b = pl.min_horizontal((imbalance * n).floor(), n - 1).cast(pl.Int64)
        state = pl.when(valid).then((ticks.cast(pl.Int64) - 1) * n + b)
        snaps = snaps.with_columns(state.alias("__x"))
        x = pl.col("__x")
        same = same_as_previous("ListingId", DAY)
        half = ((pl.col("__mid") - pl.col("__mid").shift(1)) * 2.0 / pl.col("__tick")).round(0).cast(pl.Int64)
        max_half = round(2 * cfg.max_move_ticks)
        transitions = (
            snaps.with_columns(x.shift(1).alias("__x0"), pl.when(same).then(half).alias("__h"))
            .filter(pl.col("__x0").is_not_null() & x.is_not_null() & pl.col("__h").is_not_null())
            .filter(pl.col("__h").abs() <= max_half)
            .group_by("ListingId", DAY, "__x0", "__x", "__h")
            .len()
            .group_by("ListingId", DAY)
            .agg(pl.col("__x0"), pl.col("__x"), pl.col("__h"), pl.col("len"))
        )

        # Imported here: the fit needs NumPy, which registering the plugin should not import.
        from basalt_characteristics.stoikov import fit_adjustments

        def fit(row: dict[str, list[int]]) -> list[float] | None:
            return fit_adjustments(
                row["__x0"],
                row["__x"],
                row["__h"],
                row["len"],
                bins=n,
                spreads=cfg.max_spread_ticks,
                max_half_ticks=max_half,
                terms=cfg.terms,
                symmetrize=cfg.symmetrize,
            )

        # One Python call per listing-day (the fit's linear algebra), never per snapshot.
        table = (
            transitions.select(
                "ListingId",
                DAY,
                pl.struct("__x0", "__x", "__h", "len")
                .map_elements(fit, return_dtype=pl.List(pl.Float64))
                .alias("__g"),
            )
            .with_columns(pl.int_ranges(0, pl.col("__g").list.len()).alias("__x"))
            .explode("__g", "__x")
            .filter(pl.col("__x").is_not_null())
            .with_columns(pl.col("__x").cast(pl.Int64))
        )
        last = snaps.with_columns(
            position_in_run(~same_as_previous("ListingId", DAY, TIME_BUCKET)).alias("__i")
        )
        last = last.filter(pl.col("__i") == pl.col("__i").max().over("ListingId", DAY, TIME_BUCKET)).select(
            "ListingId", DAY, TIME_BUCKET, "__x", "__mid", "__tick"
        )
        priced = last.join(table, on=["ListingId", DAY, "__x"], how="left")
        value = pl.col("__mid") + pl.col("__tick") * pl.col("__g")
        return priced.select("ListingId", TIME_BUCKET, value.alias("MicroPriceStoikov"))


__all__ = ["MicroPrice", "MicroPriceConfig"]
