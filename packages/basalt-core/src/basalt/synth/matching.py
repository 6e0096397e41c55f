"""Cross-venue matching: routing, executions, auction uncrossing and L2 snapshots (Numba compatible).

Orders are routed as by a smart order router: an order taking liquidity
executes on the venue in continuous trading that shows the best opposite
price (ties: the order's home venue, then the largest size), and passive
orders never lock or cross the consolidated book. An auction uncross
executes the maximum volume at one price, ties broken by the smallest
imbalance, then the price closest to the efficient price, then the lowest.

Flat outputs (see ``book_ops.py`` for the state): trades
``trades[T_* * capacity + k]`` (one per continuous execution, one per uncross);
L2 snapshots, field-major so that columns are contiguous: ``snap_px[j * cap +
s]`` (tick indices, j = bid levels 1–10 then ask 1–10, -1 = none), ``snap_qty``
likewise, ``snap_n`` (j < 20 order counts, 20 and 21 the bid and ask level
counts) and ``snap_ref[S_* * cap + s]``; auction imbalance rows
``imb[I_* * capacity + k]``. ``dims`` is ``(width, order capacity, rows
capacity, trades capacity, imbalance capacity)``.
"""

from __future__ import annotations

import numpy as np

from basalt.synth import book_ops as b
from basalt.synth import icebergs as ice
from basalt.synth._jit import njit
from basalt.synth.book_ops import ASK, BID, LEVELS, N_VM, VM_PHASE, lv_at

PH_CONTINUOUS = 2
"""Phase code of continuous trading (``schedule.STATE_CONTINUOUS``); 1, 3 and 4 are auctions."""
T_ROW, T_MSG, T_VENUE, T_AGGR, T_PX, T_SZ, T_BB, T_BBQ, T_BA, T_BAQ, T_REM, T_LVLREM, T_PHASE = range(13)
N_TRADE_FIELDS = 13
I_MSG, I_VENUE, I_VROWS, I_PX, I_PAIRED, I_IMB, I_SIDE, I_BB, I_BA = range(9)
N_IMB_FIELDS = 9
S_MSG, S_VENUE, S_VROWS, S_KIND = range(4)
"""Snapshot reference: message, venue, the venue's L3 row count so far, kind (0 book, 1 phase change)."""
N_SNAP_REF = 4


@njit
def consolidated_best(vm, n_venues, side, width):
    """Best price on ``side`` among venues in continuous trading (-1 / ``width`` if none)."""
    best = -1 if side == BID else width
    for w in range(n_venues):
        if vm[w * N_VM + VM_PHASE] == PH_CONTINUOUS:
            p = vm[w * N_VM + side]
            if (side == BID and p > best) or (side == ASK and p < best):
                best = p
    return best


@njit
def route(lv, vm, n_venues, width, side, home):
    """Venue an order taking liquidity from ``side`` goes to: best price, then home venue, then size."""
    best = consolidated_best(vm, n_venues, side, width)
    chosen = -1
    size = -1
    if best < 0 or best >= width:
        return chosen
    for w in range(n_venues):
        if vm[w * N_VM + VM_PHASE] != PH_CONTINUOUS or vm[w * N_VM + side] != best:
            continue
        q = lv[lv_at(width, w, side, best)] + (1 << 40 if w == home else 0)
        if q > size:
            chosen = w
            size = q
    return chosen


@njit
def match(lv, vm, live, ob, free, g, rows, trades, dims, msg, w, side, limit, size):
    """An order of ``side`` taking liquidity on venue ``w`` up to ``limit``; returns the unfilled size.

    One execution (and one trade) per resting order hit, at its price; a
    planted iceberg executed in full shows its next peak (``icebergs.py``).
    """
    width, n = dims[0], dims[3]
    opp = 1 - side
    m = w * N_VM
    bb, ba = vm[m + BID], vm[m + ASK]
    bid_size = lv[lv_at(width, w, BID, bb)] if bb >= 0 else 0
    ask_size = lv[lv_at(width, w, ASK, ba)] if ba < width else 0
    left = size
    refills = 0
    while left > 0:
        best = vm[m + opp]
        if (opp == ASK and (best >= width or best > limit)) or (opp == BID and (best < 0 or best < limit)):
            break
        t = g[b.G_TRADES]
        iceberg = ice.head_code(lv, ob, width, w, opp, best)
        filled, order_left, level_left = b.fill_head(
            lv, vm, live, ob, free, g, rows, dims, msg, w, opp, best, left, t
        )
        trades[T_ROW * n + t] = g[b.G_ROWS] - 1
        trades[T_MSG * n + t] = msg
        trades[T_VENUE * n + t] = w
        trades[T_AGGR * n + t] = side + 1
        trades[T_PX * n + t] = best
        trades[T_SZ * n + t] = filled
        trades[T_BB * n + t] = bb
        trades[T_BBQ * n + t] = bid_size
        trades[T_BA * n + t] = ba
        trades[T_BAQ * n + t] = ask_size
        trades[T_REM * n + t] = order_left
        trades[T_LVLREM * n + t] = level_left
        trades[T_PHASE * n + t] = PH_CONTINUOUS
        g[b.G_TRADES] = t + 1
        left -= filled
        if iceberg > 0 and order_left == 0 and refills < ice.MAX_REFILLS:  # its next peak shows
            ice.refill(lv, vm, live, ob, free, g, rows, dims, msg, w, opp, best, iceberg)
            refills += 1
    return left


@njit
def indicative_uncross(lv, vm, width, v, x_ref):
    """Venue ``v``'s auction clearing price and volumes: (price or -1, paired, imbalance, imbalance side)."""
    bb = vm[v * N_VM + BID]
    ba = vm[v * N_VM + ASK]
    if bb < 0 or ba >= width or bb < ba:
        return -1, 0, 0, 0
    n = bb - ba + 1
    bids = lv_at(width, v, BID, ba)
    asks = lv_at(width, v, ASK, ba)
    demand = np.empty(n, dtype=np.int64)
    total = 0
    for k in range(n - 1, -1, -1):
        total += lv[bids + 4 * k]
        demand[k] = total
    supply = 0
    best_k, best_v, best_imb, best_dist, best_side = -1, -1, 0, 0.0, 0
    for k in range(n):
        supply += lv[asks + 4 * k]
        d = demand[k]
        volume = d if d < supply else supply
        imb = d - supply
        side = 1 if imb > 0 else (2 if imb < 0 else 0)
        imb = imb if imb > 0 else -imb
        dist = abs(ba + k - x_ref)
        if volume > best_v or (
            volume == best_v and (imb < best_imb or (imb == best_imb and dist < best_dist))
        ):
            best_k, best_v, best_imb, best_dist, best_side = k, volume, imb, dist, side
    return ba + best_k, best_v, best_imb, best_side


@njit
def uncross(lv, vm, live, ob, free, g, rows, trades, dims, msg, v, x_ref, phase):
    """Execute venue ``v``'s auction at one price: one trade, an execution row per order filled."""
    n = dims[3]
    price, volume, _, _ = indicative_uncross(lv, vm, dims[0], v, x_ref)
    if volume <= 0:
        return
    t = g[b.G_TRADES]
    first_row = g[b.G_ROWS]
    for side in range(2):
        left = volume
        while left > 0:
            filled, _, _ = b.fill_head(lv, vm, live, ob, free, g, rows, dims, msg, v, side, price, left, t)
            left -= filled
    trades[T_ROW * n + t] = first_row
    trades[T_MSG * n + t] = msg
    trades[T_VENUE * n + t] = v
    trades[T_AGGR * n + t] = 0
    trades[T_PX * n + t] = price
    trades[T_SZ * n + t] = volume
    for f in range(T_BB, T_LVLREM + 1):
        trades[f * n + t] = -1
    trades[T_PHASE * n + t] = phase
    g[b.G_TRADES] = t + 1


@njit
def snapshot(lv, vm, g, snap_px, snap_qty, snap_n, snap_ref, width, cap, msg, v, kind):
    """Append venue ``v``'s ten-level book (and level counts) after message ``msg``; ``cap``: capacity."""
    s = g[b.G_SNAPS]
    m = v * N_VM
    for side in range(2):
        step = -1 if side == BID else 1
        q = vm[m + side]
        depth = vm[m + b.VM_NLEV_BID + side]
        depth = depth if depth < LEVELS else LEVELS
        out = side * LEVELS * cap + s
        base = (v * 2 + side) * width * 4
        k = 0
        while k < depth:
            at = base + q * 4
            if lv[at + 1] > 0:
                snap_px[out + k * cap] = q
                snap_qty[out + k * cap] = lv[at]
                snap_n[out + k * cap] = lv[at + 1]
                k += 1
            q += step
        for j in range(k, LEVELS):
            snap_px[out + j * cap] = -1
            snap_qty[out + j * cap] = 0
            snap_n[out + j * cap] = 0
    snap_n[2 * LEVELS * cap + s] = vm[m + b.VM_NLEV_BID]
    snap_n[(2 * LEVELS + 1) * cap + s] = vm[m + b.VM_NLEV_ASK]
    snap_ref[S_MSG * cap + s] = msg
    snap_ref[S_VENUE * cap + s] = v
    snap_ref[S_VROWS * cap + s] = vm[m + b.VM_ROWS]
    snap_ref[S_KIND * cap + s] = kind
    g[b.G_SNAPS] = s + 1
    vm[m + b.VM_DIRTY] = 0
