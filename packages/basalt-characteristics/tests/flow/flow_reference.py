"""Plain-Python references of the flow modules, written from the papers' formulas (no Polars maths).

Each takes rows as lists of dicts (``frame.to_dicts()``) and returns
``{(ListingId, bucket_end_ns): {column: value or None}}`` for 60-second,
right-closed, end-labelled buckets.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math
from collections import defaultdict
from fractions import Fraction
from typing import Any

import numpy as np

Row = dict[str, Any]
Result = dict[tuple[int, int], dict[str, Any]]
BUCKET_NS = 60 * 10**9
EPOCH = dt.datetime(1970, 1, 1)


def to_ns(value: dt.datetime | int) -> int:
    """A naive datetime (microsecond precision) or integer nanoseconds, as integer nanoseconds."""
    if isinstance(value, int):
        return value
    delta = value - EPOCH
    return (delta.days * 86400 + delta.seconds) * 10**9 + delta.microseconds * 1000


def bucket_end(ns: int) -> int:
    """End of the (start, end] 60 s bucket holding ``ns``."""
    return -((-ns) // BUCKET_NS) * BUCKET_NS


def phi(z: float) -> float:
    """Standard normal CDF."""
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


def kept_trades(rows: list[Row]) -> dict[tuple[int, dt.date], list[Row]]:
    """Lit continuous trades with time, price and size, per listing-day in (time, input order)."""
    days: dict[tuple[int, dt.date], list[Row]] = defaultdict(list)
    for i, row in enumerate(rows):
        if row["Classification"] != "LIT_CONTINUOUS":
            continue
        if row["TradeTimestamp"] is None or row["InstrumentCurrencyPrice"] is None or row["Size"] is None:
            continue
        days[(row["ListingId"], row["TradeDate"].date())].append(
            {**row, "_i": i, "_ns": to_ns(row["TradeTimestamp"])}
        )
    for trades in days.values():
        trades.sort(key=lambda r: (r["_ns"], r["_i"]))
    return days


def quote_book(
    l2: list[Row], time: str = "EventTimestamp"
) -> dict[tuple[int, dt.date], tuple[list[int], list[Row]]]:
    """Snapshots per listing-day sorted by (time, L2EventNo), with their times for bisect."""
    books: dict[tuple[int, dt.date], list[Row]] = defaultdict(list)
    for row in l2:
        books[(row["ListingId"], row["TradeDate"].date())].append({**row, "_ns": to_ns(row[time])})
    out = {}
    for key, snaps in books.items():
        snaps.sort(key=lambda r: (r["_ns"], r.get("L2EventNo", 0)))
        out[key] = ([s["_ns"] for s in snaps], snaps)
    return out


def prevailing(
    books: dict, key: tuple[int, dt.date], ns: int, bid: str = "BidPrice1", ask: str = "AskPrice1"
):
    """(bid, ask) of the last snapshot strictly before ``ns`` (None, None when there is none)."""
    if key not in books:
        return None, None
    times, snaps = books[key]
    i = bisect.bisect_left(times, ns)
    if i == 0:
        return None, None
    return snaps[i - 1][bid], snaps[i - 1][ask]


def sign_of(x: float) -> int:
    return 1 if x > 0 else -1 if x < 0 else 0


# -- classification ------------------------------------------------------------------------------


def reference_classification(trades: list[Row], l2: list[Row]) -> Result:
    """Tick rule, Lee-Ready and BVC volumes and accuracies per bucket (default configuration)."""
    books = quote_book(l2)
    out: Result = {}
    for key, day in kept_trades(trades).items():
        cells: dict[int, list[tuple[Row, int, int]]] = defaultdict(list)
        for t, trade in enumerate(day):
            p = trade["InstrumentCurrencyPrice"]
            tick = 0
            for earlier in reversed(day[:t]):  # last different earlier price
                if earlier["InstrumentCurrencyPrice"] != p:
                    tick = sign_of(p - earlier["InstrumentCurrencyPrice"])
                    break
            bid, ask = prevailing(books, key, trade["_ns"])
            if bid is None or ask is None:
                lee_ready = tick
            else:
                mid = (bid + ask) / 2
                lee_ready = 1 if p > mid else -1 if p < mid else tick
            cells[bucket_end(trade["_ns"])].append((trade, tick, lee_ready))
        labels = sorted(cells)
        lasts = [cells[b][-1][0]["InstrumentCurrencyPrice"] for b in labels]
        changes = [None] + [lasts[i] - lasts[i - 1] for i in range(1, len(lasts))]
        known = [c for c in changes if c is not None]
        sigma = float(np.std(known)) if known else None
        for b, change in zip(labels, changes, strict=True):
            rows = cells[b]
            truth = [
                1 if r["AggressorSide"] == 1 else -1 if r["AggressorSide"] == 2 else None for r, _, _ in rows
            ]
            sizes = [r["Size"] for r, _, _ in rows]
            vk = sum(s for s, t in zip(sizes, truth, strict=True) if t is not None)
            vb = sum(s for s, t in zip(sizes, truth, strict=True) if t == 1)
            vs = sum(s for s, t in zip(sizes, truth, strict=True) if t == -1)
            row: dict[str, Any] = {}
            for name, col in (("TickRule", 1), ("LeeReady", 2)):
                signs = [x[col] for x in rows]
                row[f"{name}BuyVolume"] = float(sum(s for s, g in zip(sizes, signs, strict=True) if g == 1))
                row[f"{name}SellVolume"] = float(sum(s for s, g in zip(sizes, signs, strict=True) if g == -1))
                good = sum(s for s, g, t in zip(sizes, signs, truth, strict=True) if t is not None and g == t)
                row[f"{name}Accuracy"] = good / vk if vk > 0 else None
            if change is None or sigma is None:
                f = None
            elif change == 0:
                f = 0.5
            elif sigma == 0:
                f = 1.0 if change > 0 else 0.0
            else:
                f = phi(change / sigma)
            volume = sum(sizes)
            row["BVCBuyVolume"] = None if f is None else f * volume
            row["BVCSellVolume"] = None if f is None else (1 - f) * volume
            row["BVCAccuracy"] = (
                None if f is None or vk <= 0 else (min(f * vk, vb) + min((1 - f) * vk, vs)) / vk
            )
            out[(key[0], b)] = row
    return out


# -- VPIN ----------------------------------------------------------------------------------------


def reference_vpin(
    trades: list[Row], buckets_per_day: int | None = 50, volume: float | None = None, window: int = 10
) -> Result:
    """VPIN per listing-day, splitting trades into equal-volume buckets with exact fractions."""
    out: Result = {}
    for key, day in kept_trades(trades).items():
        total = sum(Fraction(r["Size"]) for r in day)
        size = Fraction(volume) if volume is not None else (total / buckets_per_day if total > 0 else None)
        completions: list[tuple[int, float]] = []  # (time bucket, last price) of each completed bucket
        fill = Fraction(0)
        if size is not None:
            for trade in day:
                remaining = Fraction(trade["Size"])
                while fill + remaining >= size:  # this trade fills the current bucket (split if it straddles)
                    remaining -= size - fill
                    fill = Fraction(0)
                    completions.append((bucket_end(trade["_ns"]), trade["InstrumentCurrencyPrice"]))
                fill += remaining
        changes = [completions[j][1] - completions[j - 1][1] for j in range(1, len(completions))]
        sigma = float(np.std(changes)) if changes else None
        vpins: list[float | None] = [None]  # bucket 1 is never classified
        imbalances: list[float] = []
        for change in changes:
            z = 0.0 if change == 0 else (math.copysign(math.inf, change) if sigma == 0 else change / sigma)
            buy = float(size) * phi(z)
            sell = float(size) - buy
            imbalances.append(abs(buy - sell))
            window_sum = sum(imbalances[-window:])
            vpins.append(window_sum / (window * float(size)) if len(imbalances) >= window else None)
        labels = sorted({bucket_end(r["_ns"]) for r in day})
        for b in labels:
            done = [j for j, (label, _) in enumerate(completions) if label <= b]
            out[(key[0], b)] = {
                "VPIN": vpins[done[-1]] if done else None,
                "VPINBucketCount": len(done),
                "VPINBucketVolume": float(size) if size is not None else None,
            }
    return out


# -- trade characteristics -----------------------------------------------------------------------


def reference_trade_characteristics(trades: list[Row], l2: list[Row], lags: int = 5) -> Result:
    """Size, odd-lot, duration, sign autocorrelation and quote-location statistics per bucket."""
    books = quote_book(l2)
    cells: dict[tuple[int, int], list[tuple[Row, float | None, tuple]]] = defaultdict(list)
    for key, day in kept_trades(trades).items():
        for t, trade in enumerate(day):
            duration = (trade["_ns"] - day[t - 1]["_ns"]) / 1e9 if t > 0 else None
            quote = prevailing(books, key, trade["_ns"])
            cells[(key[0], bucket_end(trade["_ns"]))].append((trade, duration, quote))
    out: Result = {}
    for cell, rows in cells.items():
        sizes = np.array([r["Size"] for r, _, _ in rows])
        lots = [r["LotType"] for r, _, _ in rows if r["LotType"] is not None]
        durations = [d for _, d, _ in rows if d is not None]
        row: dict[str, Any] = {
            "TradeSizeMean": float(np.mean(sizes)),
            "TradeSizeMedian": float(np.median(sizes)),
            "TradeSizeP90": float(np.quantile(sizes, 0.9)),
            "TradeOddLotShare": sum(1 for lot in lots if lot == "ODD") / len(lots) if lots else None,
            "TradeDurationMean": float(np.mean(durations)) if durations else None,
            "TradeDurationMedian": float(np.median(durations)) if durations else None,
        }
        signs = [1.0 if r["AggressorSide"] == 1 else -1.0 for r, _, _ in rows if r["AggressorSide"] in (1, 2)]
        mean = sum(signs) / len(signs) if signs else 0.0
        denominator = sum((s - mean) ** 2 for s in signs)
        for k in range(1, lags + 1):
            numerator = sum((signs[t] - mean) * (signs[t - k] - mean) for t in range(k, len(signs)))
            row[f"TradeSignAutocorr{k}"] = (
                numerator / denominator if len(signs) > k and denominator > 0 else None
            )
        counts = {"AtTouch": 0, "Inside": 0, "Outside": 0}
        quoted = 0
        for trade, _, (bid, ask) in rows:
            if bid is None or ask is None:
                continue
            quoted += 1
            p = trade["InstrumentCurrencyPrice"]
            if p in (bid, ask):
                counts["AtTouch"] += 1
            elif bid < p < ask:
                counts["Inside"] += 1
            else:
                counts["Outside"] += 1
        for name, count in counts.items():
            row[f"Trade{name}Share"] = count / quoted if quoted else None
        out[cell] = row
    return out


# -- L3 ------------------------------------------------------------------------------------------


def reference_l3(
    l3: list[Row],
    l2: list[Row],
    fleeting_ms: tuple[float, ...] = (100.0, 1000.0),
    tick_size: float | None = None,
) -> Result:
    """Cohort order metrics (by insert bucket) and the cancels' distance from the touch, per bucket."""
    orders: dict[tuple[int, dt.date, str], list[Row]] = defaultdict(list)
    for row in l3:
        if row["OriginalOrderId"]:
            orders[(row["ListingId"], row["TradeDate"].date(), row["OriginalOrderId"])].append(row)
    cohorts: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
    for (listing, _, _), rows in orders.items():
        rows = sorted(rows, key=lambda r: to_ns(r["TimestampNanoseconds"]))
        inserts = [r for r in rows if r["LobAction"] == 2]
        if not inserts:
            continue
        insert = to_ns(inserts[0]["TimestampNanoseconds"])
        ends = [to_ns(r["TimestampNanoseconds"]) for r in rows if r["LobAction"] == 3]
        cancels = [
            to_ns(r["TimestampNanoseconds"]) for r in rows if r["LobAction"] == 3 and not r["OrderExecuted"]
        ]
        cohorts[(listing, bucket_end(insert))].append(
            {
                "insert": insert,
                "end": ends[0] if ends else None,
                "cancel": cancels[0] if cancels else None,
                "size": float(inserts[0]["Size"]),
                "executed": float(sum(r["ExecutionSize"] for r in rows if r["OrderExecuted"])),
                "mods": sum(1 for r in rows if r["LobAction"] == 4 and not r["OrderExecuted"]),
            }
        )
    out: Result = {}
    for cell, group in cohorts.items():
        lifetimes = [(o["end"] - o["insert"]) / 1e9 for o in group if o["end"] is not None]
        inserted = sum(o["size"] for o in group)
        row: dict[str, Any] = {
            "L3OrdersInserted": len(group),
            "L3OrdersCensored": sum(1 for o in group if o["end"] is None),
            "L3OrderLifetimeMedian": float(np.median(lifetimes)) if lifetimes else None,
            "L3OrderLifetimeP90": float(np.quantile(lifetimes, 0.9)) if lifetimes else None,
            "L3FillRatio": sum(o["executed"] for o in group) / inserted if inserted > 0 else None,
            "L3ModificationRate": sum(o["mods"] for o in group) / len(group),
        }
        for ms in fleeting_ms:
            fleeting = sum(
                1 for o in group if o["cancel"] is not None and o["cancel"] - o["insert"] <= ms * 1e6
            )
            row[f"L3FleetingShare{ms:g}ms"] = fleeting / len(group)
        out[cell] = row
    # L3 events meet L2 in nanoseconds when L2 has them (pass them as integer ns).
    books = quote_book(
        l2, "TimestampNanoseconds" if l2 and "TimestampNanoseconds" in l2[0] else "EventTimestamp"
    )
    ticks: dict[tuple[int, dt.date], float | None] = {}
    for key, (_, snaps) in books.items():
        prices = sorted({p for s in snaps for p in (s["BidPrice1"], s["AskPrice1"]) if p is not None})
        gaps = [b - a for a, b in itertools.pairwise(prices) if b - a > 0]
        ticks[key] = round(min(gaps), 10) if gaps else None
    distances: dict[tuple[int, int], list[float]] = defaultdict(list)
    seen: set[tuple[int, int]] = set()
    for row in l3:
        if row["LobAction"] != 3 or row["OrderExecuted"]:
            continue
        ns = to_ns(row["TimestampNanoseconds"])
        key = (row["ListingId"], row["TradeDate"].date())
        cell = (row["ListingId"], bucket_end(ns))
        seen.add(cell)
        bid, ask = prevailing(books, key, ns)
        tick = tick_size if tick_size is not None else ticks.get(key)
        touch = bid if row["Side"] == 1 else ask if row["Side"] == 2 else None
        if touch is None or tick is None or row["OldPrice"] is None:
            continue
        gap = touch - row["OldPrice"] if row["Side"] == 1 else row["OldPrice"] - touch
        distances[cell].append(round(gap / tick, 6))
    for cell in seen | set(out):
        row = out.setdefault(
            cell,
            {
                "L3OrdersInserted": 0,
                "L3OrdersCensored": 0,
                "L3OrderLifetimeMedian": None,
                "L3OrderLifetimeP90": None,
                "L3FillRatio": None,
                "L3ModificationRate": None,
                **{f"L3FleetingShare{ms:g}ms": None for ms in fleeting_ms},
            },
        )
        row["L3CancelDistanceTicksMedian"] = (
            float(np.median(distances[cell])) if distances.get(cell) else None
        )
    return out


def assert_matches(result: Any, expected: Result, rel: float = 1e-9) -> None:
    """The module's frame equals the reference: same keys, same nulls, values within ``rel``."""
    got = {(r["ListingId"], to_ns(r["TimeBucket"])): r for r in result.to_dicts()}
    assert set(got) == set(expected), (
        sorted(set(got) - set(expected))[:5],
        sorted(set(expected) - set(got))[:5],
    )
    for key, row in expected.items():
        for column, value in row.items():
            actual = got[key][column]
            if value is None:
                assert actual is None, (key, column, actual)
            else:
                assert actual is not None, (key, column, value)
                assert math.isclose(actual, value, rel_tol=rel, abs_tol=1e-12), (key, column, actual, value)
