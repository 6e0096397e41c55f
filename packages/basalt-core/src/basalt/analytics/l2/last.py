"""``l2``: the order book at the last L2 snapshot of each bucket, and OHLC bars within it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import ClassVar

import polars as pl

from basalt.analytics.l2 import ohlc
from basalt.analytics.l2.config import L2Config
from basalt.analytics.l2.measures import BookMeasures
from basalt.analytics.l2.snapshots import TIMESTAMP, day_expr, order_key
from basalt.analytics.l2.states import filter_doc, kept_rows
from basalt.modules.base import AnalyticModule
from basalt.modules.columns import ColumnDoc
from basalt.timebuckets import TIME_BUCKET, TimeBuckets

_ROW = "__row"
_KEY = "__okey"
_DAY = "__day"


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
    """

    NAME = "l2"
    INPUTS = ("l2",)
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
        cfg = self.config
        book = self._book()
        series = cfg.ohlc_series if "ohlc" in cfg.families else ()
        prev_close = bool(series) and cfg.open_mode == "prev_close"
        source = inputs["l2"]
        base = source.filter(pl.col(TIMESTAMP).is_not_null()).with_row_index(_ROW)
        if cfg.market_states:
            kept = kept_rows(base, inputs["marketstate"], cfg.market_states, _ROW, cut=False)
            base = base.join(kept, on=_ROW, how="semi")

        # Narrow pass: which row is each bucket's last snapshot, and the bars.
        keys = ["ListingId", _DAY, TIME_BUCKET] if prev_close else ["ListingId", TIME_BUCKET]
        narrow = base.select(
            _ROW,
            "ListingId",
            buckets.label(pl.col(TIMESTAMP)).alias(TIME_BUCKET),
            order_key().alias(_KEY),
            *([day_expr(source.collect_schema()).alias(_DAY)] if prev_close else []),
            *ohlc.series_exprs(series),
        )
        bars = narrow.group_by(keys).agg(
            pl.col(_ROW).max_by(_KEY),
            *([pl.col(_KEY).max()] if prev_close else []),
            *ohlc.bar_aggs(series, _KEY),
        )
        if prev_close:
            bars = bars.sort("ListingId", _DAY, TIME_BUCKET)
            for stage in ohlc.open_from_previous_close(series, ["ListingId", _DAY]):
                bars = bars.with_columns(stage)
            # A bucket holding snapshots of two trading days (e.g. daily buckets on a
            # venue whose session spans midnight UTC) merges its per-day bars in time order.
            bars = bars.group_by("ListingId", TIME_BUCKET).agg(
                pl.col(_ROW).max_by(_KEY), *ohlc.merge_aggs(series, _KEY)
            )

        out = bars
        if book.measures:
            out = book.apply(bars.join(base.select(_ROW, *book.input_columns()), on=_ROW, how="left"))
        names = [column.name for column in self.columns()]
        return out.select("ListingId", TIME_BUCKET, *names).sort("ListingId", TIME_BUCKET)


__all__ = ["L2Last"]
