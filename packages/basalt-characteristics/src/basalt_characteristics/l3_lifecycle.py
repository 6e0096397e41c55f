"""The ``l3_characteristics`` module: order lifecycles from BMLL L3 events, per bucket.

Orders
------
Rows of one order are matched by ``OriginalOrderId`` (BMLL's id of the order's first
insert, carried on every row of its life; empty = no id) within the listing-day
(``TradeDate``, else the UTC date of ``TimestampNanoseconds``). Per order:

* **insert**: its earliest ``LobAction`` 2 row; its ``Size`` is the inserted size and
  its side the order's side. Orders with no insert that day (inserted before the data
  starts) are left out of every order metric.
* **end**: its earliest ``LobAction`` 3 row, i.e. a cancel (``OrderExecuted`` false or
  null) or a full execution (``OrderExecuted`` true). Partial fills and modifications
  (``LobAction`` 4) do not end an order.
* **executed size**: the sum of ``ExecutionSize`` over its rows with ``OrderExecuted``
  true; **modifications**: its ``LobAction`` 4 rows with ``OrderExecuted`` false or null.

An order belongs to the bucket of its insert (a cohort), whatever the bucket of its end.

Censoring
---------
An order with no end in the listing-day's data is *alive at the day's end*: its
lifetime is right-censored. It is counted, not dropped: it is in ``L3OrdersInserted``
and ``L3OrdersCensored``, in the fill ratio (executed so far / inserted), in the
modification rate (modifications so far) and in the fleeting shares' denominator as
not fleeting (it was not cancelled within the threshold — unless the data end less than
the threshold after its insert, where that is unknown and it still counts as not
fleeting). It is left out of the lifetime quantiles, which are therefore quantiles of
*completed* lifetimes (biased down when many orders are censored: read them with
``L3OrdersCensored``).

Cancel distance
---------------
For every cancel (``LobAction`` 3 with ``OrderExecuted`` false or null) in the bucket
(by the cancel's own time), the distance of the cancelled price (``OldPrice``) from the
touch of its side in the prevailing quote (last L2 snapshot strictly before the cancel,
same listing-day, compared in nanoseconds: L2 ``TimestampNanoseconds``, else
``EventTimestamp``; the snapshot the cancel itself causes carries its exact time):
``(BidPrice1 − OldPrice)/tick`` for bids, ``(OldPrice − AskPrice1)/tick`` for asks (0 at
the touch, positive behind it), rounded to 6 decimals.
``tick`` is ``tick_size`` or, when not set, the listing-day's smallest positive gap
between distinct level-1 prices (bid or ask) in L2, rounded to 10 decimals.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl
from pydantic import Field

from basalt import AnalyticModule, ColumnDoc, ModuleConfig, TimeBuckets
from basalt_characteristics.flow_common import (
    ASK,
    BID,
    DAY,
    NS,
    day_of,
    level1_quotes,
    ns,
    with_prevailing_quote,
)

TIME_BUCKET = "TimeBucket"
L3_TIME = "TimestampNanoseconds"
_KEY, _INSERT, _END, _CANCEL = "__key", "__insert_ns", "__end_ns", "__cancel_ns"
_SIZE, _EXECUTED, _MODS, _TICK = "__inserted", "__executed", "__mods", "__tick"
_SOURCES = tuple(f"l3.{c}" for c in ("ListingId", L3_TIME, "LobAction", "OrderExecuted", "OriginalOrderId"))


class L3CharacteristicsConfig(ModuleConfig):
    """Fleeting thresholds and the tick of the cancel distance."""

    fleeting_ms: tuple[float, ...] = Field(
        (100.0, 1000.0),
        description="Thresholds in milliseconds of the fleeting shares: an order is fleeting when "
        "cancelled at most this long after its insert (inclusive). One L3FleetingShare{ms}ms column each.",
    )
    cancel_distance: bool = Field(True, description="Emit L3CancelDistanceTicksMedian (needs the l2 input).")
    tick_size: float | None = Field(
        None,
        gt=0,
        description="Tick size of the cancel distance; None infers it per listing-day as the smallest "
        "positive gap between distinct level-1 prices in L2.",
    )


def _fleeting_name(ms: float) -> str:
    return f"L3FleetingShare{ms:g}ms"


class L3CharacteristicsModule(AnalyticModule):
    """Order lifetime, fill ratio, modification rate, fleeting shares and cancel distance per bucket.

    See :mod:`basalt_characteristics.l3_lifecycle` for how orders are matched and censored.
    """

    NAME = "l3_characteristics"
    INPUTS = ("l3", "l2")
    Config = L3CharacteristicsConfig
    config: L3CharacteristicsConfig

    def input_names(self) -> tuple[str, ...]:
        """``l3``, plus ``l2`` for the cancel distance."""
        return ("l3", "l2") if self.config.cancel_distance else ("l3",)

    def columns(self) -> list[ColumnDoc]:
        """Cohort counts, lifetimes, fill ratio, modification rate, fleeting shares, cancel distance."""
        cohort = "orders inserted in the bucket (see l3_characteristics for matching)"
        docs = [
            ColumnDoc(
                "L3OrdersInserted",
                "count",
                f"Number of {cohort}.",
                sources=_SOURCES,
                dtype="Int64",
                additive=True,
            ),
            ColumnDoc(
                "L3OrdersCensored",
                "count",
                f"Number of {cohort} still alive at the listing-day's end (no cancel or full execution).",
                sources=_SOURCES,
                dtype="Int64",
                additive=True,
            ),
        ]
        for stat, word in (("Median", "Median"), ("P90", "90th percentile (linear interpolation)")):
            docs.append(
                ColumnDoc(
                    f"L3OrderLifetime{stat}",
                    "seconds",
                    f"{word} of insert → end (first cancel or full execution) over the {cohort} that end "
                    "the same day; censored orders are left out; null if none ended.",
                    pattern="L3OrderLifetime{Stat}",
                    sources=_SOURCES,
                    dtype="Float64",
                )
            )
        docs += [
            ColumnDoc(
                "L3FillRatio",
                "ratio",
                f"Σ ExecutionSize (OrderExecuted rows) / Σ inserted Size over the {cohort}, censored ones "
                "included; null if nothing was inserted.",
                sources=(*_SOURCES, "l3.Size", "l3.ExecutionSize"),
                dtype="Float64",
            ),
            ColumnDoc(
                "L3ModificationRate",
                "modifications per order",
                f"Modifications (LobAction 4, not executed) of the {cohort} / their number; null if none.",
                sources=_SOURCES,
                dtype="Float64",
            ),
        ]
        for ms in self.config.fleeting_ms:
            docs.append(
                ColumnDoc(
                    _fleeting_name(ms),
                    "ratio",
                    f"Share of the {cohort} cancelled at most {ms:g} ms after insert (inclusive); censored "
                    "orders count as not fleeting; null if none.",
                    pattern="L3FleetingShare{ms}ms",
                    sources=_SOURCES,
                    dtype="Float64",
                )
            )
        if self.config.cancel_distance:
            docs.append(
                ColumnDoc(
                    "L3CancelDistanceTicksMedian",
                    "ticks",
                    "Median over the bucket's cancels of the cancelled price's distance behind its side's "
                    "touch "
                    "in the prevailing quote, in ticks ((BidPrice1 − OldPrice)/tick for bids, (OldPrice − "
                    "AskPrice1)/tick for asks); null if no cancel has a quote on its side.",
                    sources=(
                        *_SOURCES,
                        "l3.Side",
                        "l3.OldPrice",
                        "l2.BidPrice1",
                        "l2.AskPrice1",
                        "l2.TimestampNanoseconds",
                    ),
                    dtype="Float64",
                )
            )
        return docs

    def compute(self, inputs: Mapping[str, pl.LazyFrame], buckets: TimeBuckets) -> pl.LazyFrame:
        """One group_by per order (cohort metrics), an as-of join for cancels, full join on the keys."""
        cfg = self.config
        l3 = inputs["l3"]
        group = ["ListingId", DAY]
        executed = pl.col("OrderExecuted").fill_null(False)
        action = pl.col("LobAction")
        events = l3.select(
            "ListingId",
            "Side",
            "LobAction",
            "OldPrice",
            "Size",
            "ExecutionSize",
            executed.alias("OrderExecuted"),
            day_of(l3, L3_TIME).alias(DAY),
            ns(L3_TIME).alias(NS),
            pl.when(pl.col("OriginalOrderId") != "").then(pl.col("OriginalOrderId")).alias(_KEY),
        ).filter(pl.col(NS).is_not_null())
        is_insert, is_end = action == 2, action == 3
        is_cancel = is_end & ~executed
        t = pl.col(NS)
        orders = (
            events.filter(pl.col(_KEY).is_not_null())
            .group_by(*group, _KEY)
            .agg(
                t.filter(is_insert).min().alias(_INSERT),
                pl.col("Size")
                .filter(is_insert)
                .sort_by(t.filter(is_insert))
                .first()
                .cast(pl.Float64)
                .alias(_SIZE),
                t.filter(is_end).min().alias(_END),
                t.filter(is_cancel).min().alias(_CANCEL),
                pl.col("ExecutionSize").filter(executed).sum().cast(pl.Float64).alias(_EXECUTED),
                (action == 4).and_(~executed).sum().alias(_MODS),
            )
            .filter(pl.col(_INSERT).is_not_null())
            .with_columns(buckets.label(pl.col(_INSERT).cast(pl.Datetime("ns"))).alias(TIME_BUCKET))
        )
        lifetime = (pl.col(_END) - pl.col(_INSERT)) / 1e9
        n = pl.len().cast(pl.Int64)
        inserted = pl.col(_SIZE).sum()
        aggs = [
            n.alias("L3OrdersInserted"),
            pl.col(_END).is_null().sum().cast(pl.Int64).alias("L3OrdersCensored"),
            lifetime.median().alias("L3OrderLifetimeMedian"),
            lifetime.quantile(0.9, interpolation="linear").alias("L3OrderLifetimeP90"),
            pl.when(inserted > 0).then(pl.col(_EXECUTED).sum() / inserted).alias("L3FillRatio"),
            (pl.col(_MODS).sum() / n).alias("L3ModificationRate"),
        ]
        for ms in cfg.fleeting_ms:
            fleeting = (pl.col(_CANCEL) - pl.col(_INSERT)) <= round(ms * 1e6)
            aggs.append((fleeting.fill_null(False).sum() / n).alias(_fleeting_name(ms)))
        result = orders.group_by("ListingId", TIME_BUCKET).agg(aggs)
        if cfg.cancel_distance:
            result = result.join(
                self._cancel_distance(events.filter(is_cancel), inputs["l2"], buckets),
                on=["ListingId", TIME_BUCKET],
                how="full",
                coalesce=True,
            ).with_columns(pl.col("L3OrdersInserted", "L3OrdersCensored").fill_null(0))
        return result.select("ListingId", TIME_BUCKET, *(doc.name for doc in self.columns())).sort(
            "ListingId", TIME_BUCKET
        )

    def _cancel_distance(self, cancels: pl.LazyFrame, l2: pl.LazyFrame, buckets: TimeBuckets) -> pl.LazyFrame:
        """Median distance in ticks of the bucket's cancels from their side's prevailing touch."""
        group = ["ListingId", DAY]
        quotes = level1_quotes(l2, nanoseconds=True)
        tick_size = self.config.tick_size
        cancels = with_prevailing_quote(cancels.sort(*group, NS), quotes)
        if tick_size is None:
            prices = pl.concat(
                [
                    quotes.select(*group, pl.col(BID).alias("__p")),
                    quotes.select(*group, pl.col(ASK).alias("__p")),
                ]
            )
            ticks = (
                prices.drop_nulls()
                .unique()
                .sort(*group, "__p")
                .with_columns(pl.col("__p").diff().over(group).alias("__gap"))
                .filter(pl.col("__gap") > 0)
                .group_by(group)
                .agg(pl.col("__gap").min().round(10).alias(_TICK))
            )
            cancels = cancels.join(ticks, on=group, how="left")
            tick = pl.col(_TICK)
        else:
            tick = pl.lit(tick_size)
        price, side = pl.col("OldPrice"), pl.col("Side")
        distance = (
            pl.when(side == 1).then(pl.col(BID) - price).when(side == 2).then(price - pl.col(ASK)) / tick
        ).round(6)
        return (
            cancels.with_columns(buckets.label(pl.col(NS).cast(pl.Datetime("ns"))).alias(TIME_BUCKET))
            .group_by("ListingId", TIME_BUCKET)
            .agg(distance.median().alias("L3CancelDistanceTicksMedian"))
        )
