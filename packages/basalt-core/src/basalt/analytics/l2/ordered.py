"""The ordered paths of ``l2tw`` (and ``l2``): snapshots already in order, read once, no sort.

Why a whole-frame function instead of lazy expressions
------------------------------------------------------
A time-weighted average is inherently sequential: a snapshot's weight is the
time until the *next* snapshot of its listing-day, split over every bucket the
interval covers, and a bucket without a snapshot still gets the one carried in.
The lazy formulation (:mod:`basalt.analytics.l2.time_weighted`) has to
rediscover that order — a window ``shift`` ordered by an Int128 key, an explode
of the intervals crossing a boundary, two ``group_by`` and a concat — while the
engine already hands each listing's rows in event-time order
(:func:`basalt.engine.prepare.naive_loader`). Here the module runs one Polars
``map_batches`` over the day's (narrow) frame: when every listing-day is one
contiguous run of rows in strictly increasing (``EventTimestamp``,
``L2EventNo``) order, the intervals, their pieces per bucket and the bucket
sums come from one ordered pass over NumPy arrays (``ufunc.reduceat`` over the
runs of pieces that share a bucket); otherwise :class:`NotOrdered` is raised
and the module runs its lazy formulation on the same frame. It is the plain
time average of a piecewise-constant series, computed exactly: weights are
integers, sums are the same ``Σ v·w`` and ``Σ w`` as the lazy path's, and the
lazy path's final expressions turn them into averages.

Per-snapshot measures are computed with the very same Polars expressions
(:class:`basalt.analytics.l2.measures.BookMeasures`), a block of rows at a
time, so the values averaged are bit-identical to the lazy path's and memory
stays bounded by the block. A float measure that is NaN (not null) — possible
only with infinite prices — makes the frame take the lazy path, where NaN
propagates as Polars propagates it.

With Numba installed (the ``[fast]`` extra), ``l2tw`` runs a compiled kernel
instead (:mod:`basalt.analytics.l2.ordered_kernel`): the measures are computed
inside the loop from the raw book columns, one read of each. Without Numba
the NumPy path above is used, which needs nothing beyond Polars and NumPy.

``BASALT_L2_ONEPASS`` chooses (:func:`path`): ``auto`` (default), ``0`` (the
lazy formulation everywhere, e.g. to compare), ``numpy`` or ``kernel``.

``l2`` uses :func:`runs` too: without bars, a bucket's last snapshot is the
row where the bucket label changes (:meth:`basalt.analytics.l2.last.L2Last._last_rows`).
Its OHLC bars stay with the lazy ``group_by``: picking them from runs with NumPy
was measured slower (0.43 vs 0.23 s CPU with four series on the benchmark's S
day) and dropped.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:  # pragma: no cover - typing only
    import numpy as np

BLOCK_ROWS = 1 << 18
"""Rows whose measures are computed at once (bounds the memory of the measure columns)."""

INT64_MAX = 2**63 - 1
NULL_EVENT = -(2**63)
"""A null ``L2EventNo`` orders first among snapshots of one instant, as in ``order_key``."""

LISTING, T, EVENT, DAY = "ListingId", "__t", "__eno", "__day"
"""Key columns of the frame handed to the ordered path (Int64 ns for ``__t``)."""


class NotOrdered(Exception):  # noqa: N818 - a signal, not an error
    """The frame is not in snapshot order (or holds a NaN measure): use the lazy formulation."""


def path() -> str:
    """``lazy``, ``numpy`` or ``kernel``: how ``l2tw`` computes (``BASALT_L2_ONEPASS``, default ``auto``).

    ``auto``: the compiled kernel when Numba is installed, else the NumPy path.
    """
    choice = os.environ.get("BASALT_L2_ONEPASS", "auto").strip().lower()
    if choice in {"0", "false", "no", "off", "lazy"}:
        return "lazy"
    if choice in {"numpy", "kernel"}:
        return choice
    return "kernel" if importlib.util.find_spec("numba") is not None else "numpy"


def key_columns(timestamp_ns: pl.Expr, event_no: pl.Expr, day: pl.Expr) -> list[pl.Expr]:
    """The Int64 key columns :func:`runs` reads: ListingId, ns time, event number, day."""
    return [
        pl.col(LISTING),
        timestamp_ns.alias(T),
        event_no.cast(pl.Int64).fill_null(NULL_EVENT).alias(EVENT),
        day.alias(DAY),
    ]


@dataclass(frozen=True)
class Runs:
    """Listing-days as contiguous row ranges of a frame in snapshot order."""

    t: np.ndarray
    """Int64 ns time of every row."""
    bounds: np.ndarray
    """Start row of every run, then the row count (``len(runs) + 1`` entries)."""

    @property
    def count(self) -> int:
        """Number of listing-days."""
        return len(self.bounds) - 1

    def run_of_rows(self) -> np.ndarray:
        """The run index of every row."""
        import numpy as np  # here: registering the module must not import NumPy

        return np.repeat(np.arange(self.count, dtype=np.int64), np.diff(self.bounds))

    def last_rows(self) -> np.ndarray:
        """Boolean mask of the last row of every run."""
        import numpy as np  # here: registering the module must not import NumPy

        mask = np.zeros(len(self.t), dtype=bool)
        mask[self.bounds[1:] - 1] = True
        return mask


def order_key() -> pl.Expr:
    """:func:`basalt.analytics.l2.snapshots.order_key` over :func:`key_columns` (Int64 ns ``T``,
    null-filled ``EVENT``): one Int128 that sorts snapshots as (time, event number)."""
    return pl.col(T).cast(pl.Int128) * pl.lit(2**64, dtype=pl.Int128) + (
        pl.col(EVENT).cast(pl.Int128) + pl.lit(2**63, dtype=pl.Int128)
    )


def runs(frame: pl.DataFrame) -> Runs:
    """The listing-day runs of ``frame``, which must be in snapshot order.

    Raises:
        NotOrdered: no rows, a key is null, a listing-day's rows are not contiguous, or
            within one its (time, event number) keys do not strictly increase
            (equal keys would leave the order between them to the sort).
    """
    import numpy as np  # here: registering the module must not import NumPy

    # Series, not DataFrame.select: on a frame of many chunks (a day's Parquet row groups)
    # select costs ~1 s per 5 M rows here, get_column nothing.
    columns = [frame.get_column(name) for name in (LISTING, T, EVENT, DAY)]
    if columns[0].len() == 0:
        raise NotOrdered("no rows")  # nothing to gain; the lazy path types the empty output
    if any(column.null_count() for column in columns):
        raise NotOrdered("null key")
    listing, t, event, day = (column.to_physical().cast(pl.Int64).to_numpy() for column in columns)
    n = len(t)
    new = np.ones(n, dtype=bool)
    if n > 1:
        new[1:] = (listing[1:] != listing[:-1]) | (day[1:] != day[:-1])
        later = (t[1:] > t[:-1]) | ((t[1:] == t[:-1]) & (event[1:] > event[:-1]))
        if not bool(np.all(later | new[1:])):
            raise NotOrdered("rows out of (EventTimestamp, L2EventNo) order within a listing-day")
    starts = np.flatnonzero(new)
    heads = pl.DataFrame({"l": listing[starts], "d": day[starts]})
    if heads.is_duplicated().any():
        raise NotOrdered("a listing-day's rows are not contiguous")
    return Runs(t=t, bounds=np.append(starts, n).astype(np.int64))


def no_nan(columns: pl.DataFrame) -> None:
    """Raise :class:`NotOrdered` when a float column holds NaN (the NumPy path reads NaN as null)."""
    floats = [name for name, dtype in columns.schema.items() if dtype.is_float()]
    if floats and columns.select(pl.any_horizontal(pl.col(floats).is_nan().any())).item():
        raise NotOrdered("NaN measure")


def blocks(bounds: Sequence[int] | np.ndarray, rows: int = BLOCK_ROWS) -> list[tuple[int, int]]:
    """``[start, end)`` row ranges of about ``rows`` rows covering ``[0, bounds[-1])``."""
    total = int(bounds[-1])
    return [(lo, min(lo + rows, total)) for lo in range(0, total, rows)] or [(0, 0)]
