"""Generated trades, L2 and L3 rows for the flow modules' reference tests (numpy, seeded).

Made to hit the edge cases: several listings and two days, trades on the same
timestamp, repeated prices, unknown and null aggressor sides, null prices and sizes,
zero sizes, other classifications, one-sided and missing quotes, snapshots sharing a
timestamp, orders inserted before the data, orders alive at the day's end.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

DAYS = (dt.date(2024, 3, 4), dt.date(2024, 3, 5))
OPEN_US = 8 * 3600 * 1_000_000
SESSION_US = 12 * 60 * 1_000_000  # 12 minutes a day


def _day_us(day: dt.date) -> int:
    return int((dt.datetime.combine(day, dt.time()) - dt.datetime(1970, 1, 1)).total_seconds()) * 1_000_000


def generate_trades(seed: int = 3, n: int = 1500, listings: int = 3) -> pl.DataFrame:
    """``n`` trades per day over ``listings`` listings, prices on a 0.01 grid, sizes whole shares."""
    rng = np.random.default_rng(seed)
    frames = []
    for day in DAYS:
        listing = rng.integers(1, listings + 1, n)
        micros = rng.integers(0, SESSION_US, n)
        same = rng.random(n) < 0.15  # some trades share a timestamp with another
        micros[same] = micros[rng.integers(0, n, same.sum())]
        on_grid = rng.random(n) < 0.3  # on the 100 ms grid of many snapshots: trade and quote at one time
        micros[on_grid] = micros[on_grid] // 100_000 * 100_000
        on_edge = rng.random(n) < 0.02
        micros[on_edge] = micros[on_edge] // 60_000_000 * 60_000_000
        ticks = np.round(10000 + np.cumsum(rng.choice([-1, 0, 0, 1], n))).astype(np.int64)
        price = ticks / 100.0
        size = rng.integers(1, 3000, n).astype(np.float64)
        size[rng.random(n) < 0.02] = 0.0
        side = rng.choice([1, 2, 0], n, p=[0.45, 0.45, 0.1]).astype(object)
        side[rng.random(n) < 0.03] = None
        price_obj = price.astype(object)
        price_obj[rng.random(n) < 0.01] = None
        size_obj = size.astype(object)
        size_obj[rng.random(n) < 0.01] = None
        frames.append(
            pl.DataFrame(
                {
                    "ListingId": listing.astype(np.int64),
                    "TradeDate": [dt.datetime.combine(day, dt.time())] * n,
                    "TradeTimestamp": (_day_us(day) + OPEN_US + micros).astype("datetime64[us]"),
                    "InstrumentCurrencyPrice": pl.Series(price_obj.tolist(), dtype=pl.Float64),
                    "Price": pl.Series(price_obj.tolist(), dtype=pl.Float64),
                    "Size": pl.Series(size_obj.tolist(), dtype=pl.Float64),
                    "AggressorSide": pl.Series(side.tolist(), dtype=pl.Int64),
                    "Classification": rng.choice(["LIT_CONTINUOUS", "DARK_BELOW_LIS"], n, p=[0.9, 0.1]),
                    "LotType": rng.choice(["ROUND", "ODD", "MIXED", None], n, p=[0.6, 0.2, 0.15, 0.05]),
                }
            ).with_columns(pl.col("TradeDate").dt.cast_time_unit("ms"))
        )
    return pl.concat(frames)


def generate_l2(seed: int = 4, n: int = 900, listings: int = 3) -> pl.DataFrame:
    """Level-1 snapshots: spreads of 1-3 ticks, some one-sided, some sharing a timestamp."""
    rng = np.random.default_rng(seed)
    frames = []
    for day in DAYS:
        listing = rng.integers(1, listings + 1, n)
        micros = rng.integers(0, SESSION_US, n)
        same = rng.random(n) < 0.1
        micros[same] = micros[rng.integers(0, n, same.sum())]
        on_grid = rng.random(n) < 0.5
        micros[on_grid] = micros[on_grid] // 100_000 * 100_000
        bid_ticks = 10000 + np.cumsum(rng.choice([-1, 0, 1], n))
        bid = (bid_ticks / 100.0).astype(object)
        ask = ((bid_ticks + rng.integers(1, 4, n)) / 100.0).astype(object)
        bid[rng.random(n) < 0.03] = None
        ask[rng.random(n) < 0.03] = None
        frames.append(
            pl.DataFrame(
                {
                    "ListingId": listing.astype(np.int64),
                    "TradeDate": [dt.datetime.combine(day, dt.time())] * n,
                    "EventTimestamp": (_day_us(day) + OPEN_US + micros).astype("datetime64[us]"),
                    "L2EventNo": rng.permutation(n).astype(np.int64),
                    "BidPrice1": pl.Series(bid.tolist(), dtype=pl.Float64),
                    "AskPrice1": pl.Series(ask.tolist(), dtype=pl.Float64),
                }
            ).with_columns(pl.col("TradeDate").dt.cast_time_unit("ms"))
        )
    return pl.concat(frames)


def generate_l3(seed: int = 5, orders: int = 500, listings: int = 2) -> pl.DataFrame:
    """Order lifecycles: insert, modifications, partial fills, then cancel / full fill / still alive.

    Some orders have no insert (inserted before the data) and some ids are empty.
    """
    rng = np.random.default_rng(seed)
    rows: list[dict[str, object]] = []
    for day in DAYS:
        base = _day_us(day) * 1000 + OPEN_US * 1000
        for k in range(orders):
            listing = int(rng.integers(1, listings + 1))
            side = int(rng.integers(1, 3))
            oid = f"{day:%d}-{k}" if rng.random() > 0.03 else ""
            t = int(rng.integers(0, SESSION_US * 1000 - 10**10))
            price = round(100.0 + int(rng.integers(-20, 21)) / 100.0, 2)
            size = int(rng.integers(1, 5000))
            common = {"ListingId": listing, "TradeDate": dt.datetime.combine(day, dt.time()), "Side": side}
            common["OriginalOrderId"] = oid
            if rng.random() > 0.05:
                rows.append(
                    {
                        **common,
                        "t": base + t,
                        "LobAction": 2,
                        "OrderExecuted": False,
                        "OldPrice": None,
                        "Size": size,
                        "ExecutionSize": 0,
                    }
                )
            for _ in range(int(rng.integers(0, 3))):
                t += int(rng.exponential(2e8))
                rows.append(
                    {
                        **common,
                        "t": base + t,
                        "LobAction": 4,
                        "OrderExecuted": False,
                        "OldPrice": price,
                        "Size": size,
                        "ExecutionSize": 0,
                    }
                )
            if rng.random() < 0.3:
                t += int(rng.exponential(2e8))
                fill = int(rng.integers(1, size + 1))
                rows.append(
                    {
                        **common,
                        "t": base + t,
                        "LobAction": 4,
                        "OrderExecuted": True,
                        "OldPrice": price,
                        "Size": size - fill,
                        "ExecutionSize": fill,
                    }
                )
            end = rng.random()
            t += int(rng.exponential(5e8)) if rng.random() < 0.5 else int(rng.integers(0, 2e8))
            if end < 0.6:
                rows.append(
                    {
                        **common,
                        "t": base + t,
                        "LobAction": 3,
                        "OrderExecuted": None if end < 0.05 else False,
                        "OldPrice": price,
                        "Size": 0,
                        "ExecutionSize": 0,
                    }
                )
            elif end < 0.8:
                rows.append(
                    {
                        **common,
                        "t": base + t,
                        "LobAction": 3,
                        "OrderExecuted": True,
                        "OldPrice": price,
                        "Size": 0,
                        "ExecutionSize": size,
                    }
                )
    frame = pl.DataFrame(rows, infer_schema_length=None)
    return frame.select(
        "ListingId",
        pl.col("TradeDate").dt.cast_time_unit("ms"),
        pl.col("t").cast(pl.Datetime("ns")).alias("TimestampNanoseconds"),
        pl.col("Side").cast(pl.Int64),
        pl.col("LobAction").cast(pl.Int64),
        pl.col("OrderExecuted").cast(pl.Boolean),
        pl.col("OriginalOrderId").cast(pl.String),
        pl.col("OldPrice").cast(pl.Float64),
        pl.col("Size").cast(pl.Int64),
        pl.col("ExecutionSize").cast(pl.Int64),
    ).sample(fraction=1.0, shuffle=True, seed=seed)
