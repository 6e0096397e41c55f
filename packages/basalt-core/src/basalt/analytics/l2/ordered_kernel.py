"""``l2tw``'s ordered path through the compiled kernel (:mod:`basalt.analytics.l2._kernels`).

Same contract as :func:`basalt.analytics.l2.ordered_tw.partial_sums` (the
lazy path's partial sums per listing-day and bucket), but the per-snapshot
measures are computed inside the kernel from the raw book columns instead of
by Polars, and the intervals are split and summed in the same loop: one read
of each raw column, no intermediate measure columns. Used when Numba compiles
the kernel (``JIT_ENABLED``); without Numba the NumPy path of
:mod:`basalt.analytics.l2.ordered_tw` is faster than the interpreted kernel.

The raw columns are converted a block of rows at a time (bounded memory); the
kernel's open bucket is carried from block to block.
"""

from __future__ import annotations

import itertools
import re
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import polars as pl

from basalt.analytics.l2 import _kernels
from basalt.analytics.l2.measures import SIDES
from basalt.analytics.l2.ordered import BLOCK_ROWS, INT64_MAX, LISTING, NotOrdered, blocks, runs
from basalt.analytics.l2.ordered_tw import DAY_NS, KEPT, Intervals
from basalt.analytics.l2.states import CUT

FIELDS = ("Price", "Quantity", "NumOrders")
_SIDE_FIELDS = ("Price", "Quantity", "NumOrders", "Notional", "CumQuantity", "CumNotional", "CumOrders")
_IMBALANCE = ("Quantity", "CumQuantity", "CumNotional", "CumOrders")
_TOUCH = ("SpreadAbs", "SpreadBps", "Mid", "WeightedMid", "Microprice")
_LEVEL_NAME = re.compile(r"^(?:__)?(Bid|Ask)([A-Za-z]+?)(\d+)$")
_IMBALANCE_NAME = re.compile(r"^Imbalance([A-Za-z]+?)(\d+)$")


def raw_levels(columns: list[str]) -> int:
    """Depth of the raw matrix: the deepest level among the book's input columns."""
    return max(int(match.group(3)) for name in columns if (match := _LEVEL_NAME.match(name)))


def raw_columns(levels: int) -> list[str]:
    """Names of the raw matrix's columns, in kernel order."""
    return [f"{side}{field}{lv}" for lv in range(1, levels + 1) for side in SIDES for field in FIELDS]


def atom_index(name: str, levels: int) -> int:
    """Index in the kernel's atom vector of a measure or term column name."""
    if name in _TOUCH:
        return levels * _kernels.PER_LEVEL + _TOUCH.index(name)
    if match := _IMBALANCE_NAME.match(name):
        return (int(match.group(2)) - 1) * _kernels.PER_LEVEL + 14 + _IMBALANCE.index(match.group(1))
    if match := _LEVEL_NAME.match(name):
        side, field, level = match.groups()
        return (int(level) - 1) * _kernels.PER_LEVEL + SIDES.index(side) * 7 + _SIDE_FIELDS.index(field)
    raise ValueError(f"no kernel atom for column {name!r}")


KERNEL_THREADS = 2
"""Parts a large frame's listing-days are cut into, each run on its own thread."""
MIN_ROWS_TO_SPLIT = 2 * BLOCK_ROWS
"""Frames smaller than this run on one thread (a thread and a second block cost more than they save)."""


def _parts(bounds: np.ndarray, threads: int) -> list[tuple[int, int]]:
    """``[first, last)`` runs of up to ``threads`` parts of about equal rows, cut between runs.

    Runs (listing-days) are independent in the kernel — each starts with no open
    bucket — so parts computed apart and put back in order give the same rows as
    one pass: the same sums, added in the same order.
    """
    count, total = len(bounds) - 1, int(bounds[-1])
    if threads <= 1 or count < 2 or total < MIN_ROWS_TO_SPLIT:
        return [(0, count)]
    cuts = [0]
    for part in range(1, threads):
        run = int(np.searchsorted(bounds, total * part / threads))  # first run starting there or after
        cuts.append(min(max(run, cuts[-1]), count))
    cuts.append(count)
    return [(a, b) for a, b in itertools.pairwise(cuts) if b > a]


def _frozen(array: np.ndarray) -> np.ndarray:
    """``array`` read-only: every call has the same array types, so Numba compiles one signature."""
    array.flags.writeable = False
    return array


def partial_sums(
    frame: pl.DataFrame,
    spec: Intervals,
    inputs: list[str],
    microprice_levels: int,
    numerators: list[str],
    denominators: list[str],
    bounded: list[str],
    *,
    threads: int | None = None,
) -> pl.DataFrame:
    """Per listing-day and bucket: ``ListingId``, ``__k`` and the lazy path's partial sums.

    ``inputs``: the book's raw input columns (present in ``frame``). Raises
    :class:`~basalt.analytics.l2.ordered.NotOrdered` when the frame is not in
    snapshot order or a price is infinite (NaN measures would follow).

    A large frame's listing-days are cut into ``threads`` parts (default
    :data:`KERNEL_THREADS`, at most Polars' threads) whose kernels run side by side, a
    block of each at a time: the kernel releases the GIL, so a worker alone (one
    day left, or a one-worker run) uses a second core for what is otherwise its
    longest single-threaded step.
    """
    if threads is None:
        threads = min(KERNEL_THREADS, pl.thread_pool_size())  # POLARS_MAX_THREADS, CPU affinity
    found = runs(frame)
    prices = [name for name in inputs if "Price" in name]
    if prices and frame.select(pl.any_horizontal(pl.col(prices).cast(pl.Float64).is_infinite().any())).item():
        raise NotOrdered("infinite price")
    levels = raw_levels(inputs)
    states = spec.cut is not None
    t = _frozen(found.t)
    ends_run = _frozen(found.last_rows())
    empty_i, empty_b = _frozen(np.zeros(0, np.int64)), _frozen(np.zeros(0, bool))
    kept = _frozen(frame.get_column(KEPT).fill_null(False).to_numpy().astype(bool)) if states else empty_b
    cut = (
        _frozen(frame.get_column(CUT).cast(pl.Int64).fill_null(INT64_MAX).to_numpy().copy())
        if states
        else empty_i
    )
    session = empty_i
    if spec.session_offset is not None:
        session = _frozen(frame.get_column(DAY_NS).cast(pl.Int64).to_numpy() + spec.session_offset)
    closed, use_session = spec.closed_right, spec.session_offset is not None

    def room(lo_run: int, hi_run: int) -> int:
        """Output rows runs ``lo_run .. hi_run`` can produce (an upper bound; additive over runs)."""
        lo, hi = int(found.bounds[lo_run]), int(found.bounds[hi_run])
        if use_session or states:
            return int(
                _kernels.capacity(
                    t[lo:hi], ends_run[lo:hi], kept[lo:hi] if states else kept, cut[lo:hi] if states else cut,
                    session[lo:hi] if use_session else session, spec.size, closed, use_session, states,
                )
            )  # fmt: skip
        part_bounds = _frozen(np.ascontiguousarray(found.bounds[lo_run : hi_run + 1], dtype=np.int64))
        return int(_kernels.run_capacity(t, part_bounds, spec.size, closed))

    select = _frozen(np.array([atom_index(n, levels) for n in numerators], dtype=np.int64))
    den_at = np.full(len(numerators), -1, dtype=np.int64)  # numerator j's Σ w column, -1: none
    for d, name in enumerate(denominators):
        den_at[numerators.index(name)] = d
    den_at = _frozen(den_at)
    bound_of = _frozen(np.array([numerators.index(n) for n in bounded], dtype=np.int64))
    flags = [spec.size, spec.unit, closed, use_session, states, levels, microprice_levels]
    config = _frozen(np.array(flags, dtype=np.int64))
    parts = _parts(found.bounds, threads)
    # Each part writes its own slice of one set of output arrays (sized per part, so they never meet).
    rooms = [room(a, b) for a, b in parts]
    cap = sum(rooms)
    out_run, out_k = np.zeros(cap, np.int64), np.zeros(cap, np.int64)
    out_total = np.zeros(cap, np.int64)
    out_num = np.zeros((cap, len(numerators)))
    out_den = np.zeros((cap, len(denominators)), np.int64)
    out_lo = np.full((cap, len(bounded)), np.nan)
    out_hi = np.full((cap, len(bounded)), np.nan)
    names = raw_columns(levels)
    present = set(frame.columns)
    # The raw book as float64 columns (null → NaN; a level the book lacks: all NaN), converted a
    # block at a time by one DataFrame.to_numpy (~2.5× faster than column by column).
    matrix = [
        pl.col(name).cast(pl.Float64) if name in present else pl.lit(None, pl.Float64).alias(name)
        for name in names
    ]

    offsets = np.cumsum([0, *rooms[:-1]]).tolist()
    # Per part: state = last output row written, its bucket, whether one is open, current run.
    part_states = [
        np.array([offset - 1, 0, 0, first - 1], dtype=np.int64)
        for (first, _), offset in zip(parts, offsets, strict=True)
    ]
    part_blocks: list[list[tuple[int, int]]] = []  # each part's blocks, as rows of the frame
    for first, last in parts:
        start, end = int(found.bounds[first]), int(found.bounds[last])
        part_blocks.append([(start + lo, start + hi) for lo, hi in blocks([end - start]) if hi > lo])

    def kernel(part: int, lo: int, x: np.ndarray) -> None:
        _kernels.tw_block(
            lo, x, t, ends_run, kept, cut, session, config, select, den_at, bound_of, part_states[part],
            out_run, out_k, out_total, out_num, out_den, out_lo, out_hi,
        )  # fmt: skip

    def convert(lo: int, hi: int) -> np.ndarray:
        return _frozen(frame.slice(lo, hi - lo).select(matrix).to_numpy(order="fortran"))

    # Polars work (the conversions) stays on this thread: a helper thread calling into Polars from
    # inside a Polars UDF would wait for a Polars thread that may be busy waiting for it. Helpers
    # only run the compiled kernel, which holds no lock (nogil).
    with ThreadPoolExecutor(max(len(parts) - 1, 1)) as helpers:
        for step in range(max(len(b) for b in part_blocks)):
            work = [(p, *b[step]) for p, b in enumerate(part_blocks) if step < len(b)]
            matrices = [convert(lo, hi) for _, lo, hi in work]
            futures = [
                helpers.submit(kernel, p, lo, x) for (p, lo, _), x in zip(work[1:], matrices[1:], strict=True)
            ]
            kernel(work[0][0], work[0][1], matrices[0])
            for future in futures:
                future.result()
    slices = []
    for state, offset, size in zip(part_states, offsets, rooms, strict=True):
        written = int(state[0]) + 1 - offset
        if written > size:  # cannot happen (tested); Numba does not check bounds, so say it loudly
            raise RuntimeError(f"l2tw kernel wrote {written} rows into room for {size}")
        slices.append(np.arange(offset, offset + written))
    keep = np.concatenate(slices)
    columns: dict[str, pl.Series] = {
        LISTING: frame.get_column(LISTING).gather(found.bounds[out_run[keep]]),
        "__k": pl.Series(out_k[keep]),
        "__wsum": pl.Series(out_total[keep]),
    }
    columns.update({f"__n_{n}": pl.Series(out_num[keep, j]) for j, n in enumerate(numerators)})
    columns.update({f"__d_{n}": pl.Series(out_den[keep, j]) for j, n in enumerate(denominators)})
    for j, name in enumerate(bounded):
        columns[f"__lo_{name}"] = pl.Series(out_lo[keep, j]).fill_nan(None)
        columns[f"__hi_{name}"] = pl.Series(out_hi[keep, j]).fill_nan(None)
    return pl.DataFrame(columns)
