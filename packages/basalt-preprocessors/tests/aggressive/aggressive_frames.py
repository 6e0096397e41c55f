"""Trades in BMLL's trades-plus column names, by hand or at random, and a plain-Python reconstruction."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from typing import Any

import polars as pl

T0 = dt.datetime(2026, 1, 5, 9)


def trade(
    listing: int,
    nanos: int,
    side: int,
    price: float,
    size: float,
    *,
    seq: int,
    bid: float = 100.0,
    ask: float = 100.1,
    classification: str = "LIT_CONTINUOUS",
) -> dict[str, Any]:
    """One trade of ``listing`` at ``T0 + nanos`` ns with the venue quote (bid, ask) before it."""
    t = T0 + dt.timedelta(microseconds=nanos // 1000)
    return {
        "ListingId": listing,
        "TradeDate": dt.datetime(2026, 1, 5),
        "TradeTimestamp": t,
        "TradeTimestampNanoseconds": nanos,
        "ExchangeSequenceNo": seq,
        "AggressorSide": side,
        "Price": price,
        "Size": size,
        "Classification": classification,
        "BestBidPriceAtVenue": bid,
        "BestAskPriceAtVenue": ask,
        "BestBidPrice": bid - 0.1,
        "BestAskPrice": ask,
    }


def trades_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Rows of :func:`trade` in BMLL dtypes."""
    frame = pl.DataFrame(rows, infer_schema_length=None)
    return frame.with_columns(
        pl.col("TradeDate").cast(pl.Datetime("ms")),
        pl.col("TradeTimestamp").cast(pl.Datetime("us")),
        (pl.col("TradeTimestampNanoseconds") + _epoch_ns(T0)).cast(pl.Datetime("ns")),
        pl.col("Size").cast(pl.Float64),
        pl.col("Price").cast(pl.Float64),
    )


def _epoch_ns(t: dt.datetime) -> int:
    return (t - dt.datetime(1970, 1, 1)) // dt.timedelta(microseconds=1) * 1000


def random_trades(seed: int, n: int = 600) -> pl.DataFrame:
    """Two listings, bursts of fills sharing a timestamp, both sides, off-book and unknown-side trades."""
    rng = random.Random(seed)
    rows, clock = [], 0
    for seq in range(1, n + 1):
        clock += rng.choice([0, 0, 0, 1, 500, 2_000, 100_000])
        rows.append(
            trade(
                rng.choice([1, 2]),
                clock,
                rng.choice([1, 1, 2, 2, 0]),
                rng.choice([99.9, 100.0, 100.1, 100.2]),
                float(rng.randrange(1, 1000)),
                seq=seq,
                bid=rng.choice([99.9, 100.0]),
                ask=rng.choice([100.1, 100.2]),
                classification=rng.choice(["LIT_CONTINUOUS"] * 5 + ["OFF_BOOK_ON_EXCHANGE"]),
            )
        )
    rng.shuffle(rows)  # the module must order them itself
    return trades_frame(rows)


def reference_orders(trades: pl.DataFrame, max_gap_ns: int = 0) -> list[dict[str, Any]]:
    """Aggressive orders by loops: per listing, kept trades in (time, sequence) order, grouped in runs."""
    by_listing: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in trades.with_columns(pl.col("TradeTimestampNanoseconds").cast(pl.Int64)).iter_rows(named=True):
        if row["Classification"] == "LIT_CONTINUOUS" and row["AggressorSide"] in (1, 2):
            by_listing[row["ListingId"]].append(row)
    out = []
    for listing in sorted(by_listing):
        rows = sorted(
            by_listing[listing], key=lambda r: (r["TradeTimestampNanoseconds"], r["ExchangeSequenceNo"])
        )
        runs: list[list[dict[str, Any]]] = []
        for row in rows:
            last = runs[-1][-1] if runs else None
            gap = (row["TradeTimestampNanoseconds"] - last["TradeTimestampNanoseconds"]) if last else None
            if last is not None and last["AggressorSide"] == row["AggressorSide"] and gap <= max_gap_ns:
                runs[-1].append(row)
            else:
                runs.append([row])
        for number, run in enumerate(runs, start=1):
            size = sum(r["Size"] for r in run)
            notional = sum(r["Price"] * r["Size"] for r in run)
            mid = (run[0]["BestBidPriceAtVenue"] + run[0]["BestAskPriceAtVenue"]) / 2
            sign = 1.0 if run[0]["AggressorSide"] == 1 else -1.0
            vwap = notional / size
            out.append(
                {
                    "ListingId": listing,
                    "TradeTimestamp": run[0]["TradeTimestamp"],
                    "AggressiveOrderNo": number,
                    "LastFillTimestamp": run[-1]["TradeTimestamp"],
                    "AggressorSide": run[0]["AggressorSide"],
                    "Size": size,
                    "Fills": len(run),
                    "LevelsWalked": len({r["Price"] for r in run}),
                    "Notional": notional,
                    "FirstPrice": run[0]["Price"],
                    "LastPrice": run[-1]["Price"],
                    "PreTradeMid": mid,
                    "VWAP": vwap,
                    "LastPriceImpactBps": sign * (run[-1]["Price"] - mid) / mid * 1e4,
                    "VWAPImpactBps": sign * (vwap - mid) / mid * 1e4,
                }
            )
    return out
