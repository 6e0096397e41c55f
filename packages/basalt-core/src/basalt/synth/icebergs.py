"""Iceberg orders planted in the synthetic market, and the truth about them in a side file.

With ``SynthConfig.iceberg_rate`` above 0, a purely passive limit order of
continuous trading (a message whose only effect is one new resting order) is
an *iceberg* with that probability: it displays its drawn size (the *peak*)
and holds a hidden reserve of 2–10 more peaks. When an incoming order executes
the displayed peak in full, the venue shows the next peak at once, as
Euronext's, the LSE's and Xetra's iceberg orders do: a new order (new id, back
of the queue, so it loses time priority) at the same price and side, in the
same message — the execution row is followed directly by the refill's insert
row, with the same timestamp — and the incoming order may go on to execute it.
Hidden volume never executes unseen. A reprice moves the iceberg (its next
peaks come at the new price), a resize shrinks only the displayed peak, a
cancel withdraws the whole iceberg. Auction uncrosses execute displayed
quantities only (no refills there), and one incoming order triggers at most
:data:`MAX_REFILLS` refills (so a message writes a bounded number of rows).

The random draws (which orders, how large a reserve) come from a stream of
their own (:func:`hidden_reserves`), so planting changes no other draw and
``iceberg_rate = 0`` leaves the generator's output byte-identical.

State: an order slot's spare field ``ob[slot * OB + 7]`` holds the iceberg's
code ``reserve * CODE_BASE + peak`` (0 for ordinary orders).

The truth (:func:`truth_frame`, written by ``write_lake`` to
:data:`TRUTH_PATH` under the lake root) is read back from the L3 rows the
kernel wrote: the planted order, then each refill (the insert row right after
the execution row of the previous peak, same message, side and price).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from basalt.synth import book_ops as b
from basalt.synth._jit import njit

if TYPE_CHECKING:  # pragma: no cover - typing only
    from basalt.synth.tables import VenueDay

DEFAULT_RATE = 0.05
"""Planting rate the tests and examples use (``SynthConfig.iceberg_rate`` defaults to 0: off)."""
MAX_REFILLS = 4
"""Refills one incoming order may trigger (further fully executed icebergs are exhausted)."""
CODE_BASE = 1 << 31
"""``ob[slot * OB + 7] = reserve * CODE_BASE + peak``; peaks and reserves stay below it."""
RESERVE_PEAKS = (2, 10)
"""Hidden reserve of a planted iceberg, in peaks (uniform, inclusive)."""
TRUTH_PATH = Path("_truth") / "icebergs.parquet"
"""Side file of the planted icebergs, relative to the lake root (underscore: lake readers skip it)."""
ICE = 7
"""Field of an order slot holding its iceberg code."""


def hidden_reserves(
    rng: np.random.Generator, rate: float, size: np.ndarray, eligible: np.ndarray
) -> np.ndarray:
    """Hidden reserve (shares) of each message's order, 0 for ordinary orders.

    Args:
        rng: The icebergs' own random stream.
        rate: Probability that an eligible message's order is an iceberg.
        size: Drawn order sizes (the peaks).
        eligible: Messages that may carry an iceberg (continuous-trading order flow).
    """
    n = size.shape[0]
    chosen = (rng.random(n) < rate) & eligible
    peaks = rng.integers(RESERVE_PEAKS[0], RESERVE_PEAKS[1] + 1, n)
    reserve = np.where(chosen, peaks * size, 0).astype(np.int64)
    reserve[(size >= CODE_BASE) | (reserve >= CODE_BASE)] = 0  # too large to encode: stays ordinary
    return reserve


@njit
def plant(rows, vm, live, ob, g, dims, row0, msg, reserve):
    """Make message ``msg``'s new resting order an iceberg, if the message did nothing else.

    Called after the message ran; ``row0`` is the row count before it. Only a
    message that wrote exactly one row, an insert, is planted.
    """
    n = dims[2]
    r = g[b.G_ROWS] - 1
    if r != row0 or rows[b.R_ACTION * n + r] != b.INSERT or rows[b.R_MSG * n + r] != msg:
        return
    v = rows[b.R_VENUE * n + r]
    slot = live[v * dims[1] + vm[v * b.N_VM + b.VM_NLIVE] - 1]
    if ob[slot * b.OB + 5] == rows[b.R_ORDER * n + r]:
        ob[slot * b.OB + ICE] = reserve * CODE_BASE + rows[b.R_SZ * n + r]


@njit
def head_code(lv, ob, width, w, side, p):
    """Iceberg code of the first order of level ``p`` on ``side`` of venue ``w`` (0: ordinary)."""
    return ob[lv[b.lv_at(width, w, side, p) + 2] * b.OB + ICE]


@njit
def refill(lv, vm, live, ob, free, g, rows, dims, msg, w, side, p, code):
    """Show an iceberg's next peak after its displayed one was executed in full (at the queue's back)."""
    reserve = code // CODE_BASE
    peak = code - reserve * CODE_BASE
    show = peak if peak < reserve else reserve
    b.insert(lv, vm, live, ob, free, g, rows, dims, msg, w, side, p, show)
    slot = live[w * dims[1] + vm[w * b.N_VM + b.VM_NLIVE] - 1]
    rest = reserve - show
    ob[slot * b.OB + ICE] = rest * CODE_BASE + peak if rest > 0 else 0


TRUTH_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "ListingId": pl.Int64,
    "MIC": pl.String,
    "TradeDate": pl.Date,
    "IcebergId": pl.String,
    "Side": pl.Int64,
    "Price": pl.Float64,
    "FirstSeen": pl.Datetime("ns"),
    "PeakSize": pl.Int64,
    "HiddenSize": pl.Int64,
    "Refills": pl.Int64,
    "ExecutedVolume": pl.Int64,
    "OrderIds": pl.List(pl.String),
}
"""Columns of the truth side file: one row per planted iceberg (``IcebergId``: its first order's id)."""


def truth_frame(vd: VenueDay) -> pl.DataFrame:
    """The icebergs planted on one listing-day, followed through their refills in the L3 rows."""
    rows, hidden = vd.run.rows, vd.run.flow.hidden
    n = rows.shape[1]
    msg, action, order = rows[b.R_MSG], rows[b.R_ACTION], rows[b.R_ORDER]
    if n == 0 or hidden.shape[0] == 0:
        return pl.DataFrame(schema=TRUTH_SCHEMA)
    alone = np.ones(n, dtype=bool)  # the message wrote this row only
    alone[1:] &= msg[1:] != msg[:-1]
    alone[:-1] &= msg[:-1] != msg[1:]
    planted = np.flatnonzero(alone & (action == b.INSERT) & (hidden[msg] > 0))
    executed = (rows[b.R_EXEC] == 1) & (action == b.REMOVE)
    full_fill = dict(zip(order[executed].tolist(), np.flatnonzero(executed).tolist(), strict=True))
    volume_by_order = pl.DataFrame({"o": order, "x": rows[b.R_EXSZ]}).group_by("o").agg(pl.col("x").sum())
    volume = dict(zip(volume_by_order["o"].to_list(), volume_by_order["x"].to_list(), strict=True))
    prices, times = vd.prices(rows[b.R_PX]), vd.row_times
    records = []
    for r in planted.tolist():
        peak, reserve = int(rows[b.R_SZ, r]), int(hidden[msg[r]])
        chain, left, current = [int(order[r])], reserve, int(order[r])
        while left > 0 and current in full_fill:
            e = full_fill[current]
            nxt = e + 1  # a refill is the row right after the execution of the previous peak
            if not (
                nxt < n and msg[nxt] == msg[e] and action[nxt] == b.INSERT
                and rows[b.R_SIDE, nxt] == rows[b.R_SIDE, e] and rows[b.R_PX, nxt] == rows[b.R_OLDPX, e]
            ):  # fmt: skip
                break  # exhausted by MAX_REFILLS, or executed in an auction
            show = min(peak, left)
            if int(rows[b.R_SZ, nxt]) != show:
                raise AssertionError(
                    f"synth icebergs: refill of {show} expected, row {nxt} shows another size"
                )
            chain.append(int(order[nxt]))
            left -= show
            current = int(order[nxt])
        records.append(
            {
                "IcebergId": str(vd.id_base(0) + chain[0] + 1),  # the L3 OrderId formula (tables.l3_frame)
                "Side": int(rows[b.R_SIDE, r]) + 1,
                "Price": float(prices[r]),
                "FirstSeen": int(times[r]),
                "PeakSize": peak,
                "HiddenSize": reserve,
                "Refills": len(chain) - 1,
                "ExecutedVolume": int(sum(volume.get(o, 0) for o in chain)),
                "OrderIds": [str(vd.id_base(0) + o + 1) for o in chain],
            }
        )
    per_order = {k: v for k, v in TRUTH_SCHEMA.items() if k not in {"ListingId", "MIC", "TradeDate"}}
    frame = pl.DataFrame(records, schema=per_order | {"FirstSeen": pl.Int64})
    return frame.select(
        pl.lit(vd.listing.listing_id, dtype=pl.Int64).alias("ListingId"),
        pl.lit(vd.listing.venue.mic).alias("MIC"),
        pl.lit(vd.day).alias("TradeDate"),
        pl.exclude("FirstSeen"),
        pl.col("FirstSeen").cast(pl.Datetime("ns")),
    ).select(list(TRUTH_SCHEMA))


def write_truth(root: Path, frames: list[pl.DataFrame]) -> Path:
    """Write the planted icebergs of a lake (all days and listings generated) to its side file."""
    path = Path(root) / TRUTH_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    truth = pl.concat(frames) if frames else pl.DataFrame(schema=TRUTH_SCHEMA)
    truth.sort("ListingId", "TradeDate", "FirstSeen", maintain_order=True).write_parquet(path)
    return path
