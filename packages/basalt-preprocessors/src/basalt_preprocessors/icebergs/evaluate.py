"""Precision and recall of detected icebergs against the synthetic market's planted truth.

The truth is the side file ``basalt data synth --iceberg-rate`` writes
(``_truth/icebergs.parquet``: one row per planted iceberg with the ids of all
its orders). Only icebergs that showed at least one refill are *detectable*:
one whose first peak was never executed in full looks exactly like an ordinary
order in L3 (the synthetic market never executes hidden volume unseen), so
recall is measured against the planted icebergs with ``Refills >= 1`` (the
count of all planted ones is reported beside it).

A detected iceberg is a true positive when its ``IcebergId`` is one of the
orders of a planted iceberg of the same listing and day; a planted iceberg is
found when some detection matches it.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl


@dataclass(frozen=True)
class Score:
    """Detection quality against the planted truth."""

    detected: int
    """Icebergs detected."""
    true_positives: int
    """Detected icebergs matching a planted one."""
    planted: int
    """Icebergs planted (all, detectable or not)."""
    detectable: int
    """Planted icebergs with at least one refill."""
    found: int
    """Detectable planted icebergs matched by a detection."""
    refills_equal: int
    """Matched pairs whose detected RefillCount equals the planted Refills."""
    volume_equal: int
    """Matched pairs whose detected ExecutedVolume equals the planted one."""

    @property
    def precision(self) -> float:
        """True positives / detected (1.0 when nothing was detected)."""
        return self.true_positives / self.detected if self.detected else 1.0

    @property
    def recall(self) -> float:
        """Found / detectable (1.0 when nothing was detectable)."""
        return self.found / self.detectable if self.detectable else 1.0

    def table(self) -> str:
        """A one-screen text report."""
        return (
            f"detected {self.detected}, planted {self.planted} ({self.detectable} detectable: refilled "
            f"at least once)\n"
            f"precision {self.precision:.4f} ({self.true_positives}/{self.detected}), "
            f"recall {self.recall:.4f} ({self.found}/{self.detectable})\n"
            f"matched pairs with equal refill count {self.refills_equal}, equal executed volume "
            f"{self.volume_equal}"
        )


def score(detected: pl.DataFrame, truth: pl.DataFrame) -> Score:
    """Compare an ``iceberg`` table with a planted-truth side file (both for the same lake)."""
    day = pl.col("TradeDate").cast(pl.Date)
    orders = (
        truth.filter(pl.col("Refills") >= 1)
        .with_columns(day)
        .explode("OrderIds")
        .select(
            "ListingId",
            "TradeDate",
            pl.col("OrderIds").alias("IcebergId"),
            pl.col("IcebergId").alias("__true"),
            pl.col("Refills").alias("__refills"),
            pl.col("ExecutedVolume").alias("__volume"),
        )
    )
    matched = detected.with_columns(day).join(orders, on=["ListingId", "TradeDate", "IcebergId"], how="left")
    hits = matched.filter(pl.col("__true").is_not_null())
    return Score(
        detected=detected.height,
        true_positives=hits.height,
        planted=truth.height,
        detectable=truth.filter(pl.col("Refills") >= 1).height,
        found=hits.select(pl.struct("ListingId", "TradeDate", "__true").n_unique()).item()
        if hits.height
        else 0,
        refills_equal=hits.filter(pl.col("RefillCount") == pl.col("__refills")).height,
        volume_equal=hits.filter(pl.col("ExecutedVolume") == pl.col("__volume")).height,
    )
