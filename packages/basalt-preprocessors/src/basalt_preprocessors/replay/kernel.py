"""The replay kernel: one listing-day of L3 events applied to a book, L2 snapshots out.

Replay is inherently sequential (each event's effect depends on every earlier
one: which orders are live, at which price, with which size), so it cannot be a
Polars expression; it is a loop over rows, compiled by Numba when available
(``_jit.py``) and otherwise run as the very same plain Python on lists.

Everything is integer-coded by the caller (``frames.py``): order ids become
dense codes ``0..n_ids-1`` (-1: no id), prices dense codes ``0..n_px-1`` in
ascending price order (-1: no price), market states small codes. The book is
two arrays over price codes (quantity and order count per side), so finding the
next level is a walk over codes, not over ticks. Outputs are preallocated,
field-major like the synthetic market's (``out_px[j * cap + s]`` with ``j`` the
bid levels 1..N then the ask levels 1..N).
"""

from __future__ import annotations

from basalt_preprocessors.replay._jit import njit

INSERT, REMOVE, UPDATE = 2, 3, 4
"""BMLL ``LobAction`` codes the book reacts to (others change nothing)."""
BID, ASK = 1, 2
"""BMLL ``Side`` codes."""
F_UNKNOWN, F_NEGATIVE, F_CROSSED = 1, 2, 4
"""Snapshot flags: an unknown (or reused) order id, a negative size, a crossed or locked book."""


@njit
def _take_out(o_side, o_px, o_size, o_live, qty, cnt, nlev, best, n_px, oid):
    """Remove live order ``oid`` from its level; returns its price code."""
    s = o_side[oid]
    p = o_px[oid]
    k = s * n_px + p
    qty[k] -= o_size[oid]
    cnt[k] -= 1
    o_live[oid] = 0
    if cnt[k] == 0:
        nlev[s] -= 1
        if p == best[s]:
            if nlev[s] == 0:
                best[s] = -1 if s == 0 else n_px
            else:
                step = -1 if s == 0 else 1
                q = p + step
                while cnt[s * n_px + q] == 0:
                    q += step
                best[s] = q
    return p


@njit
def _rest(o_side, o_px, o_size, o_live, qty, cnt, nlev, best, n_px, oid, s, p, size):
    """Order ``oid`` rests on side ``s`` (0 bid, 1 ask) at price code ``p`` with ``size``."""
    o_side[oid] = s
    o_px[oid] = p
    o_size[oid] = size
    o_live[oid] = 1
    k = s * n_px + p
    if cnt[k] == 0:
        nlev[s] += 1
        if (s == 0 and p > best[0]) or (s == 1 and p < best[1]):
            best[s] = p
    qty[k] += size
    cnt[k] += 1


@njit
def _publish(qty, cnt, nlev, best, n_px, levels, state, out_px, out_qty, out_cnt, out_meta, cap, s):
    """Write the current book as snapshot ``s``; 1 if it differs from snapshot ``s - 1``."""
    changed = 1 if s == 0 else 0
    for side in range(2):
        step = -1 if side == 0 else 1
        q = best[side]
        k = 0
        while k < levels and k < nlev[side]:
            if cnt[side * n_px + q] > 0:
                j = (side * levels + k) * cap + s
                out_px[j] = q
                out_qty[j] = qty[side * n_px + q]
                out_cnt[j] = cnt[side * n_px + q]
                k += 1
            q += step
        while k < levels:
            j = (side * levels + k) * cap + s
            out_px[j] = -1
            out_qty[j] = 0
            out_cnt[j] = 0
            k += 1
        if changed == 0:
            for k in range(levels):
                j = (side * levels + k) * cap + s
                if out_px[j] != out_px[j - 1] or out_qty[j] != out_qty[j - 1] or out_cnt[j] != out_cnt[j - 1]:
                    changed = 1
                    break
    out_meta[0 * cap + s] = nlev[0]
    out_meta[1 * cap + s] = nlev[1]
    out_meta[2 * cap + s] = state
    if s > 0 and (
        nlev[0] != out_meta[0 * cap + s - 1]
        or nlev[1] != out_meta[1 * cap + s - 1]
        or state != out_meta[2 * cap + s - 1]
    ):
        changed = 1
    crossed = nlev[0] > 0 and nlev[1] > 0 and best[0] >= best[1]
    out_meta[3 * cap + s] = F_CROSSED if crossed else 0
    return changed


@njit
def replay(
    side, action, oid, old_oid, px, size, eoe, state, ch_pos, ch_state, n_px, levels, every_row,
    changes_only, o_side, o_px, o_size, o_live, qty, cnt, out_px, out_qty, out_cnt, out_meta, cap,
):  # fmt: skip
    """Apply every row in order; returns the number of snapshots written.

    Rows: ``side``, ``action``, ``oid``, ``old_oid``, ``px``, ``size``, ``eoe``
    and ``state`` codes (see the module doc). Market-state changes: ``ch_pos``
    (the row count before which each applies, non-decreasing) and ``ch_state``.
    ``n_px`` price codes; ``levels`` the depth N. ``every_row``: emission points
    are every row (1) or event ends (0); ``changes_only``: publish only books
    that differ from the last published one (1) or every emission point (0).
    Scratch, zeroed: ``o_side``, ``o_px``, ``o_size``, ``o_live`` by order code;
    ``qty``, ``cnt`` by ``side * n_px + price code``. Outputs: ``out_px``,
    ``out_qty``, ``out_cnt`` (``2 * levels`` fields per snapshot) and
    ``out_meta`` (bid level count, ask level count, state code, flags, index of
    the last applied row or -1, index of the change or -1 for a book snapshot);
    ``cap`` snapshots (rows + changes is always enough).
    """
    n = len(side)
    nlev = [0, 0]
    best = [-1, n_px]
    s = 0
    c = 0
    flags = 0
    last = -1
    for i in range(n + 1):
        while c < len(ch_pos) and ch_pos[c] <= i:
            _publish(
                qty, cnt, nlev, best, n_px, levels, ch_state[c], out_px, out_qty, out_cnt, out_meta, cap, s
            )
            out_meta[4 * cap + s] = last
            out_meta[5 * cap + s] = c
            s += 1
            c += 1
        if i == n:
            break
        a = action[i]
        sd = side[i] - 1
        if a == INSERT:
            o = oid[i]
            if o >= 0 and o_live[o] == 1:
                flags |= F_UNKNOWN
                _take_out(o_side, o_px, o_size, o_live, qty, cnt, nlev, best, n_px, o)
            if size[i] < 0:
                flags |= F_NEGATIVE
            elif size[i] > 0 and o >= 0 and px[i] >= 0 and (sd == 0 or sd == 1):
                _rest(o_side, o_px, o_size, o_live, qty, cnt, nlev, best, n_px, o, sd, px[i], size[i])
        elif a == REMOVE:
            o = old_oid[i]
            if o >= 0 and o_live[o] == 1:
                _take_out(o_side, o_px, o_size, o_live, qty, cnt, nlev, best, n_px, o)
            else:
                flags |= F_UNKNOWN
        elif a == UPDATE:
            o = old_oid[i]
            old_px = -1
            if o >= 0 and o_live[o] == 1:
                old_px = _take_out(o_side, o_px, o_size, o_live, qty, cnt, nlev, best, n_px, o)
            else:
                flags |= F_UNKNOWN
            target = oid[i] if oid[i] >= 0 else o
            p = px[i] if px[i] >= 0 else old_px
            if size[i] < 0:
                flags |= F_NEGATIVE
            elif size[i] > 0 and target >= 0 and p >= 0 and (sd == 0 or sd == 1):
                if o_live[target] == 1:
                    flags |= F_UNKNOWN
                    _take_out(o_side, o_px, o_size, o_live, qty, cnt, nlev, best, n_px, target)
                _rest(o_side, o_px, o_size, o_live, qty, cnt, nlev, best, n_px, target, sd, p, size[i])
        last = i
        if every_row == 1 or eoe[i] == 1 or i == n - 1:
            changed = _publish(
                qty, cnt, nlev, best, n_px, levels, state[i], out_px, out_qty, out_cnt, out_meta, cap, s
            )
            if changed == 1 or flags != 0 or changes_only == 0:
                out_meta[3 * cap + s] |= flags
                out_meta[4 * cap + s] = i
                out_meta[5 * cap + s] = -1
                s += 1
            flags = 0
    return s
