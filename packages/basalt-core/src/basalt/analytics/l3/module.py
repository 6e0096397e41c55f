"""The ``l3`` analytics module: BMLL L3 order events in, order-flow analytics per listing and bucket out.

Event classes
-------------
Every L3 row belongs to at most one class, decided in this order:

1. **Execute**: ``OrderExecuted`` is true, whatever the ``LobAction``. In BMLL
   data a full fill is ``LobAction`` 3 and a partial fill ``LobAction`` 4 with
   ``OrderExecuted`` true; both are executions only, never a Remove or an
   Update. The side is the side of the *resting* order that was executed
   (``ExecuteVolumeBid``: bids hit by sellers).
2. **Insert**: ``LobAction`` 2.
3. **Remove**: ``LobAction`` 3 (a cancel: removal without execution).
4. **Update**: ``LobAction`` 4 (a modification of price and/or size).

Rows with any other ``LobAction`` (or a null one), a ``Side`` other than 1
(Bid) and 2 (Ask), or a null timestamp are ignored. A null ``OrderExecuted``
counts as false.

Volumes (shares): Insert ``Size``; Remove ``OldSize`` (the quantity cancelled);
Update ``|Size - OldSize|`` (the quantity added or withdrawn; 0 for a pure price
change); Execute ``ExecutionSize``.

Rows are sparse: a (ListingId, TimeBucket) appears when at least one classified
Bid/Ask event (of the kept market states) falls in it, bucketed by
``TimestampNanoseconds`` under the pass's time-bucket rules. Counts and volumes
of a class with no event there are 0; ratios and averages without a denominator
are null. Output is sorted by ListingId, TimeBucket.

Order lifecycle (advanced metrics)
----------------------------------
``AvgRestingTime`` and ``FleetingLiquidityRatio`` follow one order through its
rows, matched by the configured ``order_key`` within the same ListingId and
trading day (``TradeDate`` when the input has it, else the UTC date of
``TimestampNanoseconds``). Order ids are assumed unique per listing and day; an
empty id is no id. The insert time of an order is its earliest Insert row of the
day; orders inserted before the data starts (e.g. good-till-cancel orders from a
previous day, or before the first loaded event) have no insert and are excluded.
Lifecycle look-ups (insert time, cancel time, next insert) use every event of the
day, also those the ``market_states`` filter leaves out of the counts.

Columns each feature needs from ``l3`` (load at least these):

* always: ListingId, TimestampNanoseconds, Side, LobAction, OrderExecuted
  (+ MarketState when ``market_states`` is set);
* Volume: Size (Insert), OldSize (Remove), Size and OldSize (Update),
  ExecutionSize (Execute); ArrivalFlowImbalance: Size; AvgQueuePosition: SizeAhead;
* AvgRestingTime, FleetingLiquidityRatio: OriginalOrderId (or OrderId and
  OldOrderId with ``order_key='OrderId'``);
* TradeDate is the trading day of the lifecycle metrics when loaded (else the UTC
  date of ``TimestampNanoseconds``, which splits days of venues trading across
  UTC midnight): load it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from basalt.analytics.l3.config import L3Config
from basalt.modules.base import AnalyticModule
from basalt.modules.columns import ColumnDoc
from basalt.timebuckets import TIME_BUCKET, TimeBuckets

TIMESTAMP = "TimestampNanoseconds"
SIDE_CODES: dict[str, int] = {"Bid": 1, "Ask": 2}
ACTION_CODES: dict[str, int] = {"Insert": 0, "Remove": 1, "Update": 2, "Execute": 3}
NS_PER_SECOND = 1_000_000_000

_CLASS = "__class"
_CELL = "__cell"
_VOLUME = "__volume"
_NS = "__ns"
_DAY = "__day"
_KEY = "__okey"
_INSERT_NS = "__insert_ns"
_CANCEL_NS = "__cancel_ns"
_NEXT_NS = "__next_insert_ns"
# Per-cell partial aggregates of the first stage (a cell: listing, bucket, side, class).
_N = "__n"
_VOL = "__vol"
_AHEAD_SUM, _AHEAD_N = "__ahead_sum", "__ahead_n"
_REST_SUM, _REST_N = "__rest_sum", "__rest_n"
_FLEETING = "__fleeting"
_GAP_SUM, _GAP_N = "__gap_sum", "__gap_n"

_SIDE_TEXT = {
    "Bid": "bid orders (Side 1)",
    "Ask": "ask orders (Side 2)",
}
_ACTION_TEXT = {
    "Insert": "inserts (LobAction 2)",
    "Remove": "cancels (LobAction 3 rows with OrderExecuted false or null)",
    "Update": "updates (LobAction 4 rows with OrderExecuted false or null)",
    "Execute": "executions of resting orders (rows with OrderExecuted true, any LobAction)",
}
_VOLUME_TEXT = {
    "Insert": "Size",
    "Remove": "OldSize (the quantity removed)",
    "Update": "|Size - OldSize| (quantity added or withdrawn; 0 for a price-only update)",
    "Execute": "ExecutionSize",
}
_VOLUME_SOURCES = {
    "Insert": ("Size",),
    "Remove": ("OldSize",),
    "Update": ("Size", "OldSize"),
    "Execute": ("ExecutionSize",),
}
_CORE_SOURCES = ("ListingId", TIMESTAMP, "Side", "LobAction", "OrderExecuted")


def _sources(*columns: str) -> tuple[str, ...]:
    return tuple(f"l3.{c}" for c in (*columns, *_CORE_SOURCES))


def _ratio(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    """``numerator / denominator`` as Float64, null unless the denominator is > 0."""
    return pl.when(denominator > 0).then(numerator.cast(pl.Float64) / denominator.cast(pl.Float64))


class L3Module(AnalyticModule):
    """Order-flow analytics of BMLL L3 events per listing and bucket.

    ``{Action}{Measure}{Side}`` counts and volumes of inserts, cancels, updates
    and executions, plus optional advanced metrics (arrival-flow imbalance,
    cancel-to-trade ratio, queue position, resting time, fleeting liquidity,
    replacement latency). See the module documentation of
    :mod:`basalt.analytics.l3.module` for how rows are classified and matched.
    """

    NAME = "l3"
    INPUTS = ("l3",)
    Config = L3Config
    config: L3Config

    # -- documentation -------------------------------------------------------------------------

    def columns(self) -> list[ColumnDoc]:
        """Every column emitted under this configuration, in output order."""
        cfg = self.config
        docs: list[ColumnDoc] = []
        for side in cfg.sides:
            for action in cfg.actions:
                for measure in cfg.measures:
                    docs.append(self._basic_doc(action, measure, side))
        ms = " (events of the kept market states)" if cfg.market_states else ""
        for metric in cfg.advanced:
            if metric == "ArrivalFlowImbalance":
                docs.append(
                    ColumnDoc(
                        "ArrivalFlowImbalance",
                        unit="ratio",
                        definition="(InsertVolumeBid - InsertVolumeAsk) / (InsertVolumeBid + InsertVolumeAsk)"
                        f" over the inserts of the bucket{ms}, in [-1, 1]; null when no shares were "
                        "inserted.",
                        sources=_sources("Size"),
                        dtype="Float64",
                    )
                )
                continue
            for side in cfg.sides:
                docs.append(self._advanced_doc(metric, side, ms))
        return docs

    @staticmethod
    def _basic_doc(action: str, measure: str, side: str) -> ColumnDoc:
        what = f"{_ACTION_TEXT[action]} of {_SIDE_TEXT[side]} in the bucket"
        if measure == "Count":
            definition = f"Number of {what} (0 if none)."
            unit, sources = "count", _sources()
        else:
            definition = f"Sum of {_VOLUME_TEXT[action]} over the {what} (0 if none)."
            unit, sources = "shares", _sources(*_VOLUME_SOURCES[action])
        return ColumnDoc(
            f"{action}{measure}{side}",
            unit=unit,
            definition=definition,
            pattern=f"{{Action}}{measure}{{Side}}",
            sources=sources,
            dtype="Int64",
            additive=True,
        )

    def _advanced_doc(self, metric: str, side: str, ms: str) -> ColumnDoc:
        cfg = self.config
        orders = _SIDE_TEXT[side]
        key = (
            "OriginalOrderId"
            if cfg.order_key == "OriginalOrderId"
            else "OrderId of the insert = OldOrderId of the removal"
        )
        lifecycle = (
            f" Rows of one order are matched by {key} within the listing and trading day; orders with no "
            "insert that day (inserted before the data starts) are excluded."
        )
        id_sources = ("OriginalOrderId",) if cfg.order_key == "OriginalOrderId" else ("OrderId", "OldOrderId")
        if metric == "CancelToTradeRatio":
            return ColumnDoc(
                f"CancelToTradeRatio{side}",
                unit="ratio",
                definition=f"Cancels (LobAction 3, not executed) of {orders} divided by executions "
                f"(OrderExecuted true) of {orders} in the bucket{ms}; null when there is no execution.",
                pattern="CancelToTradeRatio{Side}",
                sources=_sources(),
                dtype="Float64",
            )
        if metric == "AvgQueuePosition":
            return ColumnDoc(
                f"AvgQueuePosition{side}",
                unit="shares",
                definition=f"Mean SizeAhead (shares ahead in the price level's queue at arrival) of the "
                f"inserts of {orders} in the bucket{ms}; null when none has a SizeAhead.",
                pattern="AvgQueuePosition{Side}",
                sources=_sources("SizeAhead"),
                dtype="Float64",
            )
        if metric == "AvgRestingTime":
            return ColumnDoc(
                f"AvgRestingTime{side}",
                unit="seconds",
                definition=f"Mean time from insert to leaving the book of the {orders} that leave it in "
                f"the bucket{ms}: rows with LobAction 3, i.e. cancels and full executions (partial fills, "
                "LobAction 4, do not end an order). Time since the order's earliest insert of the day, "
                "also across updates." + lifecycle + " Null when no such order.",
                pattern="AvgRestingTime{Side}",
                sources=_sources(*id_sources, "TradeDate"),
                dtype="Float64",
            )
        if metric == "FleetingLiquidityRatio":
            return ColumnDoc(
                f"FleetingLiquidityRatio{side}",
                unit="ratio",
                definition=f"Share of the inserts of {orders} in the bucket{ms} whose order is cancelled "
                f"(LobAction 3, not executed) at most {cfg.fleeting_threshold_ms:g} ms after the insert "
                "(inclusive; the cancel may fall in a later bucket). Partial fills before the cancel do not "
                "matter." + lifecycle + " Null when no insert.",
                pattern="FleetingLiquidityRatio{Side}",
                sources=_sources(*id_sources, "TradeDate"),
                dtype="Float64",
            )
        return ColumnDoc(
            f"AvgReplacementLatency{side}",
            unit="seconds",
            definition=f"Mean time from each cancel (LobAction 3, not executed) of {orders} in the "
            f"bucket{ms} to the first insert on the same side of the same listing and trading day at or "
            f"after it (same timestamp: 0), counting only cancels so replaced within "
            f"{cfg.replacement_threshold_ms:g} ms (inclusive). Any insert on the side counts, whatever its "
            "price, size or participant; price-changing updates are not replacements. Null when no cancel "
            "is replaced.",
            pattern="AvgReplacementLatency{Side}",
            sources=_sources("TradeDate"),
            dtype="Float64",
        )

    # -- computation ---------------------------------------------------------------------------

    def required_columns(self) -> list[str]:
        """The ``l3`` columns this configuration reads (``TradeDate`` is used as well when present)."""
        cfg = self.config
        needed = list(_CORE_SOURCES)
        if cfg.market_states is not None:
            needed.append("MarketState")
        if "Volume" in cfg.measures:
            for action in cfg.actions:
                needed.extend(_VOLUME_SOURCES[action])
        if "ArrivalFlowImbalance" in cfg.advanced:
            needed.append("Size")
        if "AvgQueuePosition" in cfg.advanced:
            needed.append("SizeAhead")
        if self._lifecycle():
            needed.extend(
                ["OriginalOrderId"] if cfg.order_key == "OriginalOrderId" else ["OrderId", "OldOrderId"]
            )
        return list(dict.fromkeys(needed))

    def _lifecycle(self) -> bool:
        return bool({"AvgRestingTime", "FleetingLiquidityRatio"} & set(self.config.advanced))

    def compute(self, inputs: Mapping[str, pl.LazyFrame], buckets: TimeBuckets) -> pl.LazyFrame:
        """Classify events, aggregate per (listing, bucket, side, class), then pivot to one row per bucket.

        Lifecycle look-ups are a group_by of the day's orders joined back (insert and cancel times)
        and an as-of join of cancels onto the next insert of their side (replacement latency).
        """
        cfg = self.config
        l3 = inputs["l3"]
        lifecycle = self._lifecycle()
        replacement = "AvgReplacementLatency" in cfg.advanced
        needed = self.required_columns()
        timed = lifecycle or replacement
        if timed and "TradeDate" in l3.collect_schema().names():
            day = pl.col("TradeDate").cast(pl.Date)
            needed.append("TradeDate")
        else:
            day = pl.col(TIMESTAMP).dt.date()

        executed = pl.col("OrderExecuted").fill_null(False)
        action = pl.col("LobAction")
        klass = (
            pl.when(executed)
            .then(pl.lit(3, pl.Int8))
            .when(action == 2)
            .then(pl.lit(0, pl.Int8))
            .when(action == 3)
            .then(pl.lit(1, pl.Int8))
            .when(action == 4)
            .then(pl.lit(2, pl.Int8))
        )
        events = l3.select(needed).with_columns(klass.alias(_CLASS))
        if timed:
            events = events.with_columns(
                pl.col(TIMESTAMP).dt.cast_time_unit("ns").cast(pl.Int64).alias(_NS), day.alias(_DAY)
            )
        keep = [pl.col(_CLASS).is_not_null(), pl.col("Side").is_in([1, 2]), pl.col(TIMESTAMP).is_not_null()]
        if cfg.market_states is not None:
            keep.append(pl.col("MarketState").is_in(cfg.market_states))
        kept = events.filter(*keep).with_columns(
            buckets.label(pl.col(TIMESTAMP)).alias(TIME_BUCKET),
            (pl.col("Side").cast(pl.Int8) * 4 + pl.col(_CLASS)).alias(_CELL),
        )
        volume_actions = list(cfg.actions) if "Volume" in cfg.measures else []
        if volume_actions or "ArrivalFlowImbalance" in cfg.advanced:
            kept = kept.with_columns(
                self._volume_expr(volume_actions, "ArrivalFlowImbalance" in cfg.advanced)
            )
        cell_keys = [*self.KEYS, _CELL]
        per_row = self._join_lifecycle(kept, events) if lifecycle else kept
        cells = per_row.group_by(cell_keys).agg(self._cell_aggregations())
        if replacement:
            cells = cells.join(self._replacement_gaps(kept, events), on=cell_keys, how="left")
        aggs, post = self._bucket_aggregations()
        return (
            cells.group_by(*self.KEYS)
            .agg(aggs)
            .with_columns(post)
            .select(*self.KEYS, *(doc.name for doc in self.columns()))
            .sort(*self.KEYS)
        )

    @staticmethod
    def _volume_expr(actions: list[str], inserts: bool) -> pl.Expr:
        """One per-row volume column for the classes that need it (null for the others)."""
        chosen = set(actions) | ({"Insert"} if inserts else set())
        values = {
            "Insert": pl.col("Size"),
            "Remove": pl.col("OldSize"),
            "Update": (pl.col("Size") - pl.col("OldSize")).abs(),
            "Execute": pl.col("ExecutionSize"),
        }
        expr: Any = pl
        for name in ("Insert", "Remove", "Update", "Execute"):
            if name in chosen:
                expr = expr.when(pl.col(_CLASS) == ACTION_CODES[name]).then(values[name])
        return expr.alias(_VOLUME)

    def _order_key(self) -> pl.Expr:
        if self.config.order_key == "OriginalOrderId":
            key = pl.col("OriginalOrderId")
        else:
            key = pl.when(pl.col("LobAction") == 2).then(pl.col("OrderId")).otherwise(pl.col("OldOrderId"))
        return pl.when(key != "").then(key)

    def _join_lifecycle(self, kept: pl.LazyFrame, events: pl.LazyFrame) -> pl.LazyFrame:
        """Add each kept row's order insert time and first cancel time (ns) over the whole day's events."""
        order = ["ListingId", _DAY, _KEY]
        klass, ns = pl.col(_CLASS), pl.col(_NS)
        orders = (
            events.with_columns(self._order_key().alias(_KEY))
            .filter(pl.col(_KEY).is_not_null(), klass.is_in([ACTION_CODES["Insert"], ACTION_CODES["Remove"]]))
            .group_by(order)
            .agg(
                ns.filter(klass == ACTION_CODES["Insert"]).min().alias(_INSERT_NS),
                ns.filter(klass == ACTION_CODES["Remove"]).min().alias(_CANCEL_NS),
            )
        )
        # Null keys never match (join's default), so rows without an id get null times.
        return kept.with_columns(self._order_key().alias(_KEY)).join(orders, on=order, how="left")

    def _replacement_gaps(self, kept: pl.LazyFrame, events: pl.LazyFrame) -> pl.LazyFrame:
        """Per (listing, bucket, side) cancel cell: sum and count of gaps to the next same-side insert."""
        by = ["ListingId", _DAY, "Side"]
        threshold = self.config.replacement_threshold_ns
        columns = dict.fromkeys([*by, *self.KEYS, _CELL, _NS])
        cancels = kept.filter(pl.col(_CLASS) == ACTION_CODES["Remove"]).select(*columns)
        inserts = (
            events.filter(pl.col(_CLASS) == ACTION_CODES["Insert"], pl.col("Side").is_in([1, 2]))
            .select(*by, pl.col(_NS).alias(_NEXT_NS))
            .sort(_NEXT_NS)
        )
        # Sorting both sides by time alone makes every (listing, day, side) group sorted, as the
        # as-of join needs; "forward" finds the first insert at or after the cancel (ties: gap 0).
        gap = pl.col(_NEXT_NS) - pl.col(_NS)
        replaced = gap <= threshold
        return (
            cancels.sort(_NS)
            .join_asof(
                inserts, left_on=_NS, right_on=_NEXT_NS, by=by, strategy="forward", check_sortedness=False
            )
            .group_by(*self.KEYS, _CELL)
            .agg(
                gap.filter(replaced).cast(pl.Float64).sum().alias(_GAP_SUM),
                replaced.sum().cast(pl.Int64).alias(_GAP_N),
            )
        )

    def _cell_aggregations(self) -> list[pl.Expr]:
        """First stage, per (listing, bucket, side, class): counts, volumes and partial sums."""
        cfg = self.config
        aggs = [pl.len().cast(pl.Int64).alias(_N)]
        if (cfg.actions and "Volume" in cfg.measures) or "ArrivalFlowImbalance" in cfg.advanced:
            aggs.append(pl.col(_VOLUME).sum().alias(_VOL))
        if "AvgQueuePosition" in cfg.advanced:
            ahead = pl.col("SizeAhead")
            aggs += [ahead.sum().alias(_AHEAD_SUM), ahead.count().cast(pl.Int64).alias(_AHEAD_N)]
        ns = pl.col(_NS)
        if "AvgRestingTime" in cfg.advanced:
            insert_ns = pl.col(_INSERT_NS)
            leaves = (pl.col("LobAction") == 3) & (insert_ns <= ns)
            aggs += [
                # Summed as Float64: an Int64 sum of nanoseconds could overflow on a daily timeline.
                (ns - insert_ns).filter(leaves).cast(pl.Float64).sum().alias(_REST_SUM),
                leaves.sum().cast(pl.Int64).alias(_REST_N),
            ]
        if "FleetingLiquidityRatio" in cfg.advanced:
            delay = pl.col(_CANCEL_NS) - ns
            fleeting = (delay >= 0) & (delay <= cfg.fleeting_threshold_ns)
            aggs.append(fleeting.sum().cast(pl.Int64).alias(_FLEETING))
        return aggs

    def _bucket_aggregations(self) -> tuple[list[pl.Expr], list[pl.Expr]]:
        """Second stage, per (listing, bucket): pick each side and class's cell; ratios after it."""
        cfg = self.config
        aggs: dict[str, pl.Expr] = {}
        post: list[pl.Expr] = []
        cell = pl.col(_CELL)

        def pick(column: str, side: str, action: str | None, name: str) -> str:
            """Sum of ``column`` over the cells of ``side`` (and ``action``; None: every class)."""
            if action is None:
                chosen = cell // 4 == SIDE_CODES[side]
            else:
                chosen = cell == SIDE_CODES[side] * 4 + ACTION_CODES[action]
            aggs.setdefault(name, pl.col(column).filter(chosen).sum().alias(name))
            return name

        def count(action: str, side: str) -> str:
            return pick(_N, side, action, f"{action}Count{side}")

        def volume(action: str, side: str) -> str:
            return pick(_VOL, side, action, f"{action}Volume{side}")

        for side in cfg.sides:
            for action in cfg.actions:
                if "Count" in cfg.measures:
                    count(action, side)
                if "Volume" in cfg.measures:
                    volume(action, side)
        for metric in cfg.advanced:
            if metric == "ArrivalFlowImbalance":
                bid, ask = pl.col(volume("Insert", "Bid")), pl.col(volume("Insert", "Ask"))
                post.append(_ratio(bid - ask, bid + ask).alias(metric))
                continue
            for side in cfg.sides:
                name = f"{metric}{side}"
                if metric == "CancelToTradeRatio":
                    numerator, denominator = count("Remove", side), count("Execute", side)
                    scale = 1
                elif metric == "AvgQueuePosition":
                    numerator = pick(_AHEAD_SUM, side, "Insert", f"__ahead_sum_{side}")
                    denominator = pick(_AHEAD_N, side, "Insert", f"__ahead_n_{side}")
                    scale = 1
                elif metric == "AvgRestingTime":
                    numerator = pick(_REST_SUM, side, None, f"__rest_sum_{side}")
                    denominator = pick(_REST_N, side, None, f"__rest_n_{side}")
                    scale = NS_PER_SECOND
                elif metric == "FleetingLiquidityRatio":
                    numerator = pick(_FLEETING, side, "Insert", f"__fleeting_{side}")
                    denominator = count("Insert", side)
                    scale = 1
                else:  # AvgReplacementLatency
                    numerator = pick(_GAP_SUM, side, "Remove", f"__gap_sum_{side}")
                    denominator = pick(_GAP_N, side, "Remove", f"__gap_n_{side}")
                    scale = NS_PER_SECOND
                ratio = _ratio(pl.col(numerator), pl.col(denominator))
                post.append((ratio / scale if scale != 1 else ratio).alias(name))
        return list(aggs.values()), post
