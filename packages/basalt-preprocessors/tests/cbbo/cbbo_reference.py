"""A plain-Python consolidated book, written from the definition (loops and dicts), for the tests.

For each instrument-day: the event times are the distinct EventTimestamps of its venues'
snapshots; at each, every venue's book is its last snapshot (largest L2EventNo) at or before
that time; quantities and orders are summed by price across venues; bids ranked by descending,
asks by ascending price.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

import polars as pl

EPOCH = datetime.datetime(1970, 1, 1)


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


def reference_cbbo_venue(
    l2: pl.DataFrame, reference: pl.DataFrame, consolidated: list[dict[str, Any]], size_ns: int
) -> dict[tuple[int, int], dict[str, float | None]]:
    """(ListingId, bucket end in ns) → the cbbo_venue measures, by loops; right-closed end-labelled buckets.

    ``consolidated`` is :func:`reference_cbbo`'s output (one day only). Each listing's state changes at
    its own L2 times and its instrument's consolidated times; each state is in force until the next,
    the last until the end of the bucket holding its time ((start, end]).
    """
    instrument = dict(zip(reference["ListingId"], reference["InstrumentId"], strict=True))
    by_listing: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in l2.iter_rows(named=True):
        if row["ListingId"] in instrument:
            by_listing[row["ListingId"]].append(row)
    cons: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in consolidated:
        cons[row["InstrumentId"]].append(row)

    def ns(t: Any) -> int:
        return (t - EPOCH) // datetime.timedelta(microseconds=1) * 1000

    out: dict[tuple[int, int], dict[str, float | None]] = {}
    for listing, rows in by_listing.items():
        inst_rows = cons[instrument[listing]]
        times = sorted({ns(r["EventTimestamp"]) for r in rows} | {ns(r["EventTimestamp"]) for r in inst_rows})
        sums: dict[tuple[int, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
        touched: set[int] = set()
        for i, t in enumerate(times):
            end = times[i + 1] if i + 1 < len(times) else -(-t // size_ns) * size_ns
            mine = [r for r in rows if ns(r["EventTimestamp"]) <= t]
            book = [r for r in inst_rows if ns(r["EventTimestamp"]) <= t]
            values: dict[str, float | None] = {}
            venue = max(mine, key=lambda r: (r["EventTimestamp"], r["L2EventNo"])) if mine else None
            best = book[-1] if book else None
            for side, quote in (("Bid", "CBB"), ("Ask", "CBO")):
                cb = best[f"{side}Price1"] if best else None
                if venue is None or cb is None:
                    for name in (
                        "At{}TimeShare",
                        "At{}QuantityTWA",
                        "{}QuantityShareTWA",
                        "AloneAt{}TimeShare",
                    ):
                        values[name.format(quote)] = None
                    continue
                at = venue[f"{side}Price1"] is not None and venue[f"{side}Price1"] == cb
                q = venue[f"{side}Quantity1"] if at else 0
                cq = best[f"{side}Quantity1"]  # type: ignore[index]
                values[f"At{quote}TimeShare"] = 1.0 if at else 0.0
                values[f"At{quote}QuantityTWA"] = float(q)
                values[f"{quote}QuantityShareTWA"] = q / cq if cq > 0 else None
                values[f"AloneAt{quote}TimeShare"] = 1.0 if at and venue[f"{side}Quantity1"] == cq else 0.0
            start = t
            while start < end:
                k = start // size_ns
                piece_end = min(end, (k + 1) * size_ns)
                w = piece_end - start
                label = (k + 1) * size_ns
                touched.add(label)
                for name, v in values.items():
                    if v is not None:
                        sums[(label, name)][0] += v * w
                        sums[(label, name)][1] += w
                start = piece_end
        forms = ("At{}TimeShare", "At{}QuantityTWA", "{}QuantityShareTWA", "AloneAt{}TimeShare")
        names = [f.format(q) for q in ("CBB", "CBO") for f in forms]
        for label in touched:
            out[(listing, label)] = {
                n: (sums[(label, n)][0] / sums[(label, n)][1] if sums[(label, n)][1] > 0 else None)
                for n in names
            }
    return out
