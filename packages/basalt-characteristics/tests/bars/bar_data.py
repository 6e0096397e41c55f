"""Trades for bar tests: hand-made frames and seeded random ones, in the trades-plus columns bars read."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import polars as pl

DAY0 = date(2026, 1, 5)


def trades_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """``rows``: ListingId, t (datetime), price, size, side (0/1/2), optional cls."""
    return pl.DataFrame(
        {
            "ListingId": [r.get("ListingId", 1) for r in rows],
            "TradeTimestamp": [r["t"] for r in rows],
            "InstrumentCurrencyPrice": [float(r["price"]) for r in rows],
            "Price": [float(r["price"]) for r in rows],
            "Size": [float(r["size"]) for r in rows],
            "AggressorSide": [r.get("side", 0) for r in rows],
            "Classification": [r.get("cls", "LIT_CONTINUOUS") for r in rows],
        },
        schema_overrides={"TradeTimestamp": pl.Datetime("us"), "AggressorSide": pl.Int64},
    )


def at(day: date, seconds: float) -> datetime:
    """``day`` at 08:00 plus ``seconds``."""
    return datetime(day.year, day.month, day.day, 8) + timedelta(seconds=seconds)


def random_trades(seed: int, days: list[date], listings: int = 3, per_day: int = 120) -> pl.DataFrame:
    """A random walk of trades per listing and day: ties in time, round and odd sizes, all sides,
    a few off-book trades (which bars leave out) and one listing missing on one day (an empty day)."""
    rng = np.random.default_rng(seed)
    rows: list[dict[str, Any]] = []
    for listing in range(1, listings + 1):
        price = 50.0 + 10 * listing
        for index, day in enumerate(days):
            if listing == 2 and index == 1:
                continue  # an empty day for listing 2
            clock = 0.0
            for _ in range(per_day):
                clock += float(rng.choice([0.0, rng.exponential(30.0)], p=[0.15, 0.85]))  # some ties
                if rng.random() < 0.01:
                    clock += 1800.0  # a halt
                price = max(1.0, price + float(rng.choice([-0.01, 0.0, 0.01], p=[0.35, 0.3, 0.35])))
                rows.append(
                    {
                        "ListingId": listing,
                        "t": at(day, clock),
                        "price": round(price, 2),
                        "size": float(rng.choice([100, 200, 500, 37, 1000, 5])),
                        "side": int(rng.choice([0, 1, 2], p=[0.1, 0.45, 0.45])),
                        "cls": "LIT_CONTINUOUS" if rng.random() > 0.05 else "OFF_BOOK_ON_EXCHANGE",
                    }
                )
    return trades_frame(rows)


def as_reference_trades(frame: pl.DataFrame, listing: int) -> list[dict[str, Any]]:
    """One listing's lit trades in trade order (time, ties in input order), as plain dicts."""
    kept = (
        frame.with_row_index("row")
        .filter(pl.col("ListingId") == listing, pl.col("Classification") == "LIT_CONTINUOUS")
        .sort("TradeTimestamp", "row")
    )
    return [
        {
            "ns": int(t.timestamp() * 1_000_000) * 1000 if t.tzinfo else _ns(t),
            "price": p,
            "size": s,
            "side": side,
            "day": t.date(),
        }
        for t, p, s, side in kept.select(
            "TradeTimestamp", "InstrumentCurrencyPrice", "Size", "AggressorSide"
        ).iter_rows()
    ]


def _ns(t: datetime) -> int:
    delta = t - datetime(1970, 1, 1)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000
