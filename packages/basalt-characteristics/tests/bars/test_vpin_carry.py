"""VPIN with ``carry_over``: the unfinished bucket, the last bucket price and the window cross days.

Checked against a plain-Python reference written from Easley, López de Prado & O'Hara
(2012) that has no state at all: each listing's days are one stream of trades cut into
exact-fraction volume buckets; σ is each day's own population std of its buckets' ΔP.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

import numpy as np
import polars as pl
import pytest
from bar_data import DAY0, as_reference_trades, at, random_trades, trades_frame

from basalt import TimeBuckets
from basalt_characteristics.vpin import VPINModule

BUCKETS = TimeBuckets(seconds=300)
STEP = 300 * 10**9
DAYS = [DAY0 + timedelta(days=i) for i in range(3)]


def phi(z: float) -> float:
    return 0.5 * math.erfc(-z / math.sqrt(2))


def reference(
    trades: list[dict[str, Any]], volume: float, window: int
) -> dict[tuple[date, int], dict[str, Any]]:
    """(day, time-bucket end ns) → VPIN, VPINBucketCount for one listing's trades over several days."""
    size = Fraction(volume)
    fill = Fraction(0)
    completions: list[tuple[date, int, float]] = []  # (day, time bucket, last price)
    for t in trades:
        remaining = Fraction(t["size"])
        while fill + remaining >= size:  # split a straddling trade
            remaining -= size - fill
            fill = Fraction(0)
            completions.append((t["day"], -(-t["ns"] // STEP) * STEP, t["price"]))
        fill += remaining
    days = sorted({t["day"] for t in trades})
    sigma = {}
    for day in days:
        changes = [
            completions[j][2] - completions[j - 1][2]
            for j in range(1, len(completions))
            if completions[j][0] == day
        ]
        sigma[day] = float(np.std(changes)) if changes else None
    vpin: list[float | None] = []
    imbalances: list[float] = []
    for j, (day, _, price) in enumerate(completions):
        if j == 0:
            vpin.append(None)  # the very first bucket has no ΔP
            continue
        change = price - completions[j - 1][2]
        s = sigma[day]
        z = 0.0 if change == 0 else (math.copysign(math.inf, change) if s == 0 else change / s)
        imbalances.append(abs(2 * phi(z) - 1))
        vpin.append(sum(imbalances[-window:]) / window if len(imbalances) >= window else None)
    out = {}
    for day in days:
        labels = sorted({-(-t["ns"] // STEP) * STEP for t in trades if t["day"] == day})
        before = [j for j, c in enumerate(completions) if c[0] < day]
        for label in labels:
            done = [j for j, c in enumerate(completions) if c[0] == day and c[1] <= label]
            last = done[-1] if done else (before[-1] if before else None)
            out[(day, label)] = {
                "VPIN": vpin[last] if last is not None else None,
                "VPINBucketCount": len(done),
            }
    return out


def run_days(cfg: dict[str, Any], frame: pl.DataFrame, days: list[date]) -> pl.DataFrame:
    module = VPINModule(cfg)
    state = module.empty_state()
    outputs = []
    for day in days:
        trades = frame.filter(pl.col("TradeTimestamp").dt.date() == day).lazy()
        output, new = pl.collect_all(list(module.compute_with_state({"trades": trades}, BUCKETS, state)))
        # As the engine does: a listing without a new state row keeps its old one.
        old = state.collect()
        state = pl.concat([new, old.join(new.select("ListingId"), on="ListingId", how="anti")]).lazy()
        outputs.append(output.with_columns(pl.lit(day).alias("Date")))
    return pl.concat(outputs)


@pytest.mark.parametrize(("volume", "window"), [(1000.0, 3), (2500.0, 5)])
def test_carried_vpin_equals_the_one_stream_reference(volume: float, window: int) -> None:
    frame = random_trades(seed=21, days=DAYS)
    cfg = {"buckets_per_day": None, "volume_per_bucket": volume, "window_buckets": window, "carry_over": True}
    got = run_days(cfg, frame, DAYS)
    checked = 0
    for listing in sorted(set(frame["ListingId"])):
        want = reference(as_reference_trades(frame, listing), volume, window)
        rows = got.filter(pl.col("ListingId") == listing).with_columns(
            pl.col("TimeBucket").dt.cast_time_unit("ns").cast(pl.Int64).alias("ns")
        )
        assert rows.height == len(want)
        for row in rows.iter_rows(named=True):
            w = want[(row["Date"], row["ns"])]
            assert row["VPINBucketCount"] == w["VPINBucketCount"]
            if w["VPIN"] is None:
                assert row["VPIN"] is None
            else:
                assert row["VPIN"] == pytest.approx(w["VPIN"], rel=1e-9, abs=1e-12)
                checked += 1
    assert checked > 20
    # Defined from the first buckets of later days (the window came with the state).
    later = got.filter(pl.col("Date") > DAYS[0]).group_by("ListingId", "Date").agg(pl.col("VPIN").first())
    assert later["VPIN"].null_count() == 0


def test_the_unfinished_bucket_crosses_the_day_by_hand() -> None:
    # V = 100, n = 1. Day 1: 60 @ 10 (bucket 1 unfinished). Day 2: 40 @ 11 fills bucket 1 (no ΔP yet:
    # unclassified), 100 @ 12 fills bucket 2 (ΔP = +1 vs 11), 100 @ 12 fills bucket 3 (ΔP = 0).
    # Day 2's σ = std(1, 0) = 0.5: bucket 2 has z = 2, |2Φ(2)−1|; bucket 3 has z = 0, imbalance 0.
    day1, day2 = DAY0, DAY0 + timedelta(days=1)
    frame = trades_frame(
        [
            {"t": at(day1, 1), "price": 10, "size": 60},
            {"t": at(day2, 1), "price": 11, "size": 40},
            {"t": at(day2, 400), "price": 12, "size": 100},
            {"t": at(day2, 800), "price": 12, "size": 100},
        ]
    )
    cfg = {"buckets_per_day": None, "volume_per_bucket": 100.0, "window_buckets": 1, "carry_over": True}
    got = run_days(cfg, frame, [day1, day2]).sort("Date", "TimeBucket")
    assert got["VPINBucketCount"].to_list() == [0, 1, 2, 3]
    assert got["VPIN"][0] is None
    assert got["VPIN"][1] is None
    assert got["VPIN"][2] == pytest.approx(abs(2 * phi(2.0) - 1))
    assert got["VPIN"][3] == 0.0
    per_day = VPINModule({**cfg, "carry_over": False}).compute({"trades": frame.lazy()}, BUCKETS).collect()
    assert per_day.filter(pl.col("TimeBucket").dt.date() == day2)["VPINBucketCount"].to_list() == [0, 1, 2]


def test_carry_over_needs_a_fixed_bucket_size() -> None:
    with pytest.raises(ValueError, match="volume_per_bucket"):
        VPINModule({"carry_over": True})
