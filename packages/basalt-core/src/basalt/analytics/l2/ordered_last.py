"""The ordered path of ``l2``: each bucket's last snapshot and OHLC bars from runs of ordered rows.

In a frame in snapshot order (:mod:`basalt.analytics.l2.ordered`) the
snapshots of one listing-day and bucket are consecutive rows: the bucket's last
snapshot is the run's last row, Open/Close the first/last row of the run where
the series is not null, High/Low ``fmax``/``fmin`` over the run
(``ufunc.reduceat``). No ``group_by`` over snapshots and no Int128 key per
snapshot: keys are built only for the few rows picked, for the merges the
module then does on the bars (listing-days sharing a bucket, ``prev_close``).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from basalt.analytics.l2.ohlc import series_column
from basalt.analytics.l2.ordered import DAY, EVENT, LISTING, T, no_nan, runs
from basalt.timebuckets import TIME_BUCKET

ROW, KEY = "__row", "__okey"
"""Columns of the bars: the bucket's last row (in the frame) and its order key."""


def open_key(series: str) -> str:
    """Column of the bars: order key of the row giving ``{series}Open`` (null: none)."""
    return f"__okey_{series}"


def close_key(series: str) -> str:
    """Column of the bars: order key of the row giving ``{series}Close`` (null: none)."""
    return f"__ckey_{series}"


def order_key(t: pl.Expr, event: pl.Expr) -> pl.Expr:
    """:func:`basalt.analytics.l2.snapshots.order_key` from Int64 ns and the null-filled event number."""
    return t.cast(pl.Int128) * pl.lit(2**64, dtype=pl.Int128) + (
        event.cast(pl.Int128) + pl.lit(2**63, dtype=pl.Int128)
    )


def bars(frame: pl.DataFrame, series: tuple[str, ...]) -> pl.DataFrame:
    """One row per listing-day and bucket holding snapshots: its last row and event-mode bars.

    ``frame`` holds the key columns, ``TimeBucket`` and the series columns.
    Raises :class:`~basalt.analytics.l2.ordered.NotOrdered` when the frame is
    not in snapshot order or a series value is NaN.
    """
    found = runs(frame)
    n = frame.height
    label = frame.get_column(TIME_BUCKET).to_physical().cast(pl.Int64).to_numpy()
    change = np.zeros(n, dtype=bool)
    change[found.bounds[:-1]] = True
    change[1:] |= label[1:] != label[:-1]
    first = np.flatnonzero(change)
    last = np.append(first[1:], n) - 1
    keys = frame.select(T, EVENT)
    out = frame.select(LISTING, DAY, TIME_BUCKET).gather(first)
    columns = [pl.Series(ROW, last, dtype=pl.Int64), _keys(keys, pl.Series(last), KEY)]
    values = frame.select(series_column(name) for name in series)
    no_nan(values)
    index = np.arange(n, dtype=np.int64)
    for name in series:
        v = values.get_column(series_column(name)).cast(pl.Float64).to_numpy()
        valid = ~np.isnan(v)
        opening = np.minimum.reduceat(np.where(valid, index, n), first)
        closing = np.maximum.reduceat(np.where(valid, index, -1), first)
        has_open, has_close = opening < n, closing >= 0
        at_open = pl.Series(np.where(has_open, opening, 0)).scatter(np.flatnonzero(~has_open), None)
        at_close = pl.Series(np.where(has_close, closing, 0)).scatter(np.flatnonzero(~has_close), None)
        columns += [
            pl.Series(f"{name}Open", np.where(has_open, v[np.where(has_open, opening, 0)], np.nan)),
            pl.Series(f"{name}High", np.fmax.reduceat(v, first)),
            pl.Series(f"{name}Low", np.fmin.reduceat(v, first)),
            pl.Series(f"{name}Close", np.where(has_close, v[np.where(has_close, closing, 0)], np.nan)),
            _keys(keys, at_open, open_key(name)),
            _keys(keys, at_close, close_key(name)),
        ]
    bars_frame = out.with_columns(columns)
    floats = [c for c in bars_frame.columns if c.endswith(("Open", "High", "Low", "Close"))]
    return bars_frame.with_columns(pl.col(floats).fill_nan(None))


def _keys(keys: pl.DataFrame, rows: pl.Series, name: str) -> pl.Series:
    """Order keys of ``rows`` (null where the row index is null)."""
    picked = keys.select(pl.all().gather(rows.cast(pl.Int64)))
    return picked.select(order_key(pl.col(T), pl.col(EVENT)).alias(name)).to_series()
