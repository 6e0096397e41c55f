"""``ofi``: order-flow imbalance (OFI) and multi-level OFI from L2 snapshots, per bucket.

Conventions
-----------
Consecutive snapshots ``n−1, n`` of a listing-day, in (``EventTimestamp``,
``L2EventNo``) order, contribute at level ``m`` (Cont, Kukanov & Stoikov 2014,
eq. 3, with weak inequalities; per level index as in Xu, Gould & Howison 2019)::

    e_n(m) =  qB_n·1{PB_n ≥ PB_{n−1}} − qB_{n−1}·1{PB_n ≤ PB_{n−1}}
            − qA_n·1{PA_n ≤ PA_{n−1}} + qA_{n−1}·1{PA_n ≥ PA_{n−1}}

where ``PB, qB`` (``PA, qA``) are ``BidPrice{m}, BidQuantity{m}``
(``AskPrice{m}, AskQuantity{m}``). Levels are aligned by index. A side whose
price or quantity is null (or NaN) on either snapshot contributes 0 to
``e_n(m)`` (so a one-sided book still has the other side's flow, and a level
absent on either snapshot contributes 0). The first snapshot of a listing-day
has ``e = 0``. A bucket's OFI is the sum of the ``e_n`` of its snapshots
(bucketed by the later snapshot's ``EventTimestamp``).

With ``continuous_only`` (default), ``e_n`` counts only when both snapshot
``n`` and ``n−1`` are in continuous trading (``MarketState`` =
``CONTINUOUS_TRADING``): the jump of the book across an auction or a halt is
not order flow of the continuous book. Buckets are those holding at least one
snapshot that counts (continuous, with the option).

The depth-normalised OFI divides level-1 OFI by the bucket's mean level-1
depth ``(BidQuantity1 + AskQuantity1)/2`` over its (kept) snapshots with both
level-1 sides present (CKS 2014 scale OFI by average depth ``D``).

References:
    R. Cont, A. Kukanov, S. Stoikov, "The price impact of order book events",
    Journal of Financial Econometrics 12(1):47-88, 2014.
    K. Xu, M. D. Gould, S. D. Howison, "Multi-level order-flow imbalance in a
    limit order book", Market Microstructure and Liquidity 4(3-4), 2019.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl
from pydantic import Field

from basalt import AnalyticModule, ColumnDoc, ModuleConfig, TimeBuckets
from basalt.timebuckets import TIME_BUCKET
from basalt_characteristics._series import DAY, clean_price, l2_series, same_as_previous


class OFIConfig(ModuleConfig):
    """Configuration of ``ofi``."""

    levels: int = Field(
        1,
        ge=1,
        le=10,
        description="Number M of book levels: OFI1 (Cont-Kukanov-Stoikov OFI) up to OFI{M} (multi-level "
        "OFI).",
    )
    depth_normalised: bool = Field(
        False, description="Also emit OFINormalised: OFI1 divided by the bucket's mean level-1 depth."
    )
    continuous_only: bool = Field(
        True,
        description="Count e_n only when snapshots n and n-1 are both in continuous trading "
        "(MarketState CONTINUOUS_TRADING); buckets without such snapshots get no row.",
    )


def _side(price: str, quantity: str) -> tuple[pl.Expr, pl.Expr, pl.Expr, pl.Expr, pl.Expr]:
    p, q = clean_price(price), pl.col(quantity).cast(pl.Float64)
    p0, q0 = p.shift(1), q.shift(1)
    present = p.is_not_null() & p0.is_not_null() & q.is_not_null() & q0.is_not_null()
    return p, q, p0, q0, present


def level_flow(level: int) -> pl.Expr:
    """``e_n`` at one level on snapshots sorted by listing and order (the previous row is n−1)."""
    pb, qb, pb0, qb0, bid_ok = _side(f"BidPrice{level}", f"BidQuantity{level}")
    pa, qa, pa0, qa0, ask_ok = _side(f"AskPrice{level}", f"AskQuantity{level}")
    zero = pl.lit(0.0)
    bid = pl.when(pb >= pb0).then(qb).otherwise(zero) - pl.when(pb <= pb0).then(qb0).otherwise(zero)
    ask = pl.when(pa >= pa0).then(qa0).otherwise(zero) - pl.when(pa <= pa0).then(qa).otherwise(zero)
    return pl.when(bid_ok).then(bid).otherwise(zero) + pl.when(ask_ok).then(ask).otherwise(zero)


class OFI(AnalyticModule):
    """Order-flow imbalance per bucket (Cont-Kukanov-Stoikov 2014) and per level (Xu-Gould-Howison 2019).

    See :mod:`basalt_characteristics.ofi` for the exact conventions: weak
    inequalities, levels aligned by index, a side missing on either snapshot
    contributes 0, first snapshot of a listing-day contributes 0.
    """

    NAME = "ofi"
    INPUTS = ("l2",)
    Config = OFIConfig
    config: OFIConfig

    def columns(self) -> list[ColumnDoc]:
        cfg = self.config
        rule = (
            " Only pairs of consecutive snapshots both in continuous trading count."
            if cfg.continuous_only
            else ""
        )
        docs = []
        for m in range(1, cfg.levels + 1):
            paper = (
                "Cont, Kukanov & Stoikov 2014 eq. 3"
                if m == 1
                else "Xu, Gould & Howison 2019, level " + str(m)
            )
            docs.append(
                ColumnDoc(
                    f"OFI{m}",
                    unit="shares",
                    definition=(
                        f"Order-flow imbalance at book level {m} ({paper}): sum over the bucket's "
                        "snapshots n of "
                        f"e_n = qB_n·1{{PB_n≥PB_n-1}} − qB_n-1·1{{PB_n≤PB_n-1}} − qA_n·1{{PA_n≤PA_n-1}} + "
                        f"qA_n-1·1{{PA_n≥PA_n-1}} with P, q the level-{m} prices and quantities of "
                        "consecutive "
                        "snapshots of the listing-day in (EventTimestamp, L2EventNo) order; a side null on "
                        "either "
                        f"snapshot contributes 0; the day's first snapshot contributes 0.{rule}"
                    ),
                    pattern="OFI{Level}",
                    sources=(
                        f"l2.BidPrice{m}",
                        f"l2.BidQuantity{m}",
                        f"l2.AskPrice{m}",
                        f"l2.AskQuantity{m}",
                        "l2.EventTimestamp",
                        "l2.L2EventNo",
                    ),
                    dtype="Float64",
                    additive=True,
                )
            )
        if cfg.depth_normalised:
            docs.append(
                ColumnDoc(
                    "OFINormalised",
                    unit="ratio",
                    definition=(
                        "OFI1 divided by the bucket's mean level-1 depth, the mean of (BidQuantity1 + "
                        "AskQuantity1)/2 over its snapshots with both level-1 sides present"
                        + (" and in continuous trading" if cfg.continuous_only else "")
                        + "; null when that mean is null or 0."
                    ),
                    sources=("l2.BidQuantity1", "l2.AskQuantity1"),
                    dtype="Float64",
                )
            )
        return docs

    def compute(self, inputs: Mapping[str, pl.LazyFrame], buckets: TimeBuckets) -> pl.LazyFrame:
        cfg = self.config
        names = [
            f"{side}{field}{m}"
            for m in range(1, cfg.levels + 1)
            for side in ("Bid", "Ask")
            for field in ("Price", "Quantity")
        ]
        snaps = l2_series(
            inputs["l2"], buckets, [pl.col(n) for n in names], continuous_flag=cfg.continuous_only
        )
        counts = same_as_previous("ListingId", DAY)
        if cfg.continuous_only:
            counts = counts & pl.col("__cont") & pl.col("__cont").shift(1).fill_null(False)
        flows = [
            pl.when(counts).then(level_flow(m)).otherwise(0.0).alias(f"OFI{m}")
            for m in range(1, cfg.levels + 1)
        ]
        extra: list[pl.Expr] = []
        if cfg.depth_normalised:
            bid, ask = clean_price("BidPrice1"), clean_price("AskPrice1")
            depth = (pl.col("BidQuantity1") + pl.col("AskQuantity1")).cast(pl.Float64) / 2.0
            extra.append(pl.when(bid.is_not_null() & ask.is_not_null()).then(depth).alias("__depth"))
        rows = snaps.with_columns(*flows, *extra)
        if cfg.continuous_only:
            rows = rows.filter(pl.col("__cont"))
        aggs = [pl.col(f"OFI{m}").sum() for m in range(1, cfg.levels + 1)]
        if cfg.depth_normalised:
            aggs.append(pl.col("__depth").mean())
        out = rows.group_by("ListingId", TIME_BUCKET).agg(aggs)
        if cfg.depth_normalised:
            mean = pl.col("__depth")
            out = out.with_columns(
                pl.when(mean != 0).then(pl.col("OFI1") / mean).alias("OFINormalised")
            ).drop("__depth")
        return out.sort("ListingId", TIME_BUCKET)


__all__ = ["OFI", "OFIConfig", "level_flow"]
