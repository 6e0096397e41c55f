"""Small L2 and trades frames for the book-estimator tests: hand-built rows and random generators.

The random frames are made to hit every convention: prices on a coarse tick grid (many ties
and equal prices), shared timestamps ordered by ``L2EventNo`` (or input order for trades),
null and NaN prices, null quantities, one-sided books, auctions between continuous
snapshots, two trading days, zero and null sizes, unknown aggressor sides.
"""

from __future__ import annotations

import datetime as dt
import random

import polars as pl

DAY1 = dt.date(2026, 1, 5)
DAY2 = dt.date(2026, 1, 6)
T0 = dt.datetime(2026, 1, 5, 9, 0)
LEVELS = 3


def l2_frame(rows: list[dict[str, object]]) -> pl.DataFrame:
    """An ``l2`` frame from dict rows (missing book columns are null), BMLL dtypes."""
    schema: dict[str, pl.DataType] = {
        "ListingId": pl.Int64(),
        "TradeDate": pl.Date(),
        "EventTimestamp": pl.Datetime("us"),
        "L2EventNo": pl.Int64(),
        "MarketState": pl.String(),
    }
    for level in range(1, LEVELS + 1):
        for side in ("Bid", "Ask"):
            schema[f"{side}Price{level}"] = pl.Float64()
            schema[f"{side}Quantity{level}"] = pl.Int64()
    full = []
    for row in rows:
        item = {name: row.get(name) for name in schema}
        item.setdefault("ListingId", 1)
        if item["ListingId"] is None:
            item["ListingId"] = 1
        if item["MarketState"] is None and "MarketState" not in row:
            item["MarketState"] = "CONTINUOUS_TRADING"
        if item["TradeDate"] is None and isinstance(item["EventTimestamp"], dt.datetime):
            item["TradeDate"] = item["EventTimestamp"].date()
        full.append(item)
    return pl.DataFrame(full, schema=schema, orient="row")


def trades_frame(rows: list[dict[str, object]]) -> pl.DataFrame:
    """A trades-plus frame from dict rows (defaults: listing 1, lit continuous, unknown side)."""
    schema = {
        "ListingId": pl.Int64(),
        "TradeDate": pl.Date(),
        "TradeTimestamp": pl.Datetime("us"),
        "Price": pl.Float64(),
        "Size": pl.Float64(),
        "AggressorSide": pl.Int64(),
        "Classification": pl.String(),
    }
    full = []
    for row in rows:
        item = {name: row.get(name) for name in schema}
        item["ListingId"] = row.get("ListingId", 1)
        item["Classification"] = row.get("Classification", "LIT_CONTINUOUS")
        item["AggressorSide"] = row.get("AggressorSide", 0)
        if item["TradeDate"] is None and isinstance(item["TradeTimestamp"], dt.datetime):
            item["TradeDate"] = item["TradeTimestamp"].date()
        full.append(item)
    return pl.DataFrame(full, schema=schema, orient="row")


def _times(rng: random.Random, day: dt.date, count: int, span_s: float) -> list[dt.datetime]:
    start = dt.datetime.combine(day, dt.time(9, 0))
    out: list[dt.datetime] = []
    t = start
    for _ in range(count):
        if not out or rng.random() > 0.15:  # 15% share the previous timestamp
            t = t + dt.timedelta(microseconds=rng.randint(1, int(span_s * 2e6 / count)))
        out.append(t)
    return out


def random_l2(seed: int, listings: int = 2, per_day: int = 400, span_s: float = 600.0) -> pl.DataFrame:
    """Random snapshots of ``listings`` listings over two days (rows shuffled)."""
    rng = random.Random(seed)
    rows: list[dict[str, object]] = []
    for listing in range(1, listings + 1):
        for day in (DAY1, DAY2):
            mid_ticks = 1000
            state = "CONTINUOUS_TRADING"
            times = _times(rng, day, per_day, span_s)
            for n, t in enumerate(times):
                mid_ticks += rng.choice([-1, 0, 0, 0, 1])
                spread = rng.choice([1, 1, 1, 2, 3])
                if rng.random() < 0.03:
                    state = rng.choice(["CONTINUOUS_TRADING", "AUCTION", "HALTED", None])
                elif state != "CONTINUOUS_TRADING" and rng.random() < 0.3:
                    state = "CONTINUOUS_TRADING"
                row: dict[str, object] = {
                    "ListingId": listing,
                    "TradeDate": day,
                    "EventTimestamp": t,
                    # A null L2EventNo only on a timestamp of its own: the order stays unambiguous.
                    "L2EventNo": None
                    if rng.random() < 0.02 and t not in (times[n - 1], times[min(n + 1, per_day - 1)]) and n
                    else n,
                    "MarketState": state,
                }
                for level in range(1, LEVELS + 1):
                    bid = (mid_ticks - level + 1) * 0.01
                    ask = (mid_ticks + spread + level - 1) * 0.01
                    for side, price in (("Bid", bid), ("Ask", ask)):
                        u = rng.random()
                        if u < 0.04:
                            row[f"{side}Price{level}"] = None
                        elif u < 0.06:
                            row[f"{side}Price{level}"] = float("nan")
                        else:
                            row[f"{side}Price{level}"] = round(price, 2)
                        row[f"{side}Quantity{level}"] = (
                            None if rng.random() < 0.02 else rng.choice([0, 100, 200, 300, 500])
                        )
                rows.append(row)
    rng.shuffle(rows)
    return l2_frame(rows)


def random_trades(seed: int, listings: int = 2, per_day: int = 300, span_s: float = 600.0) -> pl.DataFrame:
    """Random trades of ``listings`` listings over two days, time-ordered per listing (ties: input order)."""
    rng = random.Random(seed)
    rows: list[dict[str, object]] = []
    for listing in range(1, listings + 1):
        for day in (DAY1, DAY2):
            ticks = 1000
            for t in _times(rng, day, per_day, span_s):
                ticks += rng.choice([-2, -1, 0, 0, 0, 1, 2])
                price: float | None = round(ticks * 0.01, 2)
                u = rng.random()
                if u < 0.02:
                    price = None
                elif u < 0.03:
                    price = float("nan")
                rows.append(
                    {
                        "ListingId": listing,
                        "TradeTimestamp": t,
                        "Price": price,
                        "Size": None
                        if rng.random() < 0.02
                        else float(rng.choice([0, 1, 50, 100, 100, 250, 1000])),
                        "AggressorSide": rng.choice([0, 1, 1, 2, 2, None]),
                        "Classification": "LIT_CONTINUOUS" if rng.random() < 0.9 else "OFF_BOOK_ON_EXCHANGE",
                    }
                )
    return trades_frame(rows)
