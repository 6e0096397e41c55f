"""Small L2 and reference frames in BMLL's column names, built by hand or at random."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

import polars as pl

DAY = dt.datetime(2026, 1, 5)
T0 = DAY + dt.timedelta(hours=9)
Level = tuple[float, int, int]
"""(price, quantity, orders)"""


def snapshot(
    listing: int,
    micros: int,
    bids: Sequence[Level] = (),
    asks: Sequence[Level] = (),
    *,
    event_no: int | None = None,
    state: str = "CONTINUOUS_TRADING",
    mic: str | None = None,
) -> dict[str, object]:
    """One L2 row of ``listing`` at ``T0 + micros`` µs (levels beyond those given are empty)."""
    row: dict[str, object] = {
        "TradeDate": DAY,
        "EventTimestamp": T0 + dt.timedelta(microseconds=micros),
        "TimestampNanoseconds": T0 + dt.timedelta(microseconds=micros),
        "L2EventNo": event_no,
        "ListingId": listing,
        "MIC": mic or MICS[listing],
        "MarketState": state,
    }
    for side, levels in (("Bid", bids), ("Ask", asks)):
        for i in range(10):
            price, qty, n = levels[i] if i < len(levels) else (None, 0, 0)
            row[f"{side}Price{i + 1}"] = price
            row[f"{side}Quantity{i + 1}"] = qty
            row[f"{side}NumOrders{i + 1}"] = n
    return row


MICS = {1: "XLON", 2: "BATE", 3: "CHIX", 11: "XPAR", 12: "CEUX"}
"""Listing → MIC of the hand-built frames: instrument 100 = listings 1, 2, 3; instrument 200 = 11, 12."""


def l2_frame(rows: list[dict[str, object]]) -> pl.DataFrame:
    """Rows of :func:`snapshot` as an L2 frame in BMLL dtypes; L2EventNo defaults to row order per listing."""
    frame = pl.DataFrame(rows, infer_schema_length=None)
    casts = {c: pl.Int64 for c in frame.columns if c.startswith(("BidQuantity", "AskQuantity"))}
    casts |= {c: pl.Int32 for c in frame.columns if "NumOrders" in c}
    casts |= {c: pl.Float64 for c in frame.columns if "Price" in c}
    frame = frame.with_columns(
        pl.col("TradeDate").cast(pl.Datetime("ms")),
        pl.col("EventTimestamp").cast(pl.Datetime("us")),
        pl.col("TimestampNanoseconds").cast(pl.Datetime("ns")),
        *(pl.col(c).cast(t) for c, t in casts.items()),
        pl.col("L2EventNo").cast(pl.Int64).fill_null(pl.int_range(1, pl.len() + 1).over("ListingId")),
    )
    return frame


def reference_frame() -> pl.DataFrame:
    """Reference rows of the hand-built listings (primary: 1 and 11)."""
    return pl.DataFrame(
        {
            "ListingId": [1, 2, 3, 11, 12],
            "InstrumentId": [100, 100, 100, 200, 200],
            "MIC": [MICS[i] for i in (1, 2, 3, 11, 12)],
            "Ticker": ["AAA", "AAAb", "AAAc", "BBB", "BBBc"],
            "CurrencyCode": ["GBp", "GBp", "GBp", "EUR", "EUR"],
            "IsPrimary": [True, False, False, True, False],
        }
    )


def random_l2(seed: int, snapshots: int = 400) -> pl.DataFrame:
    """Random L2 of both instruments: few distinct prices (equal prices across venues are common),
    colliding timestamps (within and across venues), locked/crossed venues, empty sides, auctions."""
    rng = random.Random(seed)
    rows = []
    for _ in range(snapshots):
        listing = rng.choice([1, 2, 3, 11, 12])
        micros = rng.randrange(0, 200)  # ~2 snapshots per µs: many share a timestamp
        mid = rng.choice([100.0, 100.1, 100.2])
        half = rng.choice([-0.1, 0.0, 0.1, 0.1, 0.2])  # locked (0) and crossed (<0) books happen
        depth_b, depth_a = rng.choice([0, 1, 3, 10]), rng.choice([0, 2, 10])
        bids = [
            (round(mid - half - 0.1 * i, 1), rng.randrange(1, 500), rng.randrange(1, 5))
            for i in range(depth_b)
        ]
        asks = [
            (round(mid + half + 0.1 * i, 1), rng.randrange(1, 500), rng.randrange(1, 5))
            for i in range(depth_a)
        ]
        state = rng.choice(["CONTINUOUS_TRADING"] * 4 + ["OPENING_AUCTION"])
        rows.append(snapshot(listing, micros, bids, asks, state=state))
    rows.sort(key=lambda r: (r["ListingId"], r["EventTimestamp"]))
    return l2_frame(rows)
