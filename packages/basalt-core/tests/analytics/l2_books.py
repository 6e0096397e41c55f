"""Test books for ``l2``/``l2tw``: an ``l2`` frame from snapshot dicts, and random books.

The builders the L2 tests feed both the modules and the plain references
(:mod:`analytics.reference_l2`) with; they compute nothing themselves.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

import polars as pl
from analytics.reference_l2 import EPOCH, SIDES, ns_of

Level = tuple[float | None, int | None, int | None]
"""(price, quantity, number of orders) of one book level."""


def book_frame(snapshots: list[dict[str, Any]], *, trade_date: bool = True) -> pl.DataFrame:
    """An ``l2`` frame (schema dtypes) from snapshots given as dicts.

    Keys: ``ts`` (datetime), ``bids``/``asks`` (lists of :data:`Level`, best first),
    optional ``listing`` (default 1), ``event_no`` (default: position),
    ``trade_date`` (default: the UTC date of ``ts``).
    """
    data: dict[str, list[Any]] = defaultdict(list)
    for position, snap in enumerate(snapshots):
        ts: datetime = snap["ts"]
        if trade_date:
            day = snap.get("trade_date", ts.date())
            data["TradeDate"].append(datetime(day.year, day.month, day.day))
        data["EventTimestamp"].append(ts)
        data["ListingId"].append(snap.get("listing", 1))
        data["L2EventNo"].append(snap.get("event_no", position + 1))
        data["MarketState"].append("CONTINUOUS_TRADING")
        for side, levels in (("Bid", snap.get("bids", [])), ("Ask", snap.get("asks", []))):
            for level in range(1, 11):
                price, qty, orders = levels[level - 1] if level <= len(levels) else (None, None, None)
                data[f"{side}Price{level}"].append(price)
                data[f"{side}Quantity{level}"].append(qty)
                data[f"{side}NumOrders{level}"].append(orders)
    schema: dict[str, pl.DataType] = {}
    if trade_date:
        schema["TradeDate"] = pl.Datetime("ms")
    schema |= {
        "EventTimestamp": pl.Datetime("us"),
        "ListingId": pl.Int64(),
        "L2EventNo": pl.Int64(),
        "MarketState": pl.String(),
    }
    for level in range(1, 11):
        for side in SIDES:
            schema[f"{side}Price{level}"] = pl.Float64()
            schema[f"{side}Quantity{level}"] = pl.Int64()
            schema[f"{side}NumOrders{level}"] = pl.Int32()
    return pl.DataFrame({name: data[name] for name in schema}, schema=schema)


def random_book(
    seed: int,
    *,
    listings: int = 3,
    days: tuple[date, ...] = (date(2026, 3, 2), date(2026, 3, 3)),
    per_day: int = 120,
    overnight: bool = False,
) -> pl.DataFrame:
    """Random snapshots: several listings and days, rows shuffled.

    Times fall in a 20-minute window with a 4-minute silence (empty buckets),
    a share exactly on 5 s and whole-minute boundaries, and duplicated
    timestamps (ties broken by L2EventNo). Books have random depth per side
    (0 to 10 levels: one-sided and empty books), sometimes crossed or locked,
    NaN for some absent prices, zero quantities and null order counts.
    With ``overnight``, sessions run 23:50–00:10 UTC on the eve of their
    TradeDate, so one trading day spans midnight UTC.
    """
    import random

    rng = random.Random(seed)
    snapshots: list[dict[str, Any]] = []
    for listing in range(1, listings + 1):
        for day in days:
            if overnight:
                origin = ns_of(datetime(day.year, day.month, day.day)) - 10 * 60 * 10**9
            else:
                origin = ns_of(datetime(day.year, day.month, day.day, 9, 0))
            times = []
            for _ in range(per_day):
                draw = rng.random()
                if draw < 0.15:
                    offset = rng.randrange(0, 20 * 60, 5) * 10**9  # 5 s grid (whole minutes too)
                elif draw < 0.2 and times:
                    offset = times[-1] - origin  # duplicate timestamp
                else:
                    offset = rng.randrange(0, 20 * 60 * 10**6) * 1000
                    if 8 * 60 * 10**9 <= offset < 12 * 60 * 10**9:  # silence: empty buckets
                        offset += 4 * 60 * 10**9
                times.append(origin + offset)
            times.sort()
            mid_ticks = rng.randrange(9_000, 11_000)
            for event_no, t in enumerate(times, start=1):
                mid_ticks += rng.choice((-1, 0, 0, 1))
                spread = rng.choice((1, 1, 2, 3, 0, -1)) if rng.random() < 0.9 else rng.choice((0, -2))
                snapshots.append(
                    {
                        "listing": listing,
                        "ts": EPOCH + _timedelta_us(t),
                        "event_no": event_no,
                        "trade_date": day,
                        "bids": _side(rng, mid_ticks, -1),
                        "asks": _side(rng, mid_ticks + spread, 1),
                    }
                )
    rng.shuffle(snapshots)
    frame = book_frame(snapshots)
    # Some absent prices written as NaN (pandas-made files), not null.
    nan_mask = pl.Series([rng.random() < 0.5 for _ in range(frame.height)])
    return frame.with_columns(
        pl.when(pl.col(f"{side}Price{level}").is_null() & nan_mask)
        .then(float("nan"))
        .otherwise(pl.col(f"{side}Price{level}"))
        .alias(f"{side}Price{level}")
        for side in SIDES
        for level in range(1, 11)
    )


def _timedelta_us(ns: int) -> timedelta:
    return timedelta(microseconds=ns // 1000)


def _side(rng: Any, touch_ticks: int, direction: int) -> list[Level]:
    roll = rng.random()
    depth = 10 if roll < 0.7 else (0 if roll < 0.75 else rng.randrange(1, 10))
    levels: list[Level] = []
    ticks = touch_ticks
    for _ in range(depth):
        qty = 0 if rng.random() < 0.03 else rng.randrange(1, 5_000)
        orders = None if rng.random() < 0.03 else rng.randrange(1, 40)
        levels.append((round(ticks * 0.01, 2), qty, orders))
        ticks += direction * rng.choice((1, 1, 2))
    return levels
