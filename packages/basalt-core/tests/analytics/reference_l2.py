"""Slow, plain reference implementations of ``l2`` and ``l2tw`` for the tests.

Written from the documented rules with Python loops over rows and nothing
shared with the modules' code: snapshots come in as dicts, every measure is a
plain formula, time-weighted sums are exact (``Fraction``). The results are
rows of plain values keyed by (ListingId, bucket label in integer ns).
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime, time
from fractions import Fraction
from typing import Any

import polars as pl

Keep = Any
"""Optional filters of the market-state reference (``reference_l2_states``): ``keep(snap) -> bool``
and ``cut_at(snap) -> int | None`` (ns at which a kept snapshot's time ends)."""

EPOCH = datetime(1970, 1, 1)
NS_PER_DAY = 86_400 * 10**9
SIDES = ("Bid", "Ask")
BOOK_FAMILIES = ("levels", "cumulative", "imbalance", "spread", "mid")
ALL_SERIES = ("Mid", "Bid", "Ask", "WeightedMid")


def ns_of(moment: datetime) -> int:
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 10**9 + delta.microseconds * 1000


def day_start_ns(day: date | datetime) -> int:
    return ns_of(datetime(day.year, day.month, day.day))


# ------------------------------------------------------------------ columns


def expected_columns(
    levels: int = 10,
    families: tuple[str, ...] = (*BOOK_FAMILIES, "ohlc"),
    ohlc_series: tuple[str, ...] = ALL_SERIES,
    suffix: str = "",
) -> list[str]:
    """Output columns in the documented order."""
    names: list[str] = []
    if "levels" in families:
        for level in range(1, levels + 1):
            for side in SIDES:
                names += [f"{side}Price{level}", f"{side}Quantity{level}", f"{side}NumOrders{level}"]
    if "cumulative" in families:
        for level in range(1, levels + 1):
            for side in SIDES:
                names += [f"{side}CumQuantity{level}", f"{side}CumNotional{level}", f"{side}CumOrders{level}"]
    if "imbalance" in families:
        for level in range(1, levels + 1):
            names += [f"Imbalance{m}{level}" for m in ("Quantity", "CumQuantity", "CumNotional", "CumOrders")]
    if "spread" in families:
        names += ["SpreadAbs", "SpreadBps"]
    if "mid" in families:
        names += ["Mid", "WeightedMid", "Microprice"]
    names = [name + suffix for name in names]
    if "ohlc" in families and not suffix:
        names += [
            f"{s}{bar}" for s in ALL_SERIES if s in ohlc_series for bar in ("Open", "High", "Low", "Close")
        ]
    return names


# ----------------------------------------------------------------- snapshots


def _price(row: dict[str, Any], side: str, level: int) -> float | None:
    value = row.get(f"{side}Price{level}")
    if value is None or math.isnan(value):
        return None
    return value


def _imbalance(bid: float | None, ask: float | None) -> float | None:
    if bid is None or ask is None or bid + ask == 0:
        return None
    return (bid - ask) / (bid + ask)


def _weighted(bid: float | None, ask: float | None, bid_qty: float | None, ask_qty: float | None):
    if None in (bid, ask, bid_qty, ask_qty) or bid_qty + ask_qty == 0:
        return None
    return (bid * ask_qty + ask * bid_qty) / (bid_qty + ask_qty)


def snapshot_values(row: dict[str, Any], microprice_levels: int = 3) -> dict[str, Any]:
    """Every measure of one snapshot, for all 10 levels."""
    out: dict[str, Any] = {}
    for side in SIDES:
        cum_qty, cum_notional, cum_orders = 0, 0.0, 0
        for level in range(1, 11):
            price = _price(row, side, level)
            qty = row.get(f"{side}Quantity{level}")
            orders = row.get(f"{side}NumOrders{level}")
            out[f"{side}Price{level}"] = price
            out[f"{side}Quantity{level}"] = qty
            out[f"{side}NumOrders{level}"] = orders
            if qty is not None:
                cum_qty += qty
            if price is not None and qty is not None:
                cum_notional += price * qty
            if orders is not None:
                cum_orders += orders
            out[f"{side}CumQuantity{level}"] = cum_qty
            out[f"{side}CumNotional{level}"] = cum_notional
            out[f"{side}CumOrders{level}"] = cum_orders
    for level in range(1, 11):
        for m in ("Quantity", "CumQuantity", "CumNotional", "CumOrders"):
            out[f"Imbalance{m}{level}"] = _imbalance(out[f"Bid{m}{level}"], out[f"Ask{m}{level}"])
    bid, ask = out["BidPrice1"], out["AskPrice1"]
    if bid is None or ask is None:
        out["SpreadAbs"] = out["SpreadBps"] = out["Mid"] = None
    else:
        mid = (bid + ask) / 2
        out["SpreadAbs"] = ask - bid
        out["SpreadBps"] = 10_000.0 * (ask - bid) / mid if mid > 0 else None
        out["Mid"] = mid
    out["WeightedMid"] = _weighted(bid, ask, out["BidQuantity1"], out["AskQuantity1"])
    depth = microprice_levels
    out["Microprice"] = _weighted(bid, ask, out[f"BidCumQuantity{depth}"], out[f"AskCumQuantity{depth}"])
    out["Bid"], out["Ask"] = bid, ask
    return out


def _snapshots(frame: pl.DataFrame, microprice_levels: int) -> list[dict[str, Any]]:
    has_trade_date = "TradeDate" in frame.columns
    if "TimestampNanoseconds" in frame.columns:  # as integer ns: Python datetimes stop at µs
        frame = frame.with_columns(pl.col("TimestampNanoseconds").cast(pl.Int64).alias("__tns"))
    snaps = []
    for row in frame.to_dicts():
        moment = row["EventTimestamp"]
        if moment is None:
            continue
        day = row["TradeDate"] if has_trade_date else moment.date()
        event_no = row["L2EventNo"]
        snaps.append(
            {
                "listing": row["ListingId"],
                "t": ns_of(moment),
                "at": row["__tns"] if row.get("__tns") is not None else ns_of(moment),
                "order": (ns_of(moment), -math.inf if event_no is None else event_no),
                "day": day_start_ns(day),
                "values": snapshot_values(row, microprice_levels),
            }
        )
    return snaps


def _bucket_end(t: int, size: int, closed: str) -> int:
    """End of the bucket holding instant ``t``: (start, end] when right-closed, [start, end) else."""
    if closed == "right":
        quotient, remainder = divmod(t, size)
        return (quotient + (1 if remainder else 0)) * size
    return (t // size + 1) * size


# ------------------------------------------------------------------------ l2


def reference_l2(
    frame: pl.DataFrame,
    *,
    levels: int = 10,
    families: tuple[str, ...] = (*BOOK_FAMILIES, "ohlc"),
    microprice_levels: int = 3,
    ohlc_series: tuple[str, ...] = ALL_SERIES,
    open_mode: str = "event",
    seconds: float = 60.0,
    closed: str = "right",
    anchor: str = "end",
    keep: Keep = None,
) -> dict[tuple[int, int], dict[str, Any]]:
    """(ListingId, label ns) → output row of ``l2`` (only the snapshots ``keep`` accepts, if given)."""
    size = round(seconds * 1e9)
    columns = expected_columns(levels, families, ohlc_series)
    groups: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
    by_listing_day: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
    for snap in _snapshots(frame, microprice_levels):
        if keep is not None and not keep(snap):
            continue
        end = _bucket_end(snap["t"], size, closed)
        label = end if anchor == "end" else end - size
        groups[(snap["listing"], label)].append(snap)
        by_listing_day[(snap["listing"], snap["day"])].append(snap)
    for snaps in [*groups.values(), *by_listing_day.values()]:
        snaps.sort(key=lambda s: s["order"])

    out: dict[tuple[int, int], dict[str, Any]] = {}
    for key, snaps in groups.items():
        last = snaps[-1]["values"]
        row = {name: last[name] for name in columns if name in last}
        for series in ohlc_series if "ohlc" in families else ():
            if open_mode == "event":
                bar = _bar([s["values"][series] for s in snaps])
            else:
                bar = _prev_close_bar(series, snaps, by_listing_day)
            row.update(
                {
                    f"{series}{name}": value
                    for name, value in zip(("Open", "High", "Low", "Close"), bar, strict=True)
                }
            )
        out[key] = row
    return out


def assert_l2_matches_reference(result: pl.DataFrame, frame: pl.DataFrame, cfg: Any, grid: Any) -> None:
    """``result`` of ``l2`` under config ``cfg`` and buckets ``grid`` equals the reference on ``frame``."""
    expected = reference_l2(
        frame,
        levels=cfg.levels,
        families=cfg.families,
        microprice_levels=cfg.microprice_levels,
        ohlc_series=cfg.ohlc_series,
        open_mode=cfg.open_mode,
        seconds=grid.seconds,
        closed=grid.closed,
        anchor=grid.anchor,
    )
    assert_matches(result, expected, expected_columns(cfg.levels, cfg.families, cfg.ohlc_series))


def _bar(values: list[float | None]) -> tuple[Any, Any, Any, Any]:
    present = [v for v in values if v is not None]
    if not present:
        return (None, None, None, None)
    return (present[0], max(present), min(present), present[-1])


def _prev_close_bar(series: str, snaps: list[dict[str, Any]], by_day: dict) -> tuple[Any, Any, Any, Any]:
    """Bar of one bucket in prev_close mode: per trading day part, then parts merged in time order."""
    parts: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for snap in snaps:
        parts[snap["day"]].append(snap)
    bars = []
    for day, part in sorted(parts.items(), key=lambda item: item[1][0]["order"]):
        first = part[0]
        earlier = [
            s["values"][series]
            for s in by_day[(first["listing"], day)]
            if s["order"] < first["order"] and s["values"][series] is not None
        ]
        previous = earlier[-1] if earlier else None
        opening, high, low, closing = _bar([s["values"][series] for s in part])
        if previous is not None:
            opening = previous
            high = previous if high is None else max(high, previous)
            low = previous if low is None else min(low, previous)
            closing = previous if closing is None else closing
        bars.append((opening, high, low, closing))
    opens = [b[0] for b in bars if b[0] is not None]
    highs = [b[1] for b in bars if b[1] is not None]
    lows = [b[2] for b in bars if b[2] is not None]
    closes = [b[3] for b in bars if b[3] is not None]
    return (
        opens[0] if opens else None,
        max(highs) if highs else None,
        min(lows) if lows else None,
        closes[-1] if closes else None,
    )


# ---------------------------------------------------------------------- l2tw


def reference_l2tw(
    frame: pl.DataFrame,
    *,
    levels: int = 10,
    families: tuple[str, ...] = BOOK_FAMILIES,
    microprice_levels: int = 3,
    seconds: float = 60.0,
    closed: str = "right",
    anchor: str = "end",
    session_end: time | None = None,
    keep: Keep = None,
    cut_at: Keep = None,
) -> dict[tuple[int, int], dict[str, Any]]:
    """(ListingId, label ns) → output row of ``l2tw`` (exact sums, rounded once at the end).

    With ``keep``/``cut_at``: every snapshot still ends the one before it, but only
    those ``keep`` accepts weigh, each until ``cut_at(snap)`` at the latest.
    """
    size = round(seconds * 1e9)
    names = expected_columns(levels, families, suffix="")
    by_listing_day: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
    for snap in _snapshots(frame, microprice_levels):
        by_listing_day[(snap["listing"], snap["day"])].append(snap)

    total: dict[tuple[int, int], int] = defaultdict(int)
    numerator: dict[tuple[int, int], dict[str, Fraction]] = defaultdict(lambda: defaultdict(Fraction))
    denominator: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for (listing, day), snaps in by_listing_day.items():
        snaps.sort(key=lambda s: s["order"])
        for i, snap in enumerate(snaps):
            start = snap["t"]
            if i + 1 < len(snaps):
                end = snaps[i + 1]["t"]
            elif session_end is None:
                end = _bucket_end(start, size, closed)
            else:
                end = None
            if session_end is not None:
                cut = day + ((session_end.hour * 60 + session_end.minute) * 60 + session_end.second) * 10**9
                cut += session_end.microsecond * 1000
                start = min(start, cut)
                end = cut if end is None else min(end, cut)
            if keep is not None and not keep(snap):
                continue
            stop = cut_at(snap) if cut_at is not None else None
            if stop is not None:
                end = min(end, stop)
            k = start // size
            while k * size < end:
                piece = min(end, (k + 1) * size) - max(start, k * size)
                if piece > 0:
                    key = (listing, (k + 1) * size if anchor == "end" else k * size)
                    total[key] += piece
                    for name in names:
                        value = snap["values"][name]
                        if value is not None:
                            numerator[key][name] += Fraction(value) * piece
                            denominator[key][name] += piece
                k += 1
    out: dict[tuple[int, int], dict[str, Any]] = {}
    for key, weight in total.items():
        if weight <= 0:
            continue
        row = {}
        for name in names:
            den = denominator[key][name]
            row[name + "TWA"] = float(numerator[key][name] / den) if den else None
        out[key] = row
    return out


# ------------------------------------------------------------------ compare


def assert_matches(
    result: pl.DataFrame,
    expected: dict[tuple[int, int], dict[str, Any]],
    columns: list[str],
    rel_tol: float = 1e-9,
    abs_tol: float = 1e-12,
) -> None:
    """Same keys in order, same columns in order, same nulls, values within tolerance."""
    assert result.columns == ["ListingId", "TimeBucket", *columns]
    keys = list(
        zip(result["ListingId"].to_list(), result["TimeBucket"].cast(pl.Int64).to_list(), strict=True)
    )
    assert keys == sorted(expected), "rows (ListingId, TimeBucket) differ from the reference"
    for name in columns:
        got = result[name].to_list()
        for key, value in zip(keys, got, strict=True):
            want = expected[key][name]
            if want is None or value is None:
                assert (value, want) == (None, None), f"{name} at {key}: got {value}, want {want}"
            else:
                assert math.isclose(value, want, rel_tol=rel_tol, abs_tol=abs_tol), (
                    f"{name} at {key}: got {value!r}, want {want!r}"
                )
