"""Plain-Python/numpy reference of Stoikov's (2018) micro-price, written from the paper.

Loops over snapshots build the paper's matrices Q (no mid move, next state), R1 (mid move k)
and R2 (mid move, next state) as frequencies; G1 = (1 − Q)⁻¹ R1 K, B = (1 − Q)⁻¹ R2 and the
micro-price adjustment is the sum of the first ``terms`` terms of g^{i+1} = B g^i.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict

import numpy as np
from book_reference import CONT, by_listing_day_snapshots, label, price


def micro_prices(
    rows: list[dict],
    *,
    bins: int = 10,
    spreads: int = 2,
    max_move: float = 1.0,
    terms: int = 6,
    symmetrize: bool = True,
    continuous_only: bool = True,
    seconds: float = 60.0,
) -> dict:
    """``{(ListingId, bucket): {"MicroPriceStoikov": value or None}}`` at each bucket's last snapshot."""
    out: dict = {}
    for (listing, _day), snaps in by_listing_day_snapshots(rows).items():
        kept = [s for s in snaps if not continuous_only or s["MarketState"] == CONT]
        if not kept:
            continue
        spreads_seen = []
        for s in kept:
            bid, ask = price(s["BidPrice1"]), price(s["AskPrice1"])
            if bid is not None and ask is not None and ask - bid > 0:
                spreads_seen.append(ask - bid)
        tick = min(spreads_seen) if spreads_seen else None

        def state(s: dict, tick: float | None = tick) -> int | None:
            bid, ask = price(s["BidPrice1"]), price(s["AskPrice1"])
            qb, qa = s["BidQuantity1"], s["AskQuantity1"]
            if tick is None or None in (bid, ask, qb, qa) or qb + qa <= 0:
                return None
            ticks = round((ask - bid) / tick)
            if not 1 <= ticks <= spreads:
                return None
            b = min(math.floor(qb / (qb + qa) * bins), bins - 1)
            return (ticks - 1) * bins + b

        def mid(s: dict) -> float | None:
            bid, ask = price(s["BidPrice1"]), price(s["AskPrice1"])
            return None if bid is None or ask is None else (bid + ask) / 2

        observations = []
        for a, b in itertools.pairwise(kept):
            x, y = state(a), state(b)
            if x is None or y is None:
                continue
            half = round((mid(b) - mid(a)) * 2 / tick)
            if abs(half) > round(2 * max_move):
                continue
            observations.append((x, y, half / 2))
            if symmetrize:
                flip = lambda z: (z // bins) * bins + bins - 1 - z % bins  # noqa: E731
                observations.append((flip(x), flip(y), -half / 2))
        g = None
        if observations:
            size = bins * spreads
            moves = sorted({k / 2 for k in range(-round(2 * max_move), round(2 * max_move) + 1) if k})
            count = defaultdict(float)
            q = np.zeros((size, size))
            r1 = np.zeros((size, len(moves)))
            r2 = np.zeros((size, size))
            for x, _, _ in observations:
                count[x] += 1
            for x, y, dm in observations:
                if dm == 0:
                    q[x, y] += 1 / count[x]
                else:
                    r1[x, moves.index(dm)] += 1 / count[x]
                    r2[x, y] += 1 / count[x]
            try:
                g1 = np.linalg.solve(np.eye(size) - q, r1 @ np.array(moves))
                big_b = np.linalg.solve(np.eye(size) - q, r2)
                g, term = np.zeros(size), g1
                for _ in range(terms):
                    g = g + term
                    term = big_b @ term
            except np.linalg.LinAlgError:
                g = None
        last_by_bucket: dict = {}
        for s in kept:
            last_by_bucket[label(s["EventTimestamp"], seconds)] = s
        for bucket, s in last_by_bucket.items():
            x = state(s)
            value = None if g is None or x is None else mid(s) + tick * float(g[x])
            out[(listing, bucket)] = {"MicroPriceStoikov": value}
    return out
