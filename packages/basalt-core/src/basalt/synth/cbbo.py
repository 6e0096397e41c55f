"""The consolidated book (CBBO) of an instrument across its venues.

Every L2 snapshot of every venue, in time order, updates that venue's ten
visible levels; the consolidated book aggregates them by price (quantities
and order counts summed across venues) and keeps ten levels per side. A CBBO
row is written whenever that consolidated book changes.

Choices to know about:

* a venue counts only while it is in ``CONTINUOUS_TRADING``: auction books
  (which may be crossed) are indicative, not quotes, so a venue in an auction
  or closed contributes nothing;
* ``BidLevelCount``/``AskLevelCount`` count distinct prices among the venues'
  ten visible levels (deeper levels are not in L2);
* rows carry the primary listing's ``ListingId``, ``Ticker`` and ``MIC`` (the
  file lives with the primary's data), ``L2EventNo`` counts CBBO rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from basalt.synth._jit import JIT_ENABLED, njit
from basalt.synth.book_ops import LEVELS
from basalt.synth.frames import conform, ns_datetime
from basalt.synth.matching import S_MSG, S_VENUE
from basalt.synth.schedule import STATE_CONTINUOUS
from basalt.synth.tables import VenueDay, book_columns
from basalt.tables.bmll import CBBO

L = LEVELS


W = 2 * L
"""Values per side-pair of a snapshot row (10 bid then 10 ask levels)."""
NW = 2 * L + 2
"""Counts per snapshot row: 20 order counts, then the bid and ask level counts."""


@njit
def _merge_side(cur_px, cur_qty, cur_n, n_venues, side, ptr, out_px, out_qty, out_n, cap, row):
    """Aggregate one side of the venues' books by price into CBBO ``row``; returns the level count."""
    for v in range(n_venues):
        ptr[v] = 0
    levels = 0
    while True:
        best = -1
        for v in range(n_venues):
            if ptr[v] < L:
                p = cur_px[v * W + side * L + ptr[v]]
                if p >= 0 and (best < 0 or (side == 0 and p > best) or (side == 1 and p < best)):
                    best = p
        if best < 0:
            return levels
        qty = 0
        orders = 0
        for v in range(n_venues):
            at = v * W + side * L + ptr[v]
            if ptr[v] < L and cur_px[at] == best:
                qty += cur_qty[at]
                orders += cur_n[at]
                ptr[v] += 1
        if levels < L:
            out_px[(side * L + levels) * cap + row] = best
            out_qty[(side * L + levels) * cap + row] = qty
            out_n[(side * L + levels) * cap + row] = orders
        levels += 1


@njit
def consolidate(
    venue, px, qty, n, active, n_venues, cur_px, cur_qty, cur_n, ptr, out_px, out_qty, out_n, out_event,
    out_best, out_tops,
):  # fmt: skip
    """Run the merged snapshot stream (in time order); returns the number of CBBO rows.

    Flat, field-major containers, as the order-book kernel's (``cap`` is the
    number of events ``e``): venue ``venue[e]``, levels ``px[j * cap + e]``
    (and ``qty``, ``n``), ``active[e]`` whether the venue is in continuous
    trading. Per CBBO row ``r`` (same layout, capacity ``cap``): the event it
    follows, the venue with the largest size at each touch
    (``out_best[side * cap + r]``, -1 if none) and every venue's own touch
    (``out_tops[(4 v + k) * cap + r]``, k: bid, bid size, ask, ask size).
    ``cur_*`` (each venue's levels, ``cur_px[v * 20 + j]``, all -1/0) and
    ``ptr`` (one per venue) are scratch.
    """
    cap = len(venue)
    rows = 0
    for e in range(cap):
        v = venue[e]
        on = active[e]
        bid_changed = False
        ask_changed = False
        for j in range(W):
            p = px[j * cap + e] if on else -1
            q = qty[j * cap + e] if on else 0
            c = n[j * cap + e] if on else 0
            at = v * W + j
            if cur_px[at] != p or cur_qty[at] != q or cur_n[at] != c:
                if j < L:
                    bid_changed = True
                else:
                    ask_changed = True
                cur_px[at] = p
                cur_qty[at] = q
                cur_n[at] = c
        if rows > 0 and not bid_changed and not ask_changed:
            continue
        changed = rows == 0
        for side in range(2):
            if rows > 0 and not (bid_changed if side == 0 else ask_changed):
                continue
            for j in range(side * L, side * L + L):
                out_px[j * cap + rows] = -1
                out_qty[j * cap + rows] = 0
                out_n[j * cap + rows] = 0
            out_n[(W + side) * cap + rows] = _merge_side(
                cur_px, cur_qty, cur_n, n_venues, side, ptr, out_px, out_qty, out_n, cap, rows
            )
            if rows > 0 and not changed:  # compare the recomputed side with the last row
                last = (W + side) * cap + rows
                changed = out_n[last] != out_n[last - 1]
                for j in range(side * L, side * L + L):
                    at = j * cap + rows
                    if (
                        out_px[at] != out_px[at - 1]
                        or out_qty[at] != out_qty[at - 1]
                        or out_n[at] != out_n[at - 1]
                    ):
                        changed = True
                        break
        if not changed:
            continue
        for side in range(2):  # a side that did not move is copied from the last row
            if rows > 0 and not (bid_changed if side == 0 else ask_changed):
                for j in range(side * L, side * L + L):
                    out_px[j * cap + rows] = out_px[j * cap + rows - 1]
                    out_qty[j * cap + rows] = out_qty[j * cap + rows - 1]
                    out_n[j * cap + rows] = out_n[j * cap + rows - 1]
                out_n[(W + side) * cap + rows] = out_n[(W + side) * cap + rows - 1]
        for side in range(2):
            best_v = -1
            best_q = 0
            touch = out_px[side * L * cap + rows]
            for w in range(n_venues):
                at = w * W + side * L
                if cur_px[at] >= 0 and cur_px[at] == touch and cur_qty[at] > best_q:
                    best_v = w
                    best_q = cur_qty[at]
            out_best[side * cap + rows] = best_v
        for w in range(n_venues):
            out_tops[(4 * w) * cap + rows] = cur_px[w * W]
            out_tops[(4 * w + 1) * cap + rows] = cur_qty[w * W]
            out_tops[(4 * w + 2) * cap + rows] = cur_px[w * W + L]
            out_tops[(4 * w + 3) * cap + rows] = cur_qty[w * W + L]
        out_event[rows] = e
        rows += 1
    return rows


@dataclass(frozen=True)
class Consolidated:
    """The CBBO of one instrument-day as arrays, one row per change (prices as tick indices, -1 = none)."""

    times: np.ndarray
    px: np.ndarray
    """(20, rows) tick indices: bid levels 1–10, then ask levels."""
    qty: np.ndarray
    """(20, rows) quantities."""
    n: np.ndarray
    """(22, rows): order counts per level, then the bid and ask level counts."""
    best_venue: np.ndarray
    """(2, rows): index (in the instrument's venue list) of the venue with most size at the bid/ask."""
    tops: np.ndarray
    """(4 × venues, rows): each venue's own best bid, its size, best ask, its size."""


def consolidate_venues(days: list[VenueDay]) -> Consolidated:
    """Merge the venues' L2 streams of one instrument-day into its consolidated book."""
    snaps = days[0].run.snapshots  # every venue's snapshots, already in time order
    flow = days[0].run.flow
    msg = snaps.ref[S_MSG]
    times = flow.times[msg]
    events = times.shape[0]
    outputs = [
        np.zeros(events * W, dtype=np.int64),
        np.zeros(events * W, dtype=np.int64),
        np.zeros(events * NW, dtype=np.int64),
        np.zeros(events, dtype=np.int64),
        np.zeros(events * 2, dtype=np.int64),
        np.zeros(events * 4 * len(days), dtype=np.int64),
    ]
    inputs = [
        np.ascontiguousarray(snaps.ref[S_VENUE]),
        np.ascontiguousarray(snaps.px).reshape(-1),
        np.ascontiguousarray(snaps.qty).reshape(-1),
        np.ascontiguousarray(snaps.n[:W]).reshape(-1),
        flow.phase[msg] == STATE_CONTINUOUS,
    ]
    scratch = [
        np.full(len(days) * W, -1, dtype=np.int64),
        np.zeros(len(days) * W, dtype=np.int64),
        np.zeros(len(days) * W, dtype=np.int64),
        np.zeros(len(days), dtype=np.int64),
    ]
    if not JIT_ENABLED:  # plain Python indexes lists much faster than arrays
        inputs, scratch, outputs = ([a.tolist() for a in group] for group in (inputs, scratch, outputs))
    rows = consolidate(*inputs, len(days), *scratch, *outputs)
    out_px, out_qty, out_n, out_event, out_best, out_tops = (np.asarray(a, dtype=np.int64) for a in outputs)
    return Consolidated(
        times=times[out_event[:rows]],
        px=out_px.reshape(W, -1)[:, :rows],
        qty=out_qty.reshape(W, -1)[:, :rows],
        n=out_n.reshape(NW, -1)[:, :rows],
        best_venue=out_best.reshape(2, -1)[:, :rows],
        tops=out_tops.reshape(4 * len(days), -1)[:, :rows],
    )


def cbbo_frame(primary: VenueDay, book: Consolidated) -> pl.DataFrame:
    """The CBBO table of one instrument-day (under the primary listing)."""
    times = book.times
    columns: dict[str, object] = {
        "TimestampNanoseconds": ns_datetime(times),
        "EventTimestamp": ns_datetime(times, "us"),
        "LocalTimestamp": ns_datetime(times + primary.schedule.tz_offset * 1_000_000_000, "us"),
        **book_columns(primary, book.px, book.qty, book.n),
        "L2EventNo": np.arange(1, times.shape[0] + 1, dtype=np.int64),
    }
    frame = pl.DataFrame(columns).with_columns(
        *[c for c in primary.listing_columns() if c.meta.output_name() != "InstrumentId"],
        primary.trade_date().alias("TradeDate"),
        pl.lit(primary.schedule.tz_offset, dtype=pl.Int32).alias("TZOffset"),
    )
    return conform(frame, CBBO)
