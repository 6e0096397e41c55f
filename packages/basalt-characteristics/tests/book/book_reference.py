"""Plain-Python references of the book estimators, written from the papers' formulas.

Each function walks rows (dicts) in loops, with none of the modules' code: they are the
independent implementations the modules are compared with. Keys of every result are
``(ListingId, bucket label as datetime)``; values are dicts of column → value (None = null).
Buckets are 60 s by default, right-closed, labelled by their end.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import defaultdict
from collections.abc import Iterable

EPOCH = dt.datetime(1970, 1, 1)
CONT = "CONTINUOUS_TRADING"


def ns(t: dt.datetime) -> int:
    """Nanoseconds since the epoch of a naive datetime."""
    delta = t - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000


def label(t: dt.datetime, seconds: float) -> dt.datetime:
    """End of the right-closed bucket holding ``t``."""
    size = round(seconds * 1e9)
    k = -((-ns(t)) // size)
    return EPOCH + dt.timedelta(microseconds=k * size // 1000)


def price(value: object) -> float | None:
    """A price, None when null or NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)  # type: ignore[arg-type]


def by_listing_day_snapshots(rows: Iterable[dict]) -> dict[tuple[int, dt.date], list[dict]]:
    """Snapshots per (listing, trading day), in (EventTimestamp, L2EventNo) order, null EventNo first."""
    groups: dict[tuple[int, dt.date], list[dict]] = defaultdict(list)
    for row in rows:
        if row["EventTimestamp"] is not None:
            groups[(row["ListingId"], row["TradeDate"])].append(row)
    for items in groups.values():
        items.sort(
            key=lambda r: (r["EventTimestamp"], -(2**63) if r["L2EventNo"] is None else r["L2EventNo"])
        )
    return groups


# --------------------------------------------------------------------------- OFI


def ofi(
    rows: list[dict], levels: int, continuous_only: bool, normalised: bool, seconds: float = 60.0
) -> dict:
    """OFI per level (CKS 2014 eq. 3 per level index), summed per bucket."""
    out: dict = {}
    for (listing, _day), snaps in by_listing_day_snapshots(rows).items():
        prev = None
        for snap in snaps:
            cont = snap["MarketState"] == CONT
            key = (listing, label(snap["EventTimestamp"], seconds))
            if continuous_only and not cont:
                prev = snap
                continue
            acc = out.setdefault(key, {"ofi": [0.0] * levels, "depths": []})
            if prev is not None and (not continuous_only or prev["MarketState"] == CONT):
                for m in range(1, levels + 1):
                    e = 0.0
                    pb, pb0 = price(snap[f"BidPrice{m}"]), price(prev[f"BidPrice{m}"])
                    qb, qb0 = snap[f"BidQuantity{m}"], prev[f"BidQuantity{m}"]
                    if None not in (pb, pb0, qb, qb0):
                        e += (qb if pb >= pb0 else 0) - (qb0 if pb <= pb0 else 0)
                    pa, pa0 = price(snap[f"AskPrice{m}"]), price(prev[f"AskPrice{m}"])
                    qa, qa0 = snap[f"AskQuantity{m}"], prev[f"AskQuantity{m}"]
                    if None not in (pa, pa0, qa, qa0):
                        e += -(qa if pa <= pa0 else 0) + (qa0 if pa >= pa0 else 0)
                    acc["ofi"][m - 1] += e
            if price(snap["BidPrice1"]) is not None and price(snap["AskPrice1"]) is not None:
                qb, qa = snap["BidQuantity1"], snap["AskQuantity1"]
                if qb is not None and qa is not None:
                    acc["depths"].append((qb + qa) / 2)
            prev = snap
    result = {}
    for key, acc in out.items():
        values = {f"OFI{m}": float(acc["ofi"][m - 1]) for m in range(1, levels + 1)}
        if normalised:
            depth = sum(acc["depths"]) / len(acc["depths"]) if acc["depths"] else None
            values["OFINormalised"] = values["OFI1"] / depth if depth else None
        result[key] = values
    return result


# --------------------------------------------------------------------------- price series


def mid_series(rows: list[dict], continuous_only: bool, seconds: float) -> dict[tuple, list[float]]:
    """Mid-quotes per (listing, bucket) in snapshot order (both touches finite and > 0)."""
    series: dict[tuple, list[float]] = defaultdict(list)
    for (listing, _day), snaps in sorted(by_listing_day_snapshots(rows).items()):
        for snap in snaps:
            if continuous_only and snap["MarketState"] != CONT:
                continue
            bid, ask = price(snap["BidPrice1"]), price(snap["AskPrice1"])
            if bid is None or ask is None or bid <= 0 or ask <= 0:
                continue
            series[(listing, label(snap["EventTimestamp"], seconds))].append((bid + ask) / 2)
    return series


def kept_trades(rows: list[dict], classifications: tuple[str, ...] | None) -> list[dict]:
    """Trades with a timestamp, a finite price > 0 and a kept Classification, sorted (stable) by time."""
    kept = [
        r
        for r in rows
        if r["TradeTimestamp"] is not None
        and price(r["Price"]) is not None
        and r["Price"] > 0
        and (classifications is None or r["Classification"] in classifications)
    ]
    return sorted(kept, key=lambda r: (r["ListingId"], r["TradeTimestamp"]))


def trade_series(
    rows: list[dict], classifications: tuple[str, ...] | None, seconds: float
) -> dict[tuple, list[dict]]:
    """Kept trades per (listing, bucket), in time order."""
    series: dict[tuple, list[dict]] = defaultdict(list)
    for r in kept_trades(rows, classifications):
        series[(r["ListingId"], label(r["TradeTimestamp"], seconds))].append(r)
    return series


# --------------------------------------------------------------------------- volatility


def parzen(x: float) -> float:
    """Parzen kernel."""
    if x <= 0.5:
        return 1 - 6 * x * x + 6 * x**3
    if x <= 1:
        return 2 * (1 - x) ** 3
    return 0.0


def volatility(prices: list[float], max_lag: int, step: int) -> dict[str, float | None]:
    """RV, BV, realized kernel (+ bandwidth), Parkinson, Garman-Klass of one bucket's prices."""
    n1 = len(prices)
    logs = [math.log(p) for p in prices]
    r = [logs[i] - logs[i - 1] for i in range(1, n1)]
    rv = sum(x * x for x in r) if n1 >= 2 else None
    bv = math.pi / 2 * sum(abs(r[i]) * abs(r[i - 1]) for i in range(1, len(r))) if n1 >= 3 else None
    rk = bandwidth = None
    if n1 >= step + 1:
        n = len(r)
        sparse = logs[::step]
        iv = sum((sparse[i] - sparse[i - 1]) ** 2 for i in range(1, len(sparse)))
        assert rv is not None
        if rv == 0:
            bandwidth = 1
        elif iv == 0:
            bandwidth = max_lag
        else:
            omega2 = rv / (2 * n)
            c_star = (144 / 0.269) ** 0.2
            bandwidth = min(max(math.ceil(c_star * (omega2 / iv) ** 0.4 * n**0.6), 1), max_lag)
        gamma = [sum(r[j] * r[j - h] for j in range(h, n)) for h in range(0, max_lag + 1)]
        rk = gamma[0] + sum(parzen((h - 1) / bandwidth) * 2 * gamma[h] for h in range(1, bandwidth + 1))
    hi, lo, op, cl = max(prices), min(prices), prices[0], prices[-1]
    hl = math.log(hi / lo)
    return {
        "RealizedVariance": rv,
        "BipowerVariation": bv,
        "RealizedKernel": rk,
        "RealizedKernelBandwidth": bandwidth,
        "ParkinsonVariance": hl**2 / (4 * math.log(2)),
        "GarmanKlassVariance": 0.5 * hl**2 - (2 * math.log(2) - 1) * math.log(cl / op) ** 2,
    }


# --------------------------------------------------------------------------- liquidity


def sign(side: object) -> float:
    """+1 buyer-initiated (1), -1 seller-initiated (2), 0 otherwise."""
    return 1.0 if side == 1 else -1.0 if side == 2 else 0.0


def ols_slope(points: list[tuple[float, float]]) -> float | None:
    """Slope of y on x with intercept; None with < 2 points or zero variance of x."""
    if len(points) < 2:
        return None
    mx = sum(p[0] for p in points) / len(points)
    my = sum(p[1] for p in points) / len(points)
    sxx = sum((x - mx) ** 2 for x, _ in points)
    if sxx == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in points) / sxx


def roll(prices: list[float]) -> float | None:
    """Roll (1984) with the population autocovariance of consecutive price changes."""
    if len(prices) < 4:
        return None
    d = [prices[i] - prices[i - 1] for i in range(1, len(prices))]
    pairs = [(d[i], d[i - 1]) for i in range(1, len(d))]
    mx = sum(a for a, _ in pairs) / len(pairs)
    my = sum(b for _, b in pairs) / len(pairs)
    cov = sum((a - mx) * (b - my) for a, b in pairs) / len(pairs)
    va = sum((a - mx) ** 2 for a, _ in pairs) / len(pairs)
    vb = sum((b - my) ** 2 for _, b in pairs) / len(pairs)
    # An autocorrelation above -1e-12 is rounding of decimal prices: counted as 0 (the module's stated rule).
    return 2 * math.sqrt(-cov) if cov < -1e-12 * math.sqrt(va * vb) else None


def corwin_schultz(h1: float, l1: float, h2: float, l2: float) -> float:
    """Corwin-Schultz (2012) two-period spread, negative set to 0."""
    beta = math.log(h1 / l1) ** 2 + math.log(h2 / l2) ** 2
    gamma = math.log(max(h1, h2) / min(l1, l2)) ** 2
    k = 3 - 2 * math.sqrt(2)
    alpha = (math.sqrt(2 * beta) - math.sqrt(beta)) / k - math.sqrt(gamma / k)
    return max(2 * (math.exp(alpha) - 1) / (1 + math.exp(alpha)), 0.0)


def liquidity(
    rows: list[dict],
    classifications: tuple[str, ...] | None = ("LIT_CONTINUOUS",),
    seconds: float = 60.0,
    amihud_seconds: float = 60.0,
    impact_seconds: float | None = None,
) -> dict:
    """Roll, Amihud, Corwin-Schultz, Kyle's and Hasbrouck's λ per (listing, bucket)."""
    trades = kept_trades(rows, classifications)
    size = lambda r: 0.0 if r["Size"] is None else float(r["Size"])  # noqa: E731
    buckets: dict[tuple, list[dict]] = defaultdict(list)
    for r in trades:
        buckets[(r["ListingId"], r["TradeDate"], label(r["TradeTimestamp"], seconds))].append(r)
    # Amihud: sub-periods per listing-day, close-to-close returns.
    subs: dict[tuple, list[dict]] = defaultdict(list)
    for r in trades:
        subs[(r["ListingId"], r["TradeDate"], label(r["TradeTimestamp"], amihud_seconds))].append(r)
    amihud: dict[tuple, list[float]] = defaultdict(list)
    previous_close: dict[tuple, float] = {}
    for listing, day, sub in sorted(subs):
        items = subs[(listing, day, sub)]
        close = items[-1]["Price"]
        dollar = sum(r["Price"] * size(r) for r in items)
        bucket = label(items[0]["TradeTimestamp"], seconds)
        if (listing, day) in previous_close and dollar > 0:
            amihud[(listing, day, bucket)].append(
                abs(math.log(close / previous_close[(listing, day)])) / dollar
            )
        previous_close[(listing, day)] = close
    out = {}
    step = dt.timedelta(seconds=seconds)
    for key in sorted(buckets):
        listing, day, bucket = key
        items = buckets[key]
        prices = [r["Price"] for r in items]
        before = buckets.get((listing, day, bucket - step))
        cs = None
        if before:
            cs = corwin_schultz(
                max(prices), min(prices), max(r["Price"] for r in before), min(r["Price"] for r in before)
            )
        if impact_seconds is None:
            kyle = [
                (sign(r["AggressorSide"]) * size(r), r["Price"] - q["Price"])
                for q, r in itertools.pairwise(items)
            ]
            hasb = [
                (
                    sign(r["AggressorSide"]) * math.sqrt(r["Price"] * size(r)),
                    math.log(r["Price"]) - math.log(q["Price"]),
                )
                for q, r in itertools.pairwise(items)
            ]
        else:
            parts: dict[dt.datetime, list[dict]] = defaultdict(list)
            for r in items:
                parts[label(r["TradeTimestamp"], impact_seconds)].append(r)
            ordered = [parts[k] for k in sorted(parts)]
            kyle, hasb = [], []
            for a, b in itertools.pairwise(ordered):
                x = sum(sign(r["AggressorSide"]) * size(r) for r in b)
                xs = sum(sign(r["AggressorSide"]) * math.sqrt(r["Price"] * size(r)) for r in b)
                kyle.append((x, b[-1]["Price"] - a[-1]["Price"]))
                hasb.append((xs, math.log(b[-1]["Price"]) - math.log(a[-1]["Price"])))
        ratios = amihud.get(key)
        out[(listing, bucket)] = {
            "RollSpread": roll(prices),
            "AmihudIlliquidity": sum(ratios) / len(ratios) if ratios else None,
            "CorwinSchultzSpread": cs,
            "KyleLambda": ols_slope(kyle),
            "HasbrouckLambda": ols_slope(hasb),
        }
    return out
