"""``l2``: the order book at the last L2 snapshot of each bucket, and OHLC bars within it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import ClassVar

import polars as pl

from basalt.analytics.l2 import ohlc, ordered
from basalt.analytics.l2.config import L2Config
from basalt.analytics.l2.measures import BookMeasures
from basalt.analytics.l2.snapshots import EVENT_NO, TIMESTAMP, day_expr, timestamp_ns
from basalt.analytics.l2.states import filter_doc, kept_rows
from basalt.modules.base import AnalyticModule
from basalt.modules.columns import ColumnDoc
from basalt.timebuckets import TIME_BUCKET, TimeBuckets

_ROW = "__row"
_KEY = "__okey"
_DAY = ordered.DAY


class L2Last(AnalyticModule):
    """Order book at the last L2 snapshot of each bucket: levels, depth, imbalance, spread, mids, OHLC.

    One row per listing and bucket holding at least one snapshot (buckets are
    assigned by ``EventTimestamp`` under the pass's time-bucket rules).
    Snapshots are ordered by (``EventTimestamp``, ``L2EventNo``); the level,
    cumulative, imbalance, spread and mid families describe the last one, the
    ``ohlc`` family every snapshot of the bucket. Snapshots without an
    ``EventTimestamp`` are ignored. See ``basalt.analytics.l2.measures`` for
    missing levels, one-sided and crossed books. With ``market_states``, only
    snapshots taken in those market states count, for every family
    (``basalt.analytics.l2.states``).

    Without the ``ohlc`` family, snapshots in order (as the engine hands them)
    take the ordered path: each bucket's last row found where the bucket label
    changes (:meth:`_last_rows`); any other order, and every configuration with
    bars, the lazy ``group_by`` formulation, with the same output.
    """

    NAME = "l2"
    INPUTS = ("l2",)
    # The module checks the order itself (ordered.runs): rows in order take the one-pass path,
    # any other order the lazy formulation keyed by (EventTimestamp, L2EventNo), equal to it.
    # The engine's own check would read the day's l2 keys once more (0.04–0.07 s on the S day).
    TIME_ORDERED_INPUTS = False
    Config = L2Config
    config: L2Config

    _PREFIX: ClassVar[str] = "At the last snapshot of the bucket (in EventTimestamp, L2EventNo order): "

    def _book(self) -> BookMeasures:
        cfg = self.config
        return BookMeasures(cfg.levels, cfg.families, cfg.microprice_levels)

    def input_names(self) -> tuple[str, ...]:
        """``l2``, plus ``marketstate`` when ``market_states`` filters the snapshots."""
        return ("l2", "marketstate") if self.config.market_states else ("l2",)

    def columns(self) -> list[ColumnDoc]:
        states = self.config.market_states
        sources: tuple[str, ...] = ("l2.EventTimestamp", "l2.L2EventNo")
        note = ""
        if states:
            sources += ("marketstate.MarketState", "marketstate.TimestampNanoseconds")
            note = filter_doc(states, time_weighted=False)
        docs = [
            ColumnDoc(
                m.name,
                unit=m.unit,
                definition=self._PREFIX + m.definition + note,
                pattern=m.pattern,
                sources=(*m.sources, *sources),
                dtype=m.dtype,
            )
            for m in self._book().measures
        ]
        if "ohlc" in self.config.families:
            bars = ohlc.docs(self.config.ohlc_series, self.config.open_mode)
            docs += [
                replace(d, definition=d.definition + note, sources=(*d.sources, *sources[2:])) for d in bars
            ]
        return docs

    def compute(self, inputs: Mapping[str, pl.LazyFrame], buckets: TimeBuckets) -> pl.LazyFrame:
        snapshots = self._snapshots(inputs, buckets)
        if ordered.path() == "lazy" or self._series():
            return self._lazy(snapshots)
        # Only the keys go through the Python function (Polars hands it a contiguous copy of
        # what it gets: 1.4 GB per M day for the whole book, 0.2 GB for the keys); the picked
        # rows' book columns are then taken by a join on the row number.
        rows = snapshots.with_row_index(_ROW)
        keys = rows.select(_ROW, "ListingId", ordered.T, ordered.EVENT, _DAY, TIME_BUCKET)
        picks = keys.map_batches(self._last_rows, schema=keys.select(_ROW).collect_schema())
        return self._measures(rows.join(picks, on=_ROW, how="semi"))

    def streaming_safe(self) -> bool:
        """With bars: the lazy ``group_by`` path, which the streaming engine runs faster and leaner.

        Last rows, extremes and first/last by an (EventTimestamp, L2EventNo) key, then
        row-wise measures of the picked rows: no float sum, so the same bits either way.
        Without bars the ordered path is one whole-frame function, best run in the pass's
        own query (which may share the day's l2 scan with ``l2tw``).
        """
        return bool(self._series())

    def _series(self) -> tuple[str, ...]:
        return self.config.ohlc_series if "ohlc" in self.config.families else ()

    def _snapshots(self, inputs: Mapping[str, pl.LazyFrame], buckets: TimeBuckets) -> pl.LazyFrame:
        """The counted snapshots, narrow: keys, bucket label, OHLC series, the book's input columns."""
        cfg = self.config
        source = inputs["l2"]
        base = source.filter(pl.col(TIMESTAMP).is_not_null())
        if cfg.market_states:
            base = base.with_row_index(_ROW)
            kept = kept_rows(base, inputs["marketstate"], cfg.market_states, _ROW, cut=False)
            flagged = kept.with_columns(pl.lit(True).alias("__kept"))
            base = (
                base.join(flagged, on=_ROW, how="left", maintain_order="left")
                .filter(pl.col("__kept").fill_null(False))
                .drop(_ROW, "__kept")
            )
        return base.select(
            *ordered.key_columns(timestamp_ns(), pl.col(EVENT_NO), day_expr(source.collect_schema())),
            buckets.label(pl.col(TIMESTAMP)).alias(TIME_BUCKET),
            *ohlc.series_exprs(self._series()),
            *self._book().input_columns(),
        )

    def _lazy(self, snapshots: pl.LazyFrame) -> pl.LazyFrame:
        """The lazy formulation (any row order): ``group_by`` with ``max_by``/``min_by`` on an Int128 key."""
        series = self._series()
        prev_close = bool(series) and self.config.open_mode == "prev_close"
        base = snapshots.with_row_index(_ROW).with_columns(ordered.order_key().alias(_KEY))
        keys = ["ListingId", _DAY, TIME_BUCKET] if prev_close else ["ListingId", TIME_BUCKET]
        bars = base.group_by(keys).agg(
            pl.col(_ROW).max_by(_KEY),
            *([pl.col(_KEY).max()] if prev_close else []),
            *ohlc.bar_aggs(series, _KEY),
        )
        if prev_close:
            bars = self._from_previous_close(bars)
        return self._finish(bars, base.select(_ROW, *self._book().input_columns()))

    def _from_previous_close(self, bars: pl.LazyFrame) -> pl.LazyFrame:
        """Bars per (listing, day, bucket) → ``prev_close`` bars per (listing, bucket)."""
        series = self._series()
        bars = bars.sort("ListingId", _DAY, TIME_BUCKET)
        for stage in ohlc.open_from_previous_close(series, ["ListingId", _DAY]):
            bars = bars.with_columns(stage)
        # A bucket holding snapshots of two trading days (e.g. daily buckets on a
        # venue whose session spans midnight UTC) merges its per-day bars in time order.
        return bars.group_by("ListingId", TIME_BUCKET).agg(
            pl.col(_ROW).max_by(_KEY), *ohlc.merge_aggs(series, _KEY)
        )

    def _finish(self, bars: pl.LazyFrame, rows: pl.LazyFrame) -> pl.LazyFrame:
        """Each bucket's last snapshot's book measures (``rows``: ``__row``, inputs) beside the bars."""
        book = self._book()
        out = bars
        if book.measures:
            out = book.apply(bars.join(rows, on=_ROW, how="left"))
        names = [column.name for column in self.columns()]
        return out.select("ListingId", TIME_BUCKET, *names).sort("ListingId", TIME_BUCKET)

    def _measures(self, picked: pl.LazyFrame) -> pl.LazyFrame:
        """The book measures of each bucket's picked snapshot (one row per listing and bucket)."""
        names = [column.name for column in self.columns()]
        out = self._book().apply(picked).select("ListingId", TIME_BUCKET, *names)
        return out.sort("ListingId", TIME_BUCKET)

    def _last_rows(self, keys: pl.DataFrame) -> pl.DataFrame:
        """The row number (``__row``) of each bucket's last snapshot, from the snapshots' keys.

        Within a listing-day in (EventTimestamp, L2EventNo) order the snapshots of
        one bucket are consecutive, so the last snapshot is where the bucket label
        (or the listing-day) changes: a mask, no ``group_by`` over snapshots.
        Listing-days sharing a bucket keep the later snapshot. Keys not in order
        take the lazy formulation's ``max_by`` on the same keys.
        """
        import numpy as np  # here: registering the module must not import NumPy

        try:
            found = ordered.runs(keys)
        except ordered.NotOrdered:
            latest = pl.col(_ROW).max_by(ordered.order_key())
            return keys.group_by("ListingId", TIME_BUCKET).agg(latest).select(_ROW)
        label = keys.get_column(TIME_BUCKET).to_physical().cast(pl.Int64).to_numpy()
        last = found.last_rows()
        last[:-1] |= label[:-1] != label[1:]
        picked = keys[np.flatnonzero(last)]
        if picked.select("ListingId", TIME_BUCKET).is_duplicated().any():
            picked = picked.sort("ListingId", TIME_BUCKET, ordered.T, ordered.EVENT).unique(
                ["ListingId", TIME_BUCKET], keep="last", maintain_order=True
            )
        return picked.select(_ROW)


__all__ = ["L2Last"]
