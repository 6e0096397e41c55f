"""A plain-Python reference for bars (López de Prado, *AFML*, ch. 2), written from the book's rules.

Deliberately unlike the module: no state, no arrays. Trades are first cut into bars
(lists of trades), then each bar's statistics are computed from its list. Carry-over
is modelled without any state at all: with ``carry_over`` a listing's days are one
stream of trades (a bar may span days; an open bar at the end of the data is dropped);
without it each day is cut separately and its last bar closes at the day's end.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from datetime import date
from typing import Any

Trade = dict[str, Any]
"""``ns`` (int), ``price``, ``size`` (floats), ``side`` (int), ``day`` (date)."""


@dataclass
class Cut:
    """One bar: its trades, whether its rule closed it, θ and the threshold when it closed."""

    trades: list[Trade]
    complete: bool
    theta: float = 0.0
    threshold: float = math.nan
    closed_on: date | None = None
    """The day of the event that closed the bar, when not its last trade's (a time bar closes when a
    trade arrives in a later interval: with carry-over, maybe the next day)."""


def _sign_tick_rule(trades: list[Trade]) -> list[int]:
    signs, last_sign, last_price = [], 0, None
    for trade in trades:
        if last_price is not None and trade["price"] != last_price:
            last_sign = 1 if trade["price"] > last_price else -1
        signs.append(last_sign)
        last_price = trade["price"]
    return signs


def cut(trades: list[Trade], cfg: dict[str, Any]) -> tuple[list[Cut], list[Trade]]:
    """Cut one stream of trades into closed bars; returns them and the trades of the open bar."""
    kind = cfg["bar_type"]
    bars: list[Cut] = []
    current: list[Trade] = []
    if kind == "time":
        length = int(cfg["bar_seconds"] * 1e9)
        for trade in trades:
            if current and trade["ns"] // length != current[-1]["ns"] // length:
                bars.append(Cut(current, True, closed_on=trade["day"]))
                current = []
            current.append(trade)
        return bars, current
    if kind in ("tick", "volume", "dollar"):
        for trade in trades:
            current.append(trade)
            if kind == "tick":
                reached = len(current) >= cfg["ticks_per_bar"]
            elif kind == "volume":
                reached = sum(t["size"] for t in current) >= cfg["volume_per_bar"]
            else:
                reached = sum(t["price"] * t["size"] for t in current) >= cfg["notional_per_bar"]
            if reached:
                bars.append(Cut(current, True))
                current = []
        return bars, current
    # Imbalance bars: θ_T = Σ b_t (· v_t); close when |θ_T| ≥ E[T]·|E[θ/T]|; EWMA updates per bar.
    if cfg.get("imbalance_sign", "tick_rule") == "aggressor":
        signs = [1 if t["side"] == 1 else -1 if t["side"] == 2 else 0 for t in trades]
    else:
        signs = _sign_tick_rule(trades)
    alpha = 2.0 / (cfg.get("ewma_span", 20.0) + 1.0)
    expected_t, expected_b = cfg.get("initial_expected_ticks", 100.0), cfg["initial_expected_imbalance"]
    theta = 0.0
    for trade, sign in zip(trades, signs, strict=True):
        current.append(trade)
        theta += sign if kind == "tick_imbalance" else sign * trade["size"]
        threshold = expected_t * abs(expected_b)
        if abs(theta) >= threshold:
            bars.append(Cut(current, True, theta, threshold))
            n = len(current)
            expected_t = alpha * n + (1 - alpha) * expected_t
            expected_b = alpha * (theta / n) + (1 - alpha) * expected_b
            current, theta = [], 0.0
    if current:  # what the open bar would report if the day's end closed it
        return bars, [*current, {"theta": theta, "threshold": expected_t * abs(expected_b)}]
    return bars, current


def stats(bar: Cut, number: int) -> dict[str, Any]:
    """A bar's row, from its list of trades."""
    prices = [t["price"] for t in bar.trades]
    volume = 0.0
    notional = 0.0
    buy = sided = 0.0
    for t in bar.trades:
        volume += t["size"]
        notional += t["price"] * t["size"]
        if t["side"] in (1, 2):
            sided += t["size"]
            buy += t["size"] if t["side"] == 1 else 0.0
    rv = 0.0
    for before, after in itertools.pairwise(prices):
        rv += (math.log(after) - math.log(before)) ** 2
    return {
        "BarNumber": number,
        "BarStartNs": bar.trades[0]["ns"],
        "BarEndNs": bar.trades[-1]["ns"],
        "Open": prices[0],
        "High": max(prices),
        "Low": min(prices),
        "Close": prices[-1],
        "Volume": volume,
        "Notional": notional,
        "VWAP": notional / volume if volume > 0 else None,
        "TradeCount": len(prices),
        "BuyVolumeShare": buy / sided if sided > 0 else None,
        "RealizedVariance": rv,
        "BarComplete": bar.complete,
        "BarImbalance": bar.theta,
        "ExpectedImbalance": bar.threshold,
        "Date": bar.closed_on or bar.trades[-1]["day"],
    }


def reference_bars(trades: list[Trade], cfg: dict[str, Any]) -> list[dict[str, Any]]:
    """Every bar of one listing's trades (in trade order, any number of days)."""
    carry = cfg.get("carry_over", False)
    streams: list[list[Trade]] = []
    if carry:
        streams = [trades]
    else:
        days: dict[date, list[Trade]] = {}
        for t in trades:
            days.setdefault(t["day"], []).append(t)
        streams = [days[d] for d in sorted(days)]
    rows: list[dict[str, Any]] = []
    for stream in streams:
        bars, rest = cut(stream, cfg)
        if not carry and rest:
            marks = rest[-1] if "theta" in rest[-1] else None
            open_trades = rest[:-1] if marks else rest
            threshold = marks["threshold"] if marks else _fixed_threshold(cfg)
            bars.append(Cut(open_trades, False, marks["theta"] if marks else 0.0, threshold))
        number = 0 if not carry else len(rows)
        for bar in bars:
            number += 1
            row = stats(bar, number)
            if cfg["bar_type"] not in ("tick_imbalance", "volume_imbalance"):
                row["ExpectedImbalance"] = bar.threshold if bar.complete else _fixed_threshold(cfg)
            rows.append(row)
    return rows


def _fixed_threshold(cfg: dict[str, Any]) -> float:
    return {
        "time": cfg.get("bar_seconds", 0) * 1e9 if cfg.get("bar_seconds") else 0.0,
        "tick": float(cfg.get("ticks_per_bar") or 0),
        "volume": cfg.get("volume_per_bar") or 0.0,
        "dollar": cfg.get("notional_per_bar") or 0.0,
    }.get(cfg["bar_type"], math.nan)
