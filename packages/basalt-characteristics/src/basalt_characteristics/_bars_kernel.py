"""The sequential core of bar formation (López de Prado, *Advances in Financial Machine Learning*, ch. 2).

Whether a trade closes a bar depends on every earlier trade of the bar (and, for
imbalance bars, on an EWMA of every earlier bar), so bars are formed in one pass
over each listing's trades in time order: a loop, compiled by Numba when it is
installed (the core's ``[fast]`` extra), plain Python otherwise — the same code,
the same output. ``BASALT_BARS_JIT=0`` forces plain Python.

The loop carries one listing's *state* (the open bar's accumulators, the bar count,
the EWMA expectations, the tick rule's last price and sign) in two rows of a float
and an int array, so a day can continue from the previous day's end (``carry_over``).
"""

from __future__ import annotations

import math

import numpy as np

from basalt.jit import OptionalJit

_njit = OptionalJit("BASALT_BARS_JIT")
JIT_ENABLED: bool = _njit.enabled
"""Whether the kernel is compiled (Numba importable and not disabled)."""


TIME, TICK, VOLUME, DOLLAR, TICK_IMBALANCE, VOLUME_IMBALANCE = range(6)
KINDS = ("time", "tick", "volume", "dollar", "tick_imbalance", "volume_imbalance")

# Float state, by column.
F_OPEN, F_HIGH, F_LOW, F_CLOSE, F_VOLUME, F_NOTIONAL, F_BUY, F_SIDED, F_RV, F_THETA = range(10)
F_EXP_TICKS, F_EXP_IMBALANCE, F_LAST_PRICE = 10, 11, 12
FLOAT_STATE = 13
# Integer state, by column.
I_HAS_OPEN, I_START, I_END, I_COUNT, I_NUMBER, I_LAST_SIGN, I_HAS_LAST, I_INTERVAL = range(8)
INT_STATE = 8
# Float outputs, by column.
O_OPEN, O_HIGH, O_LOW, O_CLOSE, O_VOLUME, O_NOTIONAL, O_BUY, O_SIDED, O_RV, O_THETA, O_THRESHOLD = range(11)
FLOAT_OUT = 11
# Integer outputs, by column.
P_LISTING, P_NUMBER, P_START, P_END, P_COUNT, P_COMPLETE = range(6)
INT_OUT = 6


@_njit
def _emit(
    fs: np.ndarray, its: np.ndarray, row: int, listing: int, complete: int, threshold: float,
    fo: np.ndarray, io: np.ndarray, n: int,
) -> int:  # fmt: skip
    """Write the open bar of state ``row`` as output row ``n``; clear it; return ``n + 1``."""
    its[row, I_NUMBER] += 1
    fo[n, O_OPEN] = fs[row, F_OPEN]
    fo[n, O_HIGH] = fs[row, F_HIGH]
    fo[n, O_LOW] = fs[row, F_LOW]
    fo[n, O_CLOSE] = fs[row, F_CLOSE]
    fo[n, O_VOLUME] = fs[row, F_VOLUME]
    fo[n, O_NOTIONAL] = fs[row, F_NOTIONAL]
    fo[n, O_BUY] = fs[row, F_BUY]
    fo[n, O_SIDED] = fs[row, F_SIDED]
    fo[n, O_RV] = fs[row, F_RV]
    fo[n, O_THETA] = fs[row, F_THETA]
    fo[n, O_THRESHOLD] = threshold
    io[n, P_LISTING] = listing
    io[n, P_NUMBER] = its[row, I_NUMBER]
    io[n, P_START] = its[row, I_START]
    io[n, P_END] = its[row, I_END]
    io[n, P_COUNT] = its[row, I_COUNT]
    io[n, P_COMPLETE] = complete
    its[row, I_HAS_OPEN] = 0
    return n + 1


@_njit
def form_bars(
    kind: int,
    threshold: float,
    alpha: float,
    aggressor_sign: bool,
    close_at_end: bool,
    listings: np.ndarray,
    starts: np.ndarray,
    ns: np.ndarray,
    price: np.ndarray,
    size: np.ndarray,
    side: np.ndarray,
    fs: np.ndarray,
    its: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Form the bars of every listing's trades; update the state arrays in place.

    Args:
        kind: One of TIME … VOLUME_IMBALANCE.
        threshold: Seconds (time bars, as ns), trades, shares or notional per bar (ignored
            by imbalance bars, whose threshold is ``E[T]·|E[imbalance per trade]|``).
        alpha: EWMA weight of the newest bar (imbalance bars).
        aggressor_sign: Imbalance bars sign trades by ``side`` (1 buy, 2 sell) instead of the tick rule.
        close_at_end: Close each listing's open bar after its last trade (no carry-over).
        listings: Listing id of each state row.
        starts: Trades of state row ``r`` are ``starts[r]:starts[r + 1]`` (time order).
        ns: Trade times, integer nanoseconds.
        price: Trade prices.
        size: Trade sizes.
        side: AggressorSide (1 buy, 2 sell, anything else unknown).
        fs: Float state, one row per listing (the ``F_`` columns).
        its: Integer state, one row per listing (the ``I_`` columns).

    Returns:
        Float and int output rows (``O_``/``P_`` columns), one per bar closed.
    """
    capacity = ns.shape[0] + listings.shape[0]
    fo = np.empty((capacity, FLOAT_OUT), dtype=np.float64)
    io = np.empty((capacity, INT_OUT), dtype=np.int64)
    n = 0
    imbalance = kind >= TICK_IMBALANCE
    for row in range(listings.shape[0]):
        listing = listings[row]
        for i in range(starts[row], starts[row + 1]):
            p = price[i]
            v = size[i]
            t = ns[i]
            if kind == TIME:
                interval = t // np.int64(threshold)
                if its[row, I_HAS_OPEN] == 1 and interval != its[row, I_INTERVAL]:
                    n = _emit(fs, its, row, listing, 1, threshold, fo, io, n)
                its[row, I_INTERVAL] = interval
            sign = 0
            if imbalance:
                if aggressor_sign:
                    sign = 1 if side[i] == 1 else (-1 if side[i] == 2 else 0)
                else:  # tick rule: the sign of the price change, else the previous sign
                    sign = its[row, I_LAST_SIGN]
                    if its[row, I_HAS_LAST] == 1:
                        change = p - fs[row, F_LAST_PRICE]
                        if change > 0:
                            sign = 1
                        elif change < 0:
                            sign = -1
                    its[row, I_LAST_SIGN] = sign
            if its[row, I_HAS_OPEN] == 0:
                its[row, I_HAS_OPEN] = 1
                its[row, I_START] = t
                its[row, I_COUNT] = 0
                fs[row, F_OPEN] = p
                fs[row, F_HIGH] = p
                fs[row, F_LOW] = p
                fs[row, F_VOLUME] = 0.0
                fs[row, F_NOTIONAL] = 0.0
                fs[row, F_BUY] = 0.0
                fs[row, F_SIDED] = 0.0
                fs[row, F_RV] = 0.0
                fs[row, F_THETA] = 0.0
            else:
                r = math.log(p) - math.log(fs[row, F_CLOSE])
                fs[row, F_RV] += r * r
                fs[row, F_HIGH] = max(fs[row, F_HIGH], p)
                fs[row, F_LOW] = min(fs[row, F_LOW], p)
            fs[row, F_CLOSE] = p
            its[row, I_END] = t
            its[row, I_COUNT] += 1
            fs[row, F_VOLUME] += v
            fs[row, F_NOTIONAL] += p * v
            if side[i] == 1:
                fs[row, F_BUY] += v
                fs[row, F_SIDED] += v
            elif side[i] == 2:
                fs[row, F_SIDED] += v
            if kind == TICK_IMBALANCE:
                fs[row, F_THETA] += sign
            elif kind == VOLUME_IMBALANCE:
                fs[row, F_THETA] += sign * v
            fs[row, F_LAST_PRICE] = p
            its[row, I_HAS_LAST] = 1
            if kind == TICK:
                reached = its[row, I_COUNT] >= threshold
            elif kind == VOLUME:
                reached = fs[row, F_VOLUME] >= threshold
            elif kind == DOLLAR:
                reached = fs[row, F_NOTIONAL] >= threshold
            else:
                reached = False
            if reached:
                n = _emit(fs, its, row, listing, 1, threshold, fo, io, n)
            elif imbalance:
                expected = fs[row, F_EXP_TICKS] * abs(fs[row, F_EXP_IMBALANCE])
                if abs(fs[row, F_THETA]) >= expected:
                    count = its[row, I_COUNT]
                    per_trade = fs[row, F_THETA] / count
                    n = _emit(fs, its, row, listing, 1, expected, fo, io, n)
                    fs[row, F_EXP_TICKS] = alpha * count + (1.0 - alpha) * fs[row, F_EXP_TICKS]
                    fs[row, F_EXP_IMBALANCE] = alpha * per_trade + (1.0 - alpha) * fs[row, F_EXP_IMBALANCE]
        if close_at_end and its[row, I_HAS_OPEN] == 1:
            expected = threshold
            if imbalance:
                expected = fs[row, F_EXP_TICKS] * abs(fs[row, F_EXP_IMBALANCE])
            n = _emit(fs, its, row, listing, 0, expected, fo, io, n)
    return fo[:n], io[:n]


__all__ = ["JIT_ENABLED", "KINDS", "form_bars"]
