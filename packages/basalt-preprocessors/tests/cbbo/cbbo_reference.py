"""A plain-Python consolidated book, written from the definition (loops and dicts), for the tests.

For each instrument-day: the event times are the distinct EventTimestamps of its venues'
snapshots; at each, every venue's book is its last snapshot (largest L2EventNo) at or before
that time; quantities and orders are summed by price across venues; bids ranked by descending,
asks by ascending price.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import polars as pl


def reference_cbbo(
    l2: pl.DataFrame,
    reference: pl.DataFrame,
    *,
    levels: int = 10,
    continuous_only: bool = False,
    mics: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    """One dict per (InstrumentId, EventTimestamp), in that order, with the book columns."""
    instrument = dict(zip(reference["ListingId"], reference["InstrumentId"], strict=True))
    snaps: dict[tuple[int, Any], list[dict[str, Any]]] = defaultdict(list)
    for row in l2.iter_rows(named=True):
        if row["ListingId"] in instrument:
            snaps[(instrument[row["ListingId"]], row["TradeDate"])].append(row)
    out = []
    for (inst, _day), rows in sorted(snaps.items()):
        times = sorted({r["EventTimestamp"] for r in rows})
        by_venue: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for r in rows:
            by_venue[r["ListingId"]].append(r)
        for t in times:
            book: dict[str, dict[float, list[Any]]] = {"Bid": {}, "Ask": {}}
            for venue_rows in by_venue.values():
                before = [r for r in venue_rows if r["EventTimestamp"] <= t]
                if not before:
                    continue
                last = max(before, key=lambda r: (r["EventTimestamp"], r["L2EventNo"]))
                if continuous_only and last["MarketState"] != "CONTINUOUS_TRADING":
                    continue
                for side in ("Bid", "Ask"):
                    for i in range(1, 11):
                        price = last[f"{side}Price{i}"]
                        if price is None:
                            continue
                        entry = book[side].setdefault(price, [0, 0, {m: [0, 0] for m in mics}])
                        entry[0] += last[f"{side}Quantity{i}"]
                        entry[1] += last[f"{side}NumOrders{i}"]
                        if last["MIC"] in entry[2]:
                            entry[2][last["MIC"]][0] += last[f"{side}Quantity{i}"]
                            entry[2][last["MIC"]][1] += last[f"{side}NumOrders{i}"]
            row: dict[str, Any] = {"InstrumentId": inst, "EventTimestamp": t}
            for side in ("Bid", "Ask"):
                prices = sorted(book[side], reverse=side == "Bid")
                row[f"{side}LevelCount"] = len(prices)
                for i in range(levels):
                    price = prices[i] if i < len(prices) else None
                    entry = book[side][price] if price is not None else [0, 0, {m: [0, 0] for m in mics}]
                    row[f"{side}Price{i + 1}"] = price
                    row[f"{side}Quantity{i + 1}"] = entry[0]
                    row[f"{side}NumOrders{i + 1}"] = entry[1]
                    for m in mics:
                        row[f"{side}Quantity{i + 1}At{m}"] = entry[2][m][0]
                        row[f"{side}NumOrders{i + 1}At{m}"] = entry[2][m][1]
            out.append(row)
    return out
