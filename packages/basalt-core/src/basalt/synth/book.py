"""Run the kernel on one instrument-day's flow: allocate, grow on overflow, split per venue.

The kernel works on flat containers: NumPy arrays when compiled by Numba,
Python lists otherwise (indexing a list from Python is several times faster
than indexing an array). It writes into preallocated outputs whose sizes are
generous guesses; if one fills up, the kernel stops with a code naming it and
the whole instrument-day is simulated again with that output doubled. Inputs
do not change between attempts, so the result is the same as with perfect
guesses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from basalt.synth import book_ops as b
from basalt.synth import kernel as k
from basalt.synth import matching as m
from basalt.synth._jit import JIT_ENABLED
from basalt.synth.flow import WIDTH, MessageFlow


@dataclass(frozen=True)
class Snapshots:
    """Every L2 snapshot of an instrument-day, all venues, in the order taken (so in time order)."""

    px: np.ndarray
    """(20, n) tick indices: bid levels 1–10 then ask 1–10; -1 where there is no level."""
    qty: np.ndarray
    """(20, n) quantities."""
    n: np.ndarray
    """(22, n) order counts, then the bid and ask level counts."""
    ref: np.ndarray
    """(4, n) ``matching.S_*``: message, venue, the venue's L3 rows so far, kind."""


@dataclass(frozen=True)
class VenueRun:
    """The kernel's output for one venue of an instrument-day (message indices refer to ``flow``)."""

    flow: MessageFlow
    venue: int
    rows: np.ndarray
    """L3 rows of the venue, ``rows[b.R_*, row]``, in event order."""
    trades: np.ndarray
    """Trades on the venue, ``trades[m.T_*, k]``; ``T_ROW`` is the venue's own (0-based) row."""
    trade_numbers: np.ndarray
    """Instrument-wide number of each trade (``rows[b.R_TRADE]`` uses these)."""
    snapshots: Snapshots
    """All venues' snapshots (shared)."""
    snap_index: np.ndarray
    """Positions of this venue's snapshots in ``snapshots``."""
    imbalance: np.ndarray
    """Auction imbalance rows, ``imbalance[m.I_*, k]``."""

    @property
    def n_rows(self) -> int:
        """Number of L3 rows."""
        return int(self.rows.shape[1])

    @property
    def n_snaps(self) -> int:
        """Number of L2 snapshots."""
        return int(self.snap_index.shape[0])

    def snap_ref(self, field: int) -> np.ndarray:
        """One ``matching.S_*`` field of this venue's snapshots."""
        return self.snapshots.ref[field, self.snap_index]

    @property
    def snap_msg(self) -> np.ndarray:
        """Message index of each snapshot."""
        return self.snap_ref(m.S_MSG)

    @property
    def snap_rows(self) -> np.ndarray:
        """The venue's L3 row count when each snapshot was taken."""
        return self.snap_ref(m.S_VROWS)

    def levels(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """This venue's snapshots: (20, n) prices, (20, n) quantities and (22, n) counts (rows contiguous)."""
        s = self.snapshots
        return (
            _take_rows(s.px, self.snap_index),
            _take_rows(s.qty, self.snap_index),
            _take_rows(s.n, self.snap_index),
        )

    def touch(self, column: int) -> np.ndarray:
        """Price (``column`` 0 bid, 10 ask) of the touch in each of this venue's snapshots."""
        return self.snapshots.px[column, self.snap_index]

    def touch_size(self, column: int) -> np.ndarray:
        """Size at the touch (``column`` 0 bid, 10 ask) in each of this venue's snapshots."""
        return self.snapshots.qty[column, self.snap_index]


def _take_rows(array: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``array[:, index]`` with contiguous rows (NumPy's fancy indexing would return them strided)."""
    out = np.empty((array.shape[0], index.shape[0]), dtype=array.dtype)
    for j in range(array.shape[0]):
        np.take(array[j], index, out=out[j])
    return out


def _capacities(flow: MessageFlow) -> dict[str, int]:
    n = len(flow)
    auction = int(np.count_nonzero((flow.phase != m.PH_CONTINUOUS) & (flow.ctl == k.CTL_FLOW)))
    return {
        "rows": int(1.3 * n) + 4096,
        "trades": n // 8 + 4096,
        "snaps": n + 64,
        "imb": auction + 16,
        "orders": min(n, 100_000) + 4096,
    }


_GROW = {k.ROWS_FULL: "rows", k.TRADES_FULL: "trades", k.SNAPS_FULL: "snaps", k.IMB_FULL: "imb"}
_GROW[k.ORDERS_FULL] = "orders"


def _containers(arrays: list[np.ndarray]) -> list[Any]:
    """NumPy arrays for the compiled kernel; Python lists for the pure-Python one (much faster to index)."""
    return arrays if JIT_ENABLED else [a.tolist() for a in arrays]


def run_book(flow: MessageFlow) -> list[VenueRun]:
    """Simulate the books of every venue through ``flow``; one result per venue."""
    n_venues = flow.params.shape[0]
    cap = _capacities(flow)
    inputs = _containers(
        [
            flow.venue,
            flow.phase,
            flow.ctl,
            flow.x,
            flow.u.reshape(-1),
            flow.distance,
            flow.size,
            flow.params.reshape(-1),
            flow.hidden if flow.hidden.shape[0] else np.zeros(len(flow), dtype=np.int64),
        ]
    )
    while True:
        orders = cap["orders"]
        lv = np.zeros((n_venues, 2, WIDTH, 4), dtype=np.int64)
        lv[..., 2:] = -1  # empty queues: no head, no tail
        vm = np.zeros((n_venues, b.N_VM), dtype=np.int64)
        vm[:, b.VM_BEST_BID], vm[:, b.VM_BEST_ASK] = -1, WIDTH
        g = np.zeros(b.N_G, dtype=np.int64)
        g[b.G_NFREE] = orders
        state = [
            lv.reshape(-1),
            vm.reshape(-1),
            np.zeros(n_venues * orders, dtype=np.int64),  # live orders per venue
            np.zeros(orders * b.OB, dtype=np.int64),  # order pool
            np.arange(orders - 1, -1, -1, dtype=np.int64),  # free slots, used from 0 up
            g,
            np.zeros(b.N_ROW_FIELDS * cap["rows"], dtype=np.int64),
            np.zeros(m.N_TRADE_FIELDS * cap["trades"], dtype=np.int64),
            np.zeros(2 * b.LEVELS * cap["snaps"], dtype=np.int32),
            np.zeros(2 * b.LEVELS * cap["snaps"], dtype=np.int64),
            np.zeros((2 * b.LEVELS + 2) * cap["snaps"], dtype=np.int32),
            np.zeros(m.N_SNAP_REF * cap["snaps"], dtype=np.int64),
            np.zeros(m.N_IMB_FIELDS * cap["imb"], dtype=np.int64),
        ]
        state = _containers(state)
        dims = (WIDTH, orders, cap["rows"], cap["trades"], cap["imb"], cap["snaps"], n_venues)
        status = k.simulate(*inputs, *state, dims)
        if status == k.OK:
            break
        cap[_GROW[int(status)]] *= 2
    g = np.asarray(state[5], dtype=np.int64)
    n_snaps = int(g[b.G_SNAPS])
    rows, trades, snap_px, snap_qty, snap_n, snap_ref, imb = (  # no copies when already arrays
        np.asarray(a, dtype=t)
        for a, t in zip(
            state[6:], (np.int64, np.int64, np.int32, np.int64, np.int32, np.int64, np.int64), strict=True
        )
    )
    snapshots = Snapshots(
        px=snap_px.reshape(2 * b.LEVELS, -1)[:, :n_snaps],
        qty=snap_qty.reshape(2 * b.LEVELS, -1)[:, :n_snaps],
        n=snap_n.reshape(2 * b.LEVELS + 2, -1)[:, :n_snaps],
        ref=snap_ref.reshape(m.N_SNAP_REF, -1)[:, :n_snaps],
    )
    return _split(
        flow,
        g,
        rows.reshape(b.N_ROW_FIELDS, cap["rows"]),
        trades.reshape(m.N_TRADE_FIELDS, cap["trades"]),
        snapshots,
        imb.reshape(m.N_IMB_FIELDS, cap["imb"]),
        n_venues,
    )


def _split(
    flow: MessageFlow,
    g: np.ndarray,
    rows: np.ndarray,
    trades: np.ndarray,
    snapshots: Snapshots,
    imb: np.ndarray,
    n_venues: int,
) -> list[VenueRun]:
    n_rows, n_trades, n_imb = (int(g[f]) for f in (b.G_ROWS, b.G_TRADES, b.G_IMB))
    # Group every output by venue with one stable sort each (event order is kept within a venue).
    row_order = np.argsort(rows[b.R_VENUE, :n_rows], kind="stable")
    rows = _take_rows(rows, row_order)
    row_bounds = np.searchsorted(rows[b.R_VENUE], np.arange(n_venues + 1))
    venue_row = np.empty(n_rows, dtype=np.int64)  # instrument-wide row -> the venue's own row
    venue_row[row_order] = np.arange(n_rows) - row_bounds[rows[b.R_VENUE]]
    trade_order = np.argsort(trades[m.T_VENUE, :n_trades], kind="stable")
    trades = _take_rows(trades, trade_order)
    trades[m.T_ROW] = venue_row[trades[m.T_ROW]]
    trade_bounds = np.searchsorted(trades[m.T_VENUE], np.arange(n_venues + 1))
    snap_venue = snapshots.ref[m.S_VENUE]
    imb = imb[:, :n_imb]
    out = []
    for v in range(n_venues):
        r0, r1 = row_bounds[v], row_bounds[v + 1]
        t0, t1 = trade_bounds[v], trade_bounds[v + 1]
        out.append(
            VenueRun(
                flow=flow,
                venue=v,
                rows=rows[:, r0:r1],
                trades=trades[:, t0:t1],
                trade_numbers=trade_order[t0:t1],
                snapshots=snapshots,
                snap_index=np.flatnonzero(snap_venue == v),
                imbalance=imb[:, imb[m.I_VENUE] == v],
            )
        )
    return out
