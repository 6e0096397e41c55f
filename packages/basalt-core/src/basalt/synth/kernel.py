"""The order-book simulation of one instrument-day on all its venues at once.

The order flow is a zero-intelligence model in the spirit of Cont, Stoikov &
Talreja (2010), "A stochastic model for order book dynamics", *Operations
Research* 58(3): limit orders, market orders and cancellations arrive at
random, cancellations in proportion to the number of resting orders (which
keeps each book's depth stationary). Departures that make it a market:

* Limit prices are placed relative to a latent *efficient price* ``x`` (in
  ticks, shared by all venues) at a heavy-tailed distance from the touch, as
  observed by Bouchaud, Mézard & Potters (2002), "Statistical properties of
  stock order books", *Quantitative Finance* 2(4).
* Market orders lean towards ``x`` (buys are likelier when ``x`` is above the
  consolidated mid) and quotes left stale by a move of ``x`` are cancelled or
  repriced first, so prices follow ``x`` within a tick or two.
* Orders are smart-order-routed across venues (``matching.py``), which keeps
  the venues' books consistent with each other, and an arbitrageur takes a
  stale quote out as soon as the consolidated book locks or crosses (after a
  venue re-opens from an auction).
* Auction call phases collect orders without matching, then uncross.

Messages come pre-drawn (``flow.py``): per message ``i`` its venue, phase,
kind (``CTL_*``), ``x[i]`` in ticks, four uniforms ``u[4 i + j]`` (action,
side, order pick, variant), a price distance and a size; ``prm[v * N_PARAMS +
P_*]`` are per-venue parameters. Integer tick arithmetic throughout, floats
only in comparisons, flat containers (``book_ops.py``): compiled by Numba on
NumPy arrays, or run as plain Python on lists, with identical output.
"""

from __future__ import annotations

import math

from basalt.synth import book_ops as b
from basalt.synth import icebergs as ice
from basalt.synth import matching as m
from basalt.synth._jit import njit
from basalt.synth.book_ops import ASK, BID, N_VM, OB
from basalt.synth.matching import PH_CONTINUOUS

CTL_FLOW, CTL_UNCROSS, CTL_SEED, CTL_PHASE = 0, 1, 2, 3
"""Message kinds: order flow, auction uncross, forced passive insert (MTF opening quotes), phase change."""
P_H, P_INS, P_MKT, P_CAN, P_MOD, P_TARGET, P_STALE, P_REPRICE, P_KAPPA, P_SWEEP = range(10)
P_A_INS, P_A_CAN, P_A_MOD, P_A_AGGR, P_PI_MIN, P_CROSS = range(10, 16)
N_PARAMS = 16
"""Per-venue parameters (defaults and meaning in ``flow.kernel_params``)."""

OK, ROWS_FULL, SNAPS_FULL, TRADES_FULL, IMB_FULL, ORDERS_FULL = range(6)
"""Return codes: done, or which output ran out of room (the caller grows it and reruns)."""


@njit
def _clamp(p, width):
    """``p`` kept inside the price window, [1, width - 2]."""
    return 1 if p < 1 else (width - 2 if p > width - 2 else p)


@njit
def _reference(side, x, h, distance, width):
    """Limit price ``distance`` ticks behind the side's reference quote around ``x``."""
    if side == BID:
        return _clamp(math.floor(x - h) - distance, width)
    return _clamp(-math.floor(-(x + h)) + distance, width)


@njit
def _post_only(vm, n_venues, width, side, p):
    """``p`` moved back so that it neither locks nor crosses the consolidated book."""
    opp = m.consolidated_best(vm, n_venues, 1 - side, width)
    if side == BID and opp >= 0 and p >= opp:
        return opp - 1
    if side == ASK and opp < width and p <= opp:
        return opp + 1
    return p


@njit
def _pick(live, capacity, v, n_live, u):
    k = int(u * n_live)
    return live[v * capacity + (k if k < n_live else n_live - 1)]


@njit
def _stalest(lv, vm, n_venues, width, x, h):
    """(venue, newest order) of the touch the efficient price left furthest behind, or (-1, -1).

    A bid above ``floor(x - h)`` (ask below ``ceil(x + h)``) is a quote market
    makers would pull or move, on whichever venue it rests: public information
    reaches the books this way, without trades, and no venue stays stale for
    long because it receives fewer messages.
    """
    bid_ref = math.floor(x - h)
    ask_ref = -math.floor(-(x + h))
    venue, slot, worst = -1, -1, 0
    for w in range(n_venues):
        if vm[w * N_VM + b.VM_PHASE] != PH_CONTINUOUS:
            continue
        bb = vm[w * N_VM + BID]
        ba = vm[w * N_VM + ASK]
        if bb >= 0 and bb - bid_ref > worst:
            venue, slot, worst = w, lv[b.lv_at(width, w, BID, bb) + 3], bb - bid_ref
        if ba < width and ask_ref - ba > worst:
            venue, slot, worst = w, lv[b.lv_at(width, w, ASK, ba) + 3], ask_ref - ba
    return venue, slot


@njit
def _continuous(
    lv, vm, live, ob, free, g, rows, trades, dims, n_venues, msg, v, x, u, distance, size, prm, pp
):
    """One order-flow message of venue ``v`` in continuous trading.

    ``u`` holds the message's four uniforms; ``pp`` is the venue's offset in ``prm``.
    Returns ``(venue, side, price, size)`` of a marketable limit order's remainder
    still to rest after its fills (venue -1 if none): as in BMLL's L3, the fills
    and the resting remainder are two events, each ending with ``EndOfEvent``
    and each followed by its own L2 snapshot, so the caller closes the first
    event before inserting.
    """
    width = dims[0]
    n_live = vm[v * N_VM + b.VM_NLIVE]
    ratio = n_live / prm[pp + P_TARGET]
    w_ins = prm[pp + P_INS]
    w_mkt = prm[pp + P_MKT]
    w_can = prm[pp + P_CAN] * ratio
    r = u[0] * (w_ins + w_mkt + w_can + prm[pp + P_MOD] * ratio)
    h = prm[pp + P_H]
    if r < w_ins or n_live == 0:
        side = BID if u[1] < 0.5 else ASK
        p = _reference(side, x, h, distance, width)
        opp = m.consolidated_best(vm, n_venues, 1 - side, width)
        crosses = (side == BID and opp < width and p >= opp) or (side == ASK and opp >= 0 and p <= opp)
        if crosses and u[3] < prm[pp + P_CROSS]:  # a marketable limit order, sent where the price is best
            w = m.route(lv, vm, n_venues, width, 1 - side, v)
            row0 = g[b.G_ROWS]
            left = m.match(lv, vm, live, ob, free, g, rows, trades, dims, msg, w, side, p, size)
            if left > 0:  # the rest joins the book there, unless that would lock another venue
                p = _post_only(vm, n_venues, width, side, p)
                if g[b.G_ROWS] > row0:  # after fills, the resting remainder is an event of its own
                    return w, side, p, left
                b.insert(lv, vm, live, ob, free, g, rows, dims, msg, w, side, p, left)
        else:  # most limit orders are passive: at worst they join the consolidated touch
            p = _post_only(vm, n_venues, width, side, p)
            b.insert(lv, vm, live, ob, free, g, rows, dims, msg, v, side, p, size)
    elif r < w_ins + w_mkt:
        bb = m.consolidated_best(vm, n_venues, BID, width)
        ba = m.consolidated_best(vm, n_venues, ASK, width)
        deviation = x - 0.5 * (bb + ba) if (bb >= 0 and ba < width) else 0.0
        pi = 0.5 + prm[pp + P_KAPPA] * deviation
        lo = prm[pp + P_PI_MIN]
        pi = lo if pi < lo else (1.0 - lo if pi > 1.0 - lo else pi)
        side = BID if u[1] < pi else ASK
        w = m.route(lv, vm, n_venues, width, 1 - side, v)
        if w >= 0:
            sweep = int(prm[pp + P_SWEEP])
            limit = vm[w * N_VM + ASK] + sweep if side == BID else vm[w * N_VM + BID] - sweep
            m.match(lv, vm, live, ob, free, g, rows, trades, dims, msg, w, side, limit, size)
    else:
        slot = -1
        if u[3] < prm[pp + P_STALE]:
            w, slot = _stalest(lv, vm, n_venues, width, x, h)
            v = w if slot >= 0 else v  # the message goes to the venue holding the stale quote
        if slot < 0:
            slot = _pick(live, dims[1], v, n_live, u[2])
        n_live = vm[v * N_VM + b.VM_NLIVE]
        if r < w_ins + w_mkt + w_can:
            b.cancel(lv, vm, live, ob, free, g, rows, dims, msg, v, slot)
            return -1, 0, 0, 0
        side = ob[slot * OB]
        variant = u[2] * n_live  # the fraction left after picking an order is a fresh uniform
        if variant - math.floor(variant) < prm[pp + P_REPRICE]:
            p2 = _post_only(vm, n_venues, width, side, _reference(side, x, h, distance, width))
            if p2 != ob[slot * OB + 1]:
                b.reprice(lv, vm, ob, g, rows, dims, msg, v, slot, p2)
                return -1, 0, 0, 0
        new_size = (ob[slot * OB + 2] * (1 + int(u[1] * 9))) // 10
        if new_size < 1:
            b.cancel(lv, vm, live, ob, free, g, rows, dims, msg, v, slot)
        else:
            b.resize(lv, vm, ob, g, rows, dims, msg, v, slot, new_size)
    return -1, 0, 0, 0


@njit
def _arbitrage(lv, vm, live, ob, free, g, rows, trades, dims, msg, x):
    """Take a stale quote out of a locked or crossed consolidated book; 1 if it traded, else 0.

    Venues in continuous trading can cross each other when one re-opens: a
    primary's uncross (opening or volatility auction) leaves its book where
    the auction cleared while the MTFs traded on, and nothing else in the flow
    removes a quote merely because another venue's is better. Arbitrageurs do,
    within the next message: the quote further from the efficient price ``x``
    (the best bid on one venue or the best ask on another) is hit, on its own
    venue, at every price through the other side's best, as one event.
    """
    width, n_venues = dims[0], dims[6]
    bid_venue, ask_venue, bid, ask = -1, -1, -1, width
    for w in range(n_venues):
        if vm[w * N_VM + b.VM_PHASE] != PH_CONTINUOUS:
            continue
        if vm[w * N_VM + BID] > bid:
            bid, bid_venue = vm[w * N_VM + BID], w
        if vm[w * N_VM + ASK] < ask:
            ask, ask_venue = vm[w * N_VM + ASK], w
    if bid_venue < 0 or ask_venue < 0 or bid < ask or bid_venue == ask_venue:
        return 0
    everything = 1 << 40
    if bid - x >= x - ask:  # sell into the stale bid, down to the best ask elsewhere
        m.match(lv, vm, live, ob, free, g, rows, trades, dims, msg, bid_venue, ASK, ask, everything)
    else:  # buy the stale ask, up to the best bid elsewhere
        m.match(lv, vm, live, ob, free, g, rows, trades, dims, msg, ask_venue, BID, bid, everything)
    return 1


@njit
def _auction(lv, vm, live, ob, free, g, rows, dims, msg, v, x, u, distance, size, prm, pp):
    """One order-flow message of venue ``v`` in an auction call phase: orders rest, nothing matches."""
    width = dims[0]
    n_live = vm[v * N_VM + b.VM_NLIVE]
    ratio = n_live / prm[pp + P_TARGET]
    w_ins = prm[pp + P_A_INS]
    w_can = prm[pp + P_A_CAN] * ratio
    r = u[0] * (w_ins + w_can + prm[pp + P_A_MOD] * ratio)
    if r < w_ins or n_live == 0:
        side = BID if u[1] < 0.5 else ASK
        if u[3] < prm[pp + P_A_AGGR]:  # priced through the efficient price: these make the auction cross
            offset = distance % 4
            p = _clamp(-math.floor(-x) + offset if side == BID else math.floor(x) - offset, width)
        else:
            p = _reference(side, x, prm[pp + P_H], distance, width)
        b.insert(lv, vm, live, ob, free, g, rows, dims, msg, v, side, p, size)
    elif r < w_ins + w_can:
        b.cancel(lv, vm, live, ob, free, g, rows, dims, msg, v, _pick(live, dims[1], v, n_live, u[2]))
    else:
        slot = _pick(live, dims[1], v, n_live, u[2])
        new_size = (ob[slot * OB + 2] * (1 + int(u[1] * 9))) // 10
        if new_size < 1:
            b.cancel(lv, vm, live, ob, free, g, rows, dims, msg, v, slot)
        else:
            b.resize(lv, vm, ob, g, rows, dims, msg, v, slot, new_size)


@njit
def _imbalance(lv, vm, g, imb, dims, msg, v, x):
    """Append venue ``v``'s indicative uncross after an auction message."""
    width, n = dims[0], dims[4]
    k = g[b.G_IMB]
    price, paired, imbalance, side = m.indicative_uncross(lv, vm, width, v, x)
    ask = vm[v * N_VM + ASK]
    imb[m.I_MSG * n + k] = msg
    imb[m.I_VENUE * n + k] = v
    imb[m.I_VROWS * n + k] = vm[v * N_VM + b.VM_ROWS]
    imb[m.I_PX * n + k] = price
    imb[m.I_PAIRED * n + k] = paired
    imb[m.I_IMB * n + k] = imbalance
    imb[m.I_SIDE * n + k] = side
    imb[m.I_BB * n + k] = vm[v * N_VM + BID]
    imb[m.I_BA * n + k] = ask if ask < width else -1
    g[b.G_IMB] = k + 1


@njit
def _end_event(lv, vm, g, rows, snap_px, snap_qty, snap_n, snap_ref, dims, msg):
    """Close an event: ``EndOfEvent`` on its last L3 row, an L2 snapshot of every venue it changed."""
    rows[b.R_EOE * dims[2] + g[b.G_ROWS] - 1] = 1
    for w in range(dims[6]):
        if vm[w * N_VM + b.VM_DIRTY] == 1:
            m.snapshot(lv, vm, g, snap_px, snap_qty, snap_n, snap_ref, dims[0], dims[5], msg, w, 0)


@njit
def simulate(
    venue, phase, ctl, x, u, distance, size, prm, hidden, lv, vm, live, ob, free, g, rows, trades, snap_px,
    snap_qty, snap_n, snap_ref, imb, dims,
):  # fmt: skip
    """Run every message of an instrument-day; ``OK`` or the code of the output that is full.

    State (levels, venue counters, live orders, order pool, free-slot stack,
    global counters) and outputs are preallocated by ``book.py``; ``dims`` is
    ``(width, order capacity, rows capacity, trades capacity, imbalance
    capacity, snapshot capacity, venues)``. ``hidden[i] > 0`` plants message
    ``i``'s order as an iceberg with that hidden reserve (``icebergs.py``).
    """
    width, n_venues = dims[0], dims[6]
    for i in range(len(venue)):
        n_live = 0
        for w in range(n_venues):
            n_live += vm[w * N_VM + b.VM_NLIVE]
        if g[b.G_ROWS] + n_live + 4 + 2 * ice.MAX_REFILLS > dims[2]:  # an iceberg refill: 2 more rows
            return ROWS_FULL
        if g[b.G_TRADES] + n_live + 2 + ice.MAX_REFILLS > dims[3]:
            return TRADES_FULL
        if g[b.G_IMB] + 1 > dims[4]:
            return IMB_FULL
        if g[b.G_SNAPS] + n_venues + 1 > dims[5]:  # a fill and its resting remainder: two snapshots
            return SNAPS_FULL
        if g[b.G_NFREE] < 1:
            return ORDERS_FULL
        v = venue[i]
        ph = phase[i]
        kind = ctl[i]
        pp = v * N_PARAMS
        row0 = g[b.G_ROWS]
        if kind == CTL_PHASE:
            vm[v * N_VM + b.VM_PHASE] = ph
            m.snapshot(lv, vm, g, snap_px, snap_qty, snap_n, snap_ref, width, dims[5], i, v, 1)
            continue
        if kind == CTL_UNCROSS:
            m.uncross(lv, vm, live, ob, free, g, rows, trades, dims, i, v, x[i], ph)
        elif kind == CTL_SEED:
            side = BID if u[4 * i + 1] < 0.5 else ASK
            p = _post_only(
                vm, n_venues, width, side, _reference(side, x[i], prm[pp + P_H], distance[i], width)
            )
            b.insert(lv, vm, live, ob, free, g, rows, dims, i, v, side, p, size[i])
        elif ph == PH_CONTINUOUS and _arbitrage(lv, vm, live, ob, free, g, rows, trades, dims, i, x[i]):
            pass  # the message was an arbitrageur's order taking a stale quote out of a crossed book
        elif ph == PH_CONTINUOUS:
            draws = (u[4 * i], u[4 * i + 1], u[4 * i + 2], u[4 * i + 3])
            rest_v, rest_side, rest_p, rest_size = _continuous(
                lv, vm, live, ob, free, g, rows, trades, dims, n_venues, i, v, x[i], draws, distance[i],
                size[i], prm, pp,
            )  # fmt: skip
            if rest_v >= 0:
                _end_event(lv, vm, g, rows, snap_px, snap_qty, snap_n, snap_ref, dims, i)
                b.insert(lv, vm, live, ob, free, g, rows, dims, i, rest_v, rest_side, rest_p, rest_size)
            if hidden[i] > 0:
                ice.plant(rows, vm, live, ob, g, dims, row0, i, hidden[i])
        else:
            draws = (u[4 * i], u[4 * i + 1], u[4 * i + 2], u[4 * i + 3])
            _auction(lv, vm, live, ob, free, g, rows, dims, i, v, x[i], draws, distance[i], size[i], prm, pp)
        if g[b.G_ROWS] == row0:
            continue
        _end_event(lv, vm, g, rows, snap_px, snap_qty, snap_n, snap_ref, dims, i)
        if ph != PH_CONTINUOUS and kind == CTL_FLOW:
            _imbalance(lv, vm, g, imb, dims, i, v, x[i])
    return OK
