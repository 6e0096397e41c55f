"""Primitive operations on one venue's price–time priority book.

A venue's book is a window of ``width`` integer price levels per side; each
level is a FIFO queue of orders kept as a doubly linked list over a shared
pool of order slots. Every operation that changes the book appends its L3
row with BMLL's queue fields: ``PriceLevel`` (1-based level of the order's
price after the event, 0 if the level vanished), ``OldPriceLevel`` (of the old
price before the event, 0 if it did not exist), ``SizeAhead``/``OrdersAhead``
(volume and orders with priority over the order: better prices, then earlier
at the same price) and the side-wide queue indexes ``DelOrderIndex``/``AddOrderIndex``.

All state lives in flat one-dimensional containers indexed with integer
arithmetic, so the same code runs compiled by Numba on NumPy arrays and as
plain Python on lists (several times faster than NumPy scalar indexing):

* levels ``lv[lv_at(width, v, side, p) + f]``: f = 0 quantity, 1 orders, 2 head slot, 3 tail slot;
* orders ``ob[slot * OB + f]``: side, price, size, prev, next, order number, position in ``live``,
  iceberg code (``icebergs.py``);
* venue counters ``vm[v * N_VM + VM_*]``; live orders ``live[v * capacity + k]``;
* global counters ``g[G_*]``; L3 rows ``rows[R_* * rows_capacity + row]``.

``dims`` is ``(width, order capacity, rows capacity, trades capacity)``.
"""

from __future__ import annotations

from basalt.synth._jit import njit

BID, ASK = 0, 1
INSERT, REMOVE, UPDATE = 2, 3, 4
"""BMLL ``LobAction`` codes."""
LEVELS = 10
"""Depth of L2 snapshots (a change deeper than this does not dirty the snapshot)."""
OB = 8
"""Fields (stride) of an order slot."""
VM_BEST_BID, VM_BEST_ASK, VM_NLEV_BID, VM_NLEV_ASK, VM_NLIVE, VM_PHASE, VM_ROWS, VM_DIRTY = range(8)
N_VM = 8
G_NFREE, G_NEXT_NO, G_ROWS, G_SNAPS, G_TRADES, G_IMB = range(6)
N_G = 6
R_MSG, R_VENUE, R_SIDE, R_ACTION, R_ORDER, R_PX, R_SZ, R_OLDPX, R_OLDSZ, R_EXEC, R_EXPX = range(11)
R_EXSZ, R_TRADE, R_LVL, R_OLDLVL, R_SZAHEAD, R_NAHEAD, R_DEL, R_ADD, R_POS, R_EOE = range(11, 21)
N_ROW_FIELDS = 21


@njit
def lv_at(width, v, side, p):
    """Index of level ``p`` of ``side`` on venue ``v`` (add 0–3 for its fields)."""
    return ((v * 2 + side) * width + p) * 4


@njit
def scan_better(lv, vm, width, v, side, p):
    """Levels strictly better than ``p`` on ``side``: (count, total size, total orders)."""
    n_levels = 0
    size = 0
    orders = 0
    q = vm[v * N_VM + side]
    base = (v * 2 + side) * width * 4
    if side == BID:
        while q > p:
            k = base + q * 4
            if lv[k + 1] > 0:
                n_levels += 1
                size += lv[k]
                orders += lv[k + 1]
            q -= 1
    else:
        while q < p:
            k = base + q * 4
            if lv[k + 1] > 0:
                n_levels += 1
                size += lv[k]
                orders += lv[k + 1]
            q += 1
    return n_levels, size, orders


@njit
def queue_ahead(lv, ob, width, v, slot):
    """Orders and size ahead of ``slot`` in its own price level's FIFO queue."""
    s = lv[lv_at(width, v, ob[slot * OB], ob[slot * OB + 1]) + 2]
    n = 0
    size = 0
    while s != slot:
        n += 1
        size += ob[s * OB + 2]
        s = ob[s * OB + 4]
    return n, size


@njit
def link(lv, vm, ob, width, v, slot, side, p):
    """Append an order to the tail of level ``p``; 1 if that created the level."""
    k = lv_at(width, v, side, p)
    o = slot * OB
    tail = lv[k + 3]
    ob[o] = side
    ob[o + 1] = p
    ob[o + 3] = tail
    ob[o + 4] = -1
    if tail >= 0:
        ob[tail * OB + 4] = slot
    else:
        lv[k + 2] = slot
    lv[k + 3] = slot
    created = 0
    if lv[k + 1] == 0:
        created = 1
        m = v * N_VM
        vm[m + VM_NLEV_BID + side] += 1
        if side == BID and p > vm[m + VM_BEST_BID]:
            vm[m + VM_BEST_BID] = p
        if side == ASK and p < vm[m + VM_BEST_ASK]:
            vm[m + VM_BEST_ASK] = p
    lv[k + 1] += 1
    lv[k] += ob[o + 2]
    return created


@njit
def unlink(lv, vm, ob, width, v, slot):
    """Take an order out of its level (it stays live); 1 if the level vanished."""
    o = slot * OB
    side = ob[o]
    p = ob[o + 1]
    k = lv_at(width, v, side, p)
    prev = ob[o + 3]
    nxt = ob[o + 4]
    if prev >= 0:
        ob[prev * OB + 4] = nxt
    else:
        lv[k + 2] = nxt
    if nxt >= 0:
        ob[nxt * OB + 3] = prev
    else:
        lv[k + 3] = prev
    lv[k + 1] -= 1
    lv[k] -= ob[o + 2]
    if lv[k + 1] > 0:
        return 0
    m = v * N_VM
    vm[m + VM_NLEV_BID + side] -= 1
    if (
        p == vm[m + side]
    ):  # the touch vanished: walk to the next level (there is one unless the side is empty)
        if vm[m + VM_NLEV_BID + side] == 0:
            vm[m + side] = -1 if side == BID else width
        else:
            step = -1 if side == BID else 1
            q = p + step
            while lv[lv_at(width, v, side, q) + 1] == 0:
                q += step
            vm[m + side] = q
    return 1


@njit
def new_order(vm, live, ob, free, g, capacity, v, size):
    """A fresh order slot with the next order number, registered as live on the venue."""
    nf = g[G_NFREE] - 1
    slot = free[nf]
    g[G_NFREE] = nf
    o = slot * OB
    ob[o + 2] = size
    ob[o + 5] = g[G_NEXT_NO]
    ob[o + 7] = 0  # not an iceberg (``icebergs.py`` marks those)
    g[G_NEXT_NO] += 1
    n = vm[v * N_VM + VM_NLIVE]
    live[v * capacity + n] = slot
    ob[o + 6] = n
    vm[v * N_VM + VM_NLIVE] = n + 1
    return slot


@njit
def drop_order(vm, live, ob, free, g, capacity, v, slot):
    """Forget an unlinked order: swap-remove it from the venue's live list, recycle its slot."""
    pos = ob[slot * OB + 6]
    n = vm[v * N_VM + VM_NLIVE] - 1
    last = live[v * capacity + n]
    live[v * capacity + pos] = last
    ob[last * OB + 6] = pos
    vm[v * N_VM + VM_NLIVE] = n
    free[g[G_NFREE]] = slot
    g[G_NFREE] += 1


@njit
def add_row(rows, g, vm, n, msg, v, side, action, order_no, px, size, old_px, old_size):
    """Append an L3 row (no execution; :func:`set_position` fills the queue fields). ``n``: rows capacity."""
    r = g[G_ROWS]
    rows[R_MSG * n + r] = msg
    rows[R_VENUE * n + r] = v
    rows[R_SIDE * n + r] = side
    rows[R_ACTION * n + r] = action
    rows[R_ORDER * n + r] = order_no
    rows[R_PX * n + r] = px
    rows[R_SZ * n + r] = size
    rows[R_OLDPX * n + r] = old_px
    rows[R_OLDSZ * n + r] = old_size
    rows[R_EXEC * n + r] = 0
    rows[R_EXPX * n + r] = -1
    rows[R_EXSZ * n + r] = 0
    rows[R_TRADE * n + r] = -1
    rows[R_EOE * n + r] = 0
    g[G_ROWS] = r + 1
    vm[v * N_VM + VM_ROWS] += 1
    return r


@njit
def set_position(rows, n, r, level, old_level, size_ahead, orders_ahead, del_index, add_index, pos_change):
    """Fill an L3 row's queue-position fields."""
    rows[R_LVL * n + r] = level
    rows[R_OLDLVL * n + r] = old_level
    rows[R_SZAHEAD * n + r] = size_ahead
    rows[R_NAHEAD * n + r] = orders_ahead
    rows[R_DEL * n + r] = del_index
    rows[R_ADD * n + r] = add_index
    rows[R_POS * n + r] = pos_change


@njit
def insert(lv, vm, live, ob, free, g, rows, dims, msg, v, side, p, size):
    """A new resting order at ``p`` (the caller decided it may rest there)."""
    width = dims[0]
    n_better, size_better, orders_better = scan_better(lv, vm, width, v, side, p)
    k = lv_at(width, v, side, p)
    existed = lv[k + 1] > 0
    size_ahead = size_better + lv[k]
    orders_ahead = orders_better + lv[k + 1]
    slot = new_order(vm, live, ob, free, g, dims[1], v, size)
    link(lv, vm, ob, width, v, slot, side, p)
    r = add_row(rows, g, vm, dims[2], msg, v, side, INSERT, ob[slot * OB + 5], p, size, -1, 0)
    old_level = n_better + 1 if existed else 0
    set_position(rows, dims[2], r, n_better + 1, old_level, size_ahead, orders_ahead, -1, orders_ahead, 1)
    if n_better < LEVELS or not existed:
        vm[v * N_VM + VM_DIRTY] = 1


@njit
def cancel(lv, vm, live, ob, free, g, rows, dims, msg, v, slot):
    """Remove a resting order (not executed)."""
    width = dims[0]
    o = slot * OB
    side, p, size = ob[o], ob[o + 1], ob[o + 2]
    n_better, size_better, orders_better = scan_better(lv, vm, width, v, side, p)
    q_orders, q_size = queue_ahead(lv, ob, width, v, slot)
    vanished = unlink(lv, vm, ob, width, v, slot)
    r = add_row(rows, g, vm, dims[2], msg, v, side, REMOVE, ob[o + 5], -1, 0, p, size)
    drop_order(vm, live, ob, free, g, dims[1], v, slot)
    ahead = orders_better + q_orders
    level = 0 if vanished else n_better + 1
    set_position(rows, dims[2], r, level, n_better + 1, size_better + q_size, ahead, ahead, -1, 1)
    if n_better < LEVELS or vanished:
        vm[v * N_VM + VM_DIRTY] = 1


@njit
def resize(lv, vm, ob, g, rows, dims, msg, v, slot, new_size):
    """Reduce a resting order's size in place (it keeps its queue priority)."""
    width = dims[0]
    o = slot * OB
    side, p, old_size = ob[o], ob[o + 1], ob[o + 2]
    n_better, size_better, orders_better = scan_better(lv, vm, width, v, side, p)
    q_orders, q_size = queue_ahead(lv, ob, width, v, slot)
    ob[o + 2] = new_size
    lv[lv_at(width, v, side, p)] -= old_size - new_size
    r = add_row(rows, g, vm, dims[2], msg, v, side, UPDATE, ob[o + 5], p, new_size, p, old_size)
    ahead = orders_better + q_orders
    set_position(rows, dims[2], r, n_better + 1, n_better + 1, size_better + q_size, ahead, ahead, ahead, 0)
    if n_better < LEVELS:
        vm[v * N_VM + VM_DIRTY] = 1


@njit
def reprice(lv, vm, ob, g, rows, dims, msg, v, slot, p2):
    """Move a resting order to price ``p2``: same id, back of the new level's queue."""
    width = dims[0]
    o = slot * OB
    side, p, size = ob[o], ob[o + 1], ob[o + 2]
    n1, _, o1 = scan_better(lv, vm, width, v, side, p)
    q_orders, _ = queue_ahead(lv, ob, width, v, slot)
    vanished = unlink(lv, vm, ob, width, v, slot)
    n2, s2, o2 = scan_better(lv, vm, width, v, side, p2)
    k = lv_at(width, v, side, p2)
    size_ahead = s2 + lv[k]
    orders_ahead = o2 + lv[k + 1]
    created = link(lv, vm, ob, width, v, slot, side, p2)
    r = add_row(rows, g, vm, dims[2], msg, v, side, UPDATE, ob[o + 5], p2, size, p, size)
    set_position(rows, dims[2], r, n2 + 1, n1 + 1, size_ahead, orders_ahead, o1 + q_orders, orders_ahead, 1)
    # Beyond the top LEVELS, a level vanishing and another appearing leave the snapshot as it was.
    if n1 < LEVELS or n2 < LEVELS or vanished != created:
        vm[v * N_VM + VM_DIRTY] = 1


@njit
def fill_head(lv, vm, live, ob, free, g, rows, dims, msg, v, side, fill_px, want, trade_no):
    """Execute up to ``want`` against the first order of ``side``'s best level on venue ``v``.

    Returns (filled, the order's remaining size, the level's remaining size).
    """
    width, n = dims[0], dims[2]
    p = vm[v * N_VM + side]
    k = lv_at(width, v, side, p)
    slot = lv[k + 2]
    o = slot * OB
    size = ob[o + 2]
    filled = want if want < size else size
    order_no = ob[o + 5]
    if filled == size:
        vanished = unlink(lv, vm, ob, width, v, slot)
        r = add_row(rows, g, vm, n, msg, v, side, REMOVE, order_no, -1, 0, p, size)
        drop_order(vm, live, ob, free, g, dims[1], v, slot)
        set_position(rows, n, r, 0 if vanished else 1, 1, 0, 0, 0, -1, 1)
        left = 0
    else:
        ob[o + 2] = size - filled
        lv[k] -= filled
        r = add_row(rows, g, vm, n, msg, v, side, UPDATE, order_no, p, size - filled, p, size)
        set_position(rows, n, r, 1, 1, 0, 0, 0, 0, 0)
        left = size - filled
    rows[R_EXEC * n + r] = 1
    rows[R_EXPX * n + r] = fill_px
    rows[R_EXSZ * n + r] = filled
    rows[R_TRADE * n + r] = trade_no
    vm[v * N_VM + VM_DIRTY] = 1
    level_left = lv[k] if lv[k + 1] > 0 else 0
    return filled, left, level_left
