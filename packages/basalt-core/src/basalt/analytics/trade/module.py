"""The ``trade`` analytics module: trades-plus in, one row per listing per time bucket out."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping

import polars as pl

from basalt.analytics.trade.config import TradeConfig
from basalt.analytics.trade.discrepancy import discrepancy
from basalt.analytics.trade.family import ROW, TIMESTAMP, Family
from basalt.analytics.trade.flags import flags
from basalt.analytics.trade.prices import PRICE_MEASURES
from basalt.analytics.trade.sides import QUANTITY_MEASURES
from basalt.analytics.trade.tca import tca
from basalt.modules.base import AnalyticModule
from basalt.modules.columns import ColumnDoc
from basalt.timebuckets import TIME_BUCKET, TimeBuckets

MEASURES: dict[str, Callable[[str, TradeConfig], Family]] = {**QUANTITY_MEASURES, **PRICE_MEASURES}
"""Per-side measure name → builder of its family."""


class TradeModule(AnalyticModule):
    """Trade volumes, counts, notionals, prices, discrepancies, TCA and flags per bucket.

    Trades are first filtered by ``Classification`` (lit continuous by default)
    and optionally ``MarketState``; every family then runs over the kept trades,
    bucketed by ``TradeTimestamp``. Rows are sparse: a (ListingId, TimeBucket)
    appears when at least one kept trade falls in it, and in such a row the
    counts, volumes and notionals of a side that did not trade are 0 while its
    prices are null. Output is sorted by ListingId, TimeBucket.

    Per-side columns are ``Trade{Side}{Measure}``: Bid = seller-initiated
    (AggressorSide 2), Ask = buyer-initiated (AggressorSide 1), Unknown = any
    other AggressorSide (0, null), Total = all. See each family's module
    (``sides``, ``prices``, ``discrepancy``, ``tca``, ``flags``) for its exact
    conventions; ``basalt analytics explain COLUMN`` prints them per column.
    """

    NAME = "trade"
    INPUTS = ("trades",)
    # Every measure is a per-bucket sum, count or extreme, and Open/Close are picked by an
    # explicit (TradeTimestamp, row) key: a stable sort by time keeps equal timestamps in file
    # order, so sorted and unsorted days give the same rows (test_trade_reference shuffles).
    TIME_ORDERED_INPUTS = False
    Config = TradeConfig
    config: TradeConfig

    @functools.cached_property
    def _family(self) -> Family:
        # Built once per module instance (its config is frozen): a run asks for it per day,
        # through columns() and compute(), and building ~200 expressions takes ~9 ms.
        cfg = self.config
        family = Family()
        for side in cfg.sides:
            for measure in cfg.measures:
                family.extend(MEASURES[measure](side, cfg))
        if cfg.discrepancy_references and cfg.discrepancy_aggregations:
            family.extend(discrepancy(cfg))
        if cfg.tca:
            family.extend(tca(cfg))
        if cfg.flags:
            family.extend(flags(cfg))
        return family

    def columns(self) -> list[ColumnDoc]:
        """Every column emitted under this configuration, in output order."""
        return list(self._family.docs)

    def compute(self, inputs: Mapping[str, pl.LazyFrame], buckets: TimeBuckets) -> pl.LazyFrame:
        """Filter the trades, add per-trade helper columns, aggregate once per (ListingId, TimeBucket)."""
        cfg = self.config
        family = self._family
        trades = inputs["trades"]
        keep = []
        classifications = cfg.classification_values()
        if classifications is not None:
            keep.append(pl.col("Classification").is_in(classifications))
        if cfg.market_states is not None:
            keep.append(pl.col("MarketState").is_in(cfg.market_states))
        if keep:
            trades = trades.filter(*keep)
        if family.ordered:
            trades = trades.with_row_index(ROW)
        return (
            trades.with_columns(
                buckets.label(pl.col(TIMESTAMP)).alias(TIME_BUCKET),
                *(expr.alias(name) for name, expr in family.prep.items()),
            )
            .group_by(*self.KEYS)
            .agg(family.aggs)
            .with_columns(family.post)
            .select(*self.KEYS, *(doc.name for doc in family.docs))
            .sort(*self.KEYS)
        )
