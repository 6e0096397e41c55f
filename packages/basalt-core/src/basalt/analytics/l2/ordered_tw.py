"""The ordered path of ``l2tw``: bucket sums of time-weighted measures in one pass over ordered rows.

For a frame in snapshot order (see :mod:`basalt.analytics.l2.ordered`), every
snapshot's interval ``[start, end)`` is known from its neighbour (the next row
of its listing-day), so the pieces of all intervals — the head in the bucket
where it starts, then one per further bucket it covers, carried forward — come
out already ordered by (listing-day, bucket). The pieces sharing a bucket are
consecutive, so each bucket's ``Σ v·w``, ``Σ w`` (over non-null values) and the
[min, max] of price-like values are ``ufunc.reduceat`` over those runs: no sort,
no explode of the frame, no ``group_by`` over snapshots.

The sums are exactly the lazy formulation's partial sums
(:class:`basalt.analytics.l2.time_weighted._Atoms`: ``__wsum``, ``__n_*``,
``__d_*``, ``__lo_*``, ``__hi_*``), per listing-day and bucket index ``__k``;
the module adds listing-days sharing a bucket and divides with the same
expressions as its lazy path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

from basalt.analytics.l2.ordered import INT64_MAX, LISTING, Runs, blocks, no_nan, runs

if TYPE_CHECKING:  # pragma: no cover - typing only
    import numpy as np

KEPT = "__kept"
"""Column of the frame: true for snapshots taken in an allowed market state (with ``market_states``)."""
DAY_NS = "__day_ns"
"""Column of the frame: the trading day's midnight, Int64 ns (with ``session_end``)."""


@dataclass(frozen=True)
class Intervals:
    """How a snapshot's interval in force is bounded (the module's configuration)."""

    size: int
    """Bucket length, ns."""
    unit: int
    """Weights are counted in this many ns (divides every interval end point)."""
    closed_right: bool
    """Whether a day's last snapshot ends with its right-closed bucket (else left-closed)."""
    session_offset: int | None
    """``session_end`` as ns after midnight, or None."""
    cut: str | None
    """Column of the next change into an excluded state (with ``market_states``), or None."""


@dataclass(frozen=True)
class Pieces:
    """Every interval's pieces, in (listing-day, bucket) order, and the buckets they form."""

    row: np.ndarray
    """Row of the snapshot each piece belongs to (non-decreasing)."""
    weight: np.ndarray
    """Int64 weight of each piece (in ``unit``)."""
    group: np.ndarray
    """Output row (listing-day, bucket) of each piece (non-decreasing)."""
    run: np.ndarray
    """Listing-day of each output row."""
    bucket: np.ndarray
    """Bucket index ``k`` (bucket ``[k·size, (k+1)·size)``) of each output row."""
    total: np.ndarray
    """``Σ w`` of each output row."""


def intervals(frame: pl.DataFrame, found: Runs, spec: Intervals) -> tuple[np.ndarray, np.ndarray]:
    """``(start, end)`` Int64 ns of every row's interval in force, as the lazy path defines them."""
    import numpy as np  # here: registering the module must not import NumPy

    t, size = found.t, spec.size
    last = found.last_rows()
    following = np.empty_like(t)
    following[:-1] = t[1:]
    if spec.session_offset is None:
        own_end = -((-t) // size) * size if spec.closed_right else (t // size + 1) * size
        start, end = t, np.where(last, own_end, following)
    else:
        session = frame.get_column(DAY_NS).cast(pl.Int64).to_numpy() + spec.session_offset
        start = np.minimum(t, session)
        end = np.minimum(np.where(last, session, following), session)
    if spec.cut is not None:
        cut = frame.get_column(spec.cut).cast(pl.Int64).fill_null(INT64_MAX).to_numpy()
        end = np.minimum(end, cut)
    return start, end


def pieces(frame: pl.DataFrame, found: Runs, spec: Intervals) -> Pieces:
    """Split every counted interval over the buckets it covers (head first, then carried forward).

    As in the lazy path: a head piece weighing nothing is dropped, further
    pieces always count; with ``market_states`` only kept snapshots count (every
    snapshot still ends the one before it).
    """
    import numpy as np  # here: registering the module must not import NumPy

    size, unit = spec.size, spec.unit
    start, end = intervals(frame, found, spec)
    rows = np.arange(len(start), dtype=np.int64)
    if spec.cut is not None:
        rows = np.flatnonzero(frame.get_column(KEPT).fill_null(False).to_numpy()).astype(np.int64)
        start, end = start[rows], end[rows]
    k0 = start // size
    boundary = (k0 + 1) * size
    head_weight = (np.minimum(end, boundary) - start) // unit
    head = head_weight > 0
    extra = np.where(end > boundary, (end - 1) // size - k0, 0)
    count = head.astype(np.int64) + extra
    piece_row = np.repeat(rows, count)
    first = np.repeat(np.cumsum(count) - count, count)
    local = np.arange(len(piece_row), dtype=np.int64) - first
    index = np.repeat(np.arange(len(rows)), count)
    bucket = k0[index] + (~head[index]).astype(np.int64) + local
    tail = np.minimum(end[index], (bucket + 1) * size) - bucket * size
    weight = np.where(bucket == k0[index], head_weight[index], tail // unit)
    run = found.run_of_rows()[piece_row]
    change = np.ones(len(piece_row), dtype=bool)
    change[1:] = (run[1:] != run[:-1]) | (bucket[1:] != bucket[:-1])
    starts = np.flatnonzero(change)
    total = np.add.reduceat(weight, starts) if len(starts) else np.zeros(0, np.int64)
    return Pieces(
        row=piece_row,
        weight=weight,
        group=np.cumsum(change) - 1,
        run=run[starts],
        bucket=bucket[starts],
        total=total,
    )


def partial_sums(
    frame: pl.DataFrame,
    spec: Intervals,
    measures: Callable[[pl.DataFrame], pl.DataFrame],
    numerators: list[str],
    denominators: list[str],
    bounded: list[str],
) -> pl.DataFrame:
    """Per listing-day and bucket: ``ListingId``, ``__k`` and the lazy path's partial sums.

    ``measures`` turns a block of rows into its measure columns (at least
    ``numerators``). Raises :class:`~basalt.analytics.l2.ordered.NotOrdered`
    when the frame is not in snapshot order or a measure is NaN.
    """
    import numpy as np  # here: registering the module must not import NumPy

    found = runs(frame)
    cut = pieces(frame, found, spec)
    groups = len(cut.run)
    num = np.zeros((groups, len(numerators)))
    den = np.zeros((groups, len(denominators)), dtype=np.int64)
    low = np.full((groups, len(bounded)), np.nan)
    high = np.full((groups, len(bounded)), np.nan)
    den_at = {name: j for j, name in enumerate(denominators)}
    bound_at = {name: j for j, name in enumerate(bounded)}
    for lo, hi in blocks(found.bounds):
        p_lo, p_hi = np.searchsorted(cut.row, [lo, hi])
        if p_lo == p_hi:
            continue
        row = cut.row[p_lo:p_hi] - lo
        group = cut.group[p_lo:p_hi]
        weight = cut.weight[p_lo:p_hi]
        fweight = weight.astype(np.float64)
        change = np.ones(len(group), dtype=bool)
        change[1:] = group[1:] != group[:-1]
        at = np.flatnonzero(change)
        ids = group[at]
        values = measures(frame.slice(lo, hi - lo)).select(numerators)
        no_nan(values)
        for j, name in enumerate(numerators):
            v = values.get_column(name).cast(pl.Float64).to_numpy()[row]
            valid = ~np.isnan(v)
            num[ids, j] += np.add.reduceat(np.where(valid, v * fweight, 0.0), at)
            if name in den_at:
                den[ids, den_at[name]] += np.add.reduceat(np.where(valid, weight, 0), at)
            if name in bound_at:
                b = bound_at[name]
                low[ids, b] = np.fmin(low[ids, b], np.fmin.reduceat(v, at))
                high[ids, b] = np.fmax(high[ids, b], np.fmax.reduceat(v, at))
    listing = (
        frame.get_column(LISTING).gather(found.bounds[cut.run]) if groups else frame.get_column(LISTING)[:0]
    )
    columns: dict[str, pl.Series] = {
        LISTING: listing,
        "__k": pl.Series(cut.bucket, dtype=pl.Int64),
        "__wsum": pl.Series(cut.total, dtype=pl.Int64),
    }
    columns.update({f"__n_{n}": pl.Series(num[:, j]) for j, n in enumerate(numerators)})
    columns.update({f"__d_{n}": pl.Series(den[:, j]) for j, n in enumerate(denominators)})
    for j, name in enumerate(bounded):
        columns[f"__lo_{name}"] = pl.Series(low[:, j]).fill_nan(None)
        columns[f"__hi_{name}"] = pl.Series(high[:, j]).fill_nan(None)
    return pl.DataFrame(columns)
