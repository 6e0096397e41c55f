"""The compiled one-pass kernel of ``l2tw`` (Numba when installed, else the same code as plain Python).

Rows arrive in snapshot order, listing-day after listing-day
(:mod:`basalt.analytics.l2.ordered`). For each counted snapshot the kernel
computes its interval in force, its per-snapshot measures once (from the raw
book columns, with the formulas of :mod:`basalt.analytics.l2.measures`), and
splits the interval over the buckets it covers, carried forward; only the open
bucket's sums are held, and a bucket is written out when the pass leaves it.
A Python loop over rows would be the only other way to do this in one pass:
the computation is inherently sequential (each weight needs the next row),
which is why it is a kernel and not a Polars expression.

Layouts (shared with :mod:`basalt.analytics.l2.ordered_kernel`):

* raw matrix ``x``: column ``(level-1)·6 + side·3 + field`` with side 0 = Bid,
  1 = Ask and field 0 = Price, 1 = Quantity, 2 = NumOrders; float64, NaN = null;
* atoms (per-snapshot values): ``(level-1)·18 + side·7 + f`` for f = Price,
  Quantity, NumOrders, Notional, CumQuantity, CumNotional, CumOrders, then
  ``(level-1)·18 + 14 + f`` for the imbalances of Quantity, CumQuantity,
  CumNotional, CumOrders; after all levels SpreadAbs, SpreadBps, Mid,
  WeightedMid, Microprice.
"""

from __future__ import annotations

import numpy as np

from basalt.analytics.l2._jit import njit

PER_LEVEL = 18
TOUCH = 5


@njit
def _ratio(numerator: float, denominator: float) -> float:
    """``numerator / denominator``; NaN (null) when either is NaN or the denominator is 0."""
    if np.isnan(numerator) or np.isnan(denominator) or denominator == 0.0:
        return np.nan
    return numerator / denominator


@njit
def atoms(x: np.ndarray, i: int, levels: int, micro: int, out: np.ndarray) -> None:
    """The measures of snapshot row ``i`` of ``x`` into ``out`` (atom layout), NaN for null."""
    bq = aq = bn = an = bo = ao = 0.0
    for lv in range(levels):
        base = lv * PER_LEVEL
        for side in range(2):
            c = lv * 6 + side * 3
            price, qty, orders = x[i, c], x[i, c + 1], x[i, c + 2]
            notional = price * qty
            a = base + side * 7
            out[a] = price
            out[a + 1] = qty
            out[a + 2] = orders
            out[a + 3] = notional
            if side == 0:
                if not np.isnan(qty):
                    bq += qty
                if not np.isnan(notional):
                    bn += notional
                if not np.isnan(orders):
                    bo += orders
                out[a + 4] = bq
                out[a + 5] = bn
                out[a + 6] = bo
            else:
                if not np.isnan(qty):
                    aq += qty
                if not np.isnan(notional):
                    an += notional
                if not np.isnan(orders):
                    ao += orders
                out[a + 4] = aq
                out[a + 5] = an
                out[a + 6] = ao
        out[base + 14] = _ratio(x[i, lv * 6 + 1] - x[i, lv * 6 + 4], x[i, lv * 6 + 1] + x[i, lv * 6 + 4])
        out[base + 15] = _ratio(bq - aq, bq + aq)
        out[base + 16] = _ratio(bn - an, bn + an)
        out[base + 17] = _ratio(bo - ao, bo + ao)
    touch = levels * PER_LEVEL
    bid, ask = x[i, 0], x[i, 3]
    out[touch] = ask - bid
    mid = (bid + ask) / 2.0
    out[touch + 1] = 10_000.0 * (ask - bid) / mid if mid > 0 else np.nan
    out[touch + 2] = mid
    out[touch + 3] = _ratio(bid * x[i, 4] + ask * x[i, 1], x[i, 1] + x[i, 4])
    m = (micro - 1) * PER_LEVEL
    if micro <= levels:
        bid_depth, ask_depth = out[m + 4], out[m + 11]
        out[touch + 4] = _ratio(bid * ask_depth + ask * bid_depth, bid_depth + ask_depth)
    else:
        out[touch + 4] = np.nan


@njit
def _interval(
    i: int,
    last: bool,
    t: np.ndarray,
    cut: np.ndarray,
    session: np.ndarray,
    size: int,
    closed_right: bool,
    use_session: bool,
    use_states: bool,
) -> tuple[int, int]:
    """``[start, end)`` of row ``i``'s interval in force (see ``basalt.analytics.l2.time_weighted``)."""
    ti = t[i]
    if use_session:
        s = session[i]
        start = min(ti, s)
        end = s if last else min(t[i + 1], s)
    else:
        start = ti
        if not last:
            end = t[i + 1]
        elif closed_right:
            end = -((-ti) // size) * size
        else:
            end = (ti // size + 1) * size
    if use_states and cut[i] < end:
        end = cut[i]
    return start, end


@njit
def capacity(
    t: np.ndarray,
    ends_run: np.ndarray,
    kept: np.ndarray,
    cut: np.ndarray,
    session: np.ndarray,
    size: int,
    closed_right: bool,
    use_session: bool,
    use_states: bool,
) -> int:
    """An upper bound on the output rows: per listing-day, its buckets from the first counted to the last."""
    total = 0
    first, last = 0, -1
    for i in range(len(t)):
        if not (use_states and not kept[i]):
            start, end = _interval(
                i, ends_run[i], t, cut, session, size, closed_right, use_session, use_states
            )
            if end > start:
                if last < first:
                    first, last = start // size, (end - 1) // size
                else:
                    first, last = min(first, start // size), max(last, (end - 1) // size)
        if ends_run[i]:
            if last >= first:
                total += last - first + 1
            first, last = 0, -1
    return total


@njit
def run_capacity(t: np.ndarray, bounds: np.ndarray, size: int, closed_right: bool) -> int:
    """:func:`capacity` without sessions or states, from each run's ends: O(runs), not O(rows).

    Without them a run's intervals tile ``[first snapshot, end of the last one's interval)``
    (times only grow within a run), so the buckets touched are exactly those from the first
    snapshot's to the one holding that end — the same count :func:`capacity` finds walking every
    row (~0.2 s per 5.8 M rows), which tests check.
    """
    none_i = np.zeros(0, np.int64)
    total = 0
    for r in range(len(bounds) - 1):
        lo, last = bounds[r], bounds[r + 1] - 1
        _, end = _interval(last, True, t, none_i, none_i, size, closed_right, False, False)
        first_k, last_k = t[lo] // size, (end - 1) // size
        if end > t[lo] and last_k >= first_k:
            total += last_k - first_k + 1
    return total


@njit
def tw_block(
    lo: int,
    x: np.ndarray,
    t: np.ndarray,
    ends_run: np.ndarray,
    kept: np.ndarray,
    cut: np.ndarray,
    session: np.ndarray,
    spec: np.ndarray,
    select: np.ndarray,
    den_at: np.ndarray,
    bound_of: np.ndarray,
    state: np.ndarray,
    out_run: np.ndarray,
    out_k: np.ndarray,
    out_total: np.ndarray,
    out_num: np.ndarray,
    out_den: np.ndarray,
    out_lo: np.ndarray,
    out_hi: np.ndarray,
) -> None:
    """Rows ``lo .. lo + len(x)`` (``x`` holds their raw book) through the pass.

    ``spec``: size, unit, closed_right, use_session, use_states, levels (of
    ``x``), microprice depth. ``state``: open output row, its bucket, whether
    one is open, current run — carried from block to block. ``select``: the
    atoms summed (``Σ v·w``); ``den_at[j]``: the column of ``out_den`` where the
    ``j``-th of them also sums ``Σ w`` over its non-null values (-1: none);
    ``bound_of``: which of them (positions in ``select``) need their [min, max].
    Output row ``g`` holds run, bucket ``k``, ``Σ w`` and those sums (NaN
    bounds: no value).
    """
    size, unit = spec[0], spec[1]
    closed_right, use_session, use_states = spec[2] != 0, spec[3] != 0, spec[4] != 0
    levels, micro = spec[5], spec[6]
    values = np.empty(levels * PER_LEVEL + TOUCH)
    g, open_k, has, run = state[0], state[1], state[2] != 0, state[3]
    # Every summed atom also sums its Σ w in the same column (the benchmark's families): the
    # loop below then skips looking the column up, ~15 % of the kernel's time.
    paired = out_den.shape[1] == len(select)
    for j in range(len(den_at)):
        paired = paired and den_at[j] == j
    for r in range(len(x)):
        i = lo + r
        if i == 0 or ends_run[i - 1]:
            has = False
            run += 1
        if use_states and not kept[i]:
            continue
        start, end = _interval(i, ends_run[i], t, cut, session, size, closed_right, use_session, use_states)
        head, computed = True, False
        a = start
        while a < end:
            k = a // size
            b = min(end, (k + 1) * size)
            w = (b - a) // unit
            if w > 0 or not head:
                if not computed:
                    atoms(x, r, levels, micro, values)
                    computed = True
                if not has or k != open_k:
                    g += 1
                    out_run[g] = run
                    out_k[g] = k
                    open_k, has = k, True
                out_total[g] += w
                weight = float(w)
                # One loop adds Σ v·w and, where asked, Σ w (it was a second loop re-reading
                # each value through a double index: 1.8 → 1.1 s on an M day).
                if paired:
                    for j in range(len(select)):
                        v = values[select[j]]
                        if v == v:  # not NaN (null)
                            out_num[g, j] += v * weight
                            out_den[g, j] += w
                else:
                    for j in range(len(select)):
                        v = values[select[j]]
                        if v == v:
                            out_num[g, j] += v * weight
                            d = den_at[j]
                            if d >= 0:
                                out_den[g, d] += w
                for c in range(len(bound_of)):
                    v = values[select[bound_of[c]]]
                    if v == v:
                        if not out_lo[g, c] <= v:
                            out_lo[g, c] = v
                        if not out_hi[g, c] >= v:
                            out_hi[g, c] = v
            head = False
            a = b
    state[0] = g
    state[1] = open_k
    state[2] = 1 if has else 0
    state[3] = run
