"""Helpers of the replay tests: L3 and market-state frames from compact tuples."""

from __future__ import annotations

import datetime as dt

import polars as pl

DAY = dt.datetime(2024, 3, 4)
T0 = dt.datetime(2024, 3, 4, 8, 0)
CONT = "CONTINUOUS_TRADING"


def l3(events: list[tuple], listing: int = 7) -> pl.DataFrame:
    """L3 rows from ``(ms, side, action, order_id, price, size, old_id[, eoe[, state]])`` tuples.

    Times are milliseconds after 08:00; ``EventNo`` and ``BMLLSequenceNo`` follow the list order.
    """
    rows = []
    for k, event in enumerate(events):
        ms, side, action, oid, price, size, old = event[:7]
        eoe = event[7] if len(event) > 7 else True
        state = event[8] if len(event) > 8 else CONT
        rows.append(
            {
                "ListingId": listing,
                "TradeDate": DAY,
                "TimestampNanoseconds": T0 + dt.timedelta(milliseconds=ms),
                "EventNo": k + 1,
                "BMLLSequenceNo": 1_000 + 8 * (k + 1),
                "Side": side,
                "LobAction": action,
                "OrderId": oid,
                "OldOrderId": old,
                "Price": price,
                "Size": size,
                "EndOfEvent": eoe,
                "MarketState": state,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "ListingId": pl.Int64,
            "TradeDate": pl.Datetime("ms"),
            "TimestampNanoseconds": pl.Datetime("ns"),
            "EventNo": pl.Int64,
            "BMLLSequenceNo": pl.Int64,
            "Side": pl.Int64,
            "LobAction": pl.Int64,
            "OrderId": pl.String,
            "OldOrderId": pl.String,
            "Price": pl.Float64,
            "Size": pl.Int64,
            "EndOfEvent": pl.Boolean,
            "MarketState": pl.String,
        },
    )


def marketstate(changes: list[tuple[float, int, str]], listing: int = 7) -> pl.DataFrame:
    """Market-state rows from ``(ms, BMLLSequenceNo, state)``."""
    return pl.DataFrame(
        {
            "ListingId": [listing] * len(changes),
            "TimestampNanoseconds": [T0 + dt.timedelta(milliseconds=ms) for ms, _, _ in changes],
            "BMLLSequenceNo": [seq for _, seq, _ in changes],
            "MarketState": [state for _, _, state in changes],
        },
        schema={
            "ListingId": pl.Int64,
            "TimestampNanoseconds": pl.Datetime("ns"),
            "BMLLSequenceNo": pl.Int64,
            "MarketState": pl.String,
        },
    )
