"""An independent plain-numpy reference for the alphas, written from the paper.

Nothing here is shared with the Polars implementation: the operators below are
re-derived from the appendix of Kakushadze (2016) and the conventions pinned in
the package README, with explicit loops over listings and dates. Null is NaN.
The panel is long (one row per listing and date); time-series operators run over
each listing's own rows, cross-sectional ones over the rows of each date.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import polars as pl
from numpy.lib.stride_tricks import sliding_window_view

Array = np.ndarray

TIE = 1e-12
"""The documented tie rule: ``y`` ties ``x`` when ``x - TIE*|x| <= y <= x + TIE*|x|``."""


def _band(x: Array) -> tuple[Array, Array]:
    margin = np.abs(x) * TIE
    return x - margin, x + margin


def _days(d: float) -> int:
    return math.floor(d)


def _nan_where(mask: Array, values: Array) -> Array:
    out = np.array(values, dtype=float)
    out[mask] = np.nan
    return out


# -- elementwise ----------------------------------------------------------------


def lt(a: Array | float, b: Array | float) -> Array:
    a, b = np.broadcast_arrays(np.asarray(a, float), np.asarray(b, float))
    return _nan_where(np.isnan(a) | np.isnan(b), (a < b).astype(float))


def eq(a: Array | float, b: Array | float) -> Array:
    a, b = np.broadcast_arrays(np.asarray(a, float), np.asarray(b, float))
    return _nan_where(np.isnan(a) | np.isnan(b), (a == b).astype(float))


def either(a: Array, b: Array) -> Array:
    """``a || b`` of 0/1 arrays; NaN if either side is NaN."""
    return _nan_where(np.isnan(a) | np.isnan(b), ((a == 1) | (b == 1)).astype(float))


def ternary(cond: Array, a: Array | float, b: Array | float) -> Array:
    a, b = np.broadcast_arrays(np.asarray(a, float), np.asarray(b, float))
    picked = np.where(cond == 1, a, b)
    return _nan_where(np.isnan(cond), picked)


def div(a: Array | float, b: Array | float) -> Array:
    a, b = np.broadcast_arrays(np.asarray(a, float), np.asarray(b, float))
    with np.errstate(divide="ignore", invalid="ignore"):
        out = a / np.where(b == 0, np.nan, b)
    return _nan_where(~np.isfinite(out), out)


def power(a: Array | float, b: Array | float) -> Array:
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = np.power(np.asarray(a, float), np.asarray(b, float))
    return _nan_where(~np.isfinite(out), out)


def signedpower(a: Array, b: Array | float) -> Array:
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = np.sign(a) * np.power(np.abs(a), np.asarray(b, float))
    return _nan_where(~np.isfinite(out), out)


def log(a: Array) -> Array:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(a > 0, np.log(np.where(a > 0, a, 1.0)), np.nan)


# -- the panel and its window operators ---------------------------------------------


class Reference:
    """Operators over a long panel sorted by (ListingId, TimeBucket)."""

    def __init__(self, frame: pl.DataFrame, adv_basis: str = "consistent") -> None:
        self.adv_basis = adv_basis
        frame = frame.sort("ListingId", "TimeBucket")
        self.frame = frame
        self.n = frame.height
        listing = frame["ListingId"].to_numpy()
        starts = np.flatnonzero(np.r_[True, listing[1:] != listing[:-1]])
        ends = np.r_[starts[1:], self.n]
        self.listings = [slice(int(a), int(b)) for a, b in zip(starts, ends, strict=True)]
        dates = frame["TimeBucket"].to_numpy()
        self.dates = [np.flatnonzero(dates == d) for d in np.unique(dates)]

    def col(self, name: str) -> Array:
        series = self.frame[name]
        if series.dtype == pl.String:
            return series.to_numpy()
        return series.cast(pl.Float64).fill_null(np.nan).to_numpy()

    # time series: fn maps (windows x d) -> values; windows with a NaN give NaN
    def _rolling(self, x: Array, d: int, fn: Callable[[Array], Array], strict: bool = True) -> Array:
        out = np.full(self.n, np.nan)
        for part in self.listings:
            values = x[part]
            if not strict:
                values = np.r_[np.full(d - 1, np.nan), values]
            if len(values) < d:
                continue
            windows = sliding_window_view(values, d)
            with np.errstate(invalid="ignore", divide="ignore"):
                result = fn(windows)
            if strict:
                out[part][d - 1 :] = np.where(np.isnan(windows).any(axis=1), np.nan, result)
            else:
                out[part] = result
        return out

    def delay(self, x: Array, d: float) -> Array:
        k = _days(d)
        out = np.full(self.n, np.nan)
        for part in self.listings:
            values = x[part]
            shifted = np.full(len(values), np.nan)
            shifted[k:] = values[: len(values) - k]
            out[part] = shifted
        return out

    def delta(self, x: Array, d: float) -> Array:
        return x - self.delay(x, d)

    def sum(self, x: Array, d: float) -> Array:
        return self._rolling(x, _days(d), lambda w: w.sum(axis=1))

    def mean(self, x: Array, d: float) -> Array:
        return self._rolling(x, _days(d), lambda w: w.mean(axis=1))

    def product(self, x: Array, d: float) -> Array:
        return self._rolling(x, _days(d), lambda w: w.prod(axis=1))

    def ts_min(self, x: Array, d: float) -> Array:
        return self._rolling(x, _days(d), lambda w: w.min(axis=1))

    def ts_max(self, x: Array, d: float) -> Array:
        return self._rolling(x, _days(d), lambda w: w.max(axis=1))

    def _days_ago_of_first(self, n: int, pick: Callable[[Array], Array]) -> Callable[[Array], Array]:
        # The oldest value of each window tying the extreme ``pick`` (days ago = n - 1 - index).
        def first(w: Array) -> Array:
            lo, hi = _band(pick(w)[:, None])
            return (n - 1) - np.argmax((w >= lo) & (w <= hi), axis=1)

        return first

    def ts_argmax(self, x: Array, d: float) -> Array:
        n = _days(d)
        return self._rolling(x, n, self._days_ago_of_first(n, lambda w: w.max(axis=1)))

    def ts_argmin(self, x: Array, d: float) -> Array:
        n = _days(d)
        return self._rolling(x, n, self._days_ago_of_first(n, lambda w: w.min(axis=1)))

    def ts_rank(self, x: Array, d: float) -> Array:
        n = _days(d)

        def rank_of_last(w: Array) -> Array:
            lo, hi = _band(w[:, -1:])
            below = (w < lo).sum(axis=1)
            tied = ((w >= lo) & (w <= hi)).sum(axis=1)  # today included
            return (below + (tied - 1) / 2) / (n - 1)

        return self._rolling(x, n, rank_of_last)

    def stddev(self, x: Array, d: float) -> Array:
        # A constant window has exactly zero spread.
        return self._rolling(
            x, _days(d), lambda w: np.where(w.max(axis=1) == w.min(axis=1), 0.0, w.std(axis=1))
        )

    def _pairs(self, x: Array, y: Array, d: int, fn: Callable[[Array, Array], Array]) -> Array:
        out = np.full(self.n, np.nan)
        for part in self.listings:
            a, b = x[part], y[part]
            if len(a) < d:
                continue
            wa, wb = sliding_window_view(a, d), sliding_window_view(b, d)
            with np.errstate(invalid="ignore", divide="ignore"):
                result = fn(wa, wb)
            incomplete = np.isnan(wa).any(axis=1) | np.isnan(wb).any(axis=1)
            out[part][d - 1 :] = np.where(incomplete, np.nan, result)
        return out

    def covariance(self, x: Array, y: Array, d: float) -> Array:
        def cov(wa: Array, wb: Array) -> Array:
            ca = wa - wa.mean(axis=1, keepdims=True)
            cb = wb - wb.mean(axis=1, keepdims=True)
            # A constant side covaries exactly 0 (its mean may not round back exactly).
            flat = (wa.max(axis=1) == wa.min(axis=1)) | (wb.max(axis=1) == wb.min(axis=1))
            return np.where(flat, 0.0, (ca * cb).mean(axis=1))

        return self._pairs(x, y, _days(d), cov)

    def correlation(self, x: Array, y: Array, d: float) -> Array:
        def corr(wa: Array, wb: Array) -> Array:
            ca = wa - wa.mean(axis=1, keepdims=True)
            cb = wb - wb.mean(axis=1, keepdims=True)
            value = (ca * cb).mean(axis=1) / np.sqrt((ca * ca).mean(axis=1) * (cb * cb).mean(axis=1))
            # Two points are exactly +-1; rounding must not break those ties.
            value = np.where(wa.shape[1] == 2, np.sign(value), np.clip(value, -1.0, 1.0))
            flat = (wa.max(axis=1) == wa.min(axis=1)) | (wb.max(axis=1) == wb.min(axis=1))
            return np.where(flat, np.nan, value)

        return self._pairs(x, y, _days(d), corr)

    def decay_linear(self, x: Array, d: float) -> Array:
        n = _days(d)
        weights = np.arange(1, n + 1, dtype=float)  # oldest 1 ... newest n

        def decay(w: Array) -> Array:
            total = (np.nan_to_num(w, nan=0.0) * weights).sum(axis=1) / weights.sum()
            return np.where(np.isnan(w).all(axis=1), np.nan, total)

        return self._rolling(x, n, decay, strict=False)

    # cross sections
    def rank(self, x: Array) -> Array:
        out = np.full(self.n, np.nan)
        for rows in self.dates:
            values = x[rows]
            present = ~np.isnan(values)
            count = present.sum()
            if count < 2:
                continue
            v = values[present]
            lo, hi = _band(v)
            below = (v[None, :] < lo[:, None]).sum(axis=1)
            tied = ((v[None, :] >= lo[:, None]) & (v[None, :] <= hi[:, None])).sum(axis=1)
            out[rows[present]] = (below + (tied - 1) / 2) / (count - 1)
        return out

    def scale(self, x: Array, a: float = 1.0) -> Array:
        out = np.full(self.n, np.nan)
        for rows in self.dates:
            values = x[rows]
            total = np.nansum(np.abs(values))
            if total != 0:
                out[rows] = values * a / total
        return out

    def indneutralize(self, x: Array, level: str) -> Array:
        labels = self.col(level)
        out = np.full(self.n, np.nan)
        for rows in self.dates:
            for label in {v for v in labels[rows] if v is not None}:
                members = rows[labels[rows] == label]
                values = x[members]
                if (~np.isnan(values)).any():
                    out[members] = values - np.nanmean(values)
        return out

    def adv(self, d: int) -> Array:
        """The paper's adv{d}: mean daily dollar volume; mean share volume under the 'shares' basis."""
        return self.mean(self.col("volume" if self.adv_basis == "shares" else "amount"), d)

    def volume_vs_adv(self) -> Array:
        """The ``volume`` the paper sets against adv20: notional amount under 'consistent' only."""
        return self.col("amount" if self.adv_basis == "consistent" else "volume")
