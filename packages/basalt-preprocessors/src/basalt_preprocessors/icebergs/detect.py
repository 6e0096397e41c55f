"""Iceberg detection from BMLL L3 order events, as lazy Polars queries.

An *iceberg* order shows a peak and hides a reserve. L3 data reveal it in two
ways (Frey & Sandås 2017, "The impact of iceberg orders in limit order books",
*Quarterly Journal of Finance* 7(3); Hautsch & Huang 2012, "On the dark side
of the market: identifying and analyzing hidden order placements", working
paper; Christensen & Woodmansey 2013, "Prediction of hidden liquidity in the
limit order book of GLOBEX futures", *Journal of Trading* 8(3) — the refill rule):

1. **Refill.** A resting order is executed in full (``LobAction`` 3 with
   ``OrderExecuted``) and, within ``refill_delay_ns``, an insert appears at the
   same ``Side`` and price: the next peak. The insert is linked to the *latest*
   full execution at that side and price before it, and a full execution keeps
   only the *first* such insert (so each order has at most one refill and one
   parent). Linked orders form a chain: one iceberg, identified by its first
   order's id (``IcebergId``).
2. **Execution larger than displayed.** Within one event (rows up to and
   including an ``EndOfEvent`` row; without that column, rows sharing a
   timestamp), the volume executed against resting orders at a side and price
   exceeds the quantity the book displayed there just before the event; or an
   execution row's ``ExecutionSize`` exceeds the order's displayed ``OldSize``
   (the hidden volume is the larger excess).
   Displayed quantities are rebuilt from the listing-day's L3 by summing signed
   size changes per side and price (insert ``+Size``, remove ``-OldSize``,
   update ``Size`` at ``Price`` and ``-OldSize`` at ``OldPrice``); a level is
   not trusted from the first removal or update of an order never inserted in
   the data (the book before the data began is unknown: a level is untrusted
   for an event if such a row at that level comes at or before the event's
   end), nor when it shows less than the first executed order's ``OldSize``. The signal is attached to
   the last order executed at that price in the event (two icebergs at one
   price in one event share one signal); if that order belongs to a refill
   chain, it is that iceberg's, else a one-order iceberg's.

Orders are matched within a listing and trading day (``TradeDate``, else the
UTC date of ``TimestampNanoseconds``) by ``OrderId`` (``OldOrderId`` on rows
with an empty ``OrderId``, e.g. removals). Rows are taken in ``EventNo`` order.
Rows with a ``Side`` other than 1/2 or a ``LobAction`` other than 2/3/4 are
ignored.

Columns read from ``l3``: ListingId, TimestampNanoseconds, EventNo, Side,
LobAction, Price, Size, OrderId, OldPrice, OldSize, OldOrderId,
OrderExecuted, ExecutionSize; TradeDate and EndOfEvent when present;
MarketState with ``continuous_only``.

Limits: a refill arriving later than ``refill_delay_ns`` is missed; an
unrelated order joining a just-emptied price within the delay is a false
refill; an iceberg whose peak is never executed in full and never
over-executed is invisible (nothing in L3 distinguishes it).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from basalt_preprocessors.icebergs.config import CONTINUOUS, IcebergConfig

TS = "TimestampNanoseconds"
DAY = "TradeDate"
LISTING_DAY = ["ListingId", DAY]
ICEBERG = "IcebergId"
INSERT, REMOVE, UPDATE = 2, 3, 4

_SEQ, _EV, _OID, _OLD, _EXEC, _XS, _NS = "__seq", "__ev", "__oid", "__old_oid", "__exec", "__xs", "__ns"
_PX, _D, _PART, _UNK, _CUM, _BAD = "__px", "__d", "__part", "__unknown", "__cum", "__bad"
_FSEQ, _FNS, _PARENT, _CHILD, _POS, _PPOS = (
    "__fill_seq",
    "__fill_ns",
    "__parent",
    "__child",
    "__pos",
    "__ppos",
)
_HIDDEN = "__hidden"


def _ident(column: str) -> pl.Expr:
    return pl.when(pl.col(column).is_not_null() & (pl.col(column) != "")).then(pl.col(column))


def prepare(l3: pl.LazyFrame, config: IcebergConfig) -> pl.LazyFrame:
    """L3 rows normalised for detection, sorted by listing, day and ``EventNo``, numbered ``__seq``."""
    schema = l3.collect_schema()
    day = pl.col("TradeDate").cast(pl.Date) if "TradeDate" in schema else pl.col(TS).dt.date()
    if config.continuous_only:
        l3 = l3.filter(pl.col("MarketState") == CONTINUOUS)
    executed = pl.col("OrderExecuted").fill_null(False)
    frame = (
        l3.filter(
            pl.col("Side").is_in([1, 2])
            & pl.col("LobAction").is_in([INSERT, REMOVE, UPDATE])
            & pl.col(TS).is_not_null()
        )
        .select(
            "ListingId",
            day.alias(DAY),
            TS,
            pl.col(TS).dt.cast_time_unit("ns").cast(pl.Int64).alias(_NS),
            "EventNo",
            "Side",
            "LobAction",
            "Price",
            "Size",
            "OldPrice",
            "OldSize",
            pl.coalesce(_ident("OrderId"), _ident("OldOrderId")).alias(_OID),
            pl.coalesce(_ident("OldOrderId"), _ident("OrderId")).alias(_OLD),
            executed.alias(_EXEC),
            pl.when(executed).then(pl.col("ExecutionSize").fill_null(0)).otherwise(0).alias(_XS),
            *([pl.col("EndOfEvent").fill_null(True).alias("__eoe")] if "EndOfEvent" in schema else []),
        )
        .sort("ListingId", DAY, "EventNo", maintain_order=True)
        .with_row_index(_SEQ)
        .with_columns(pl.col(_SEQ).cast(pl.Int64))
    )
    boundary = (pl.col("ListingId") != pl.col("ListingId").shift(1)) | (pl.col(DAY) != pl.col(DAY).shift(1))
    if "EndOfEvent" in schema:
        start = pl.col("__eoe").shift(1) | boundary
    else:
        start = (pl.col(_NS) != pl.col(_NS).shift(1)) | boundary
    # Every step below reads this frame: computed once (each step projects other columns, which
    # would otherwise keep the optimiser from sharing it).
    return frame.with_columns(start.fill_null(True).cast(pl.Int64).cum_sum().alias(_EV)).cache()


def refill_links(frame: pl.LazyFrame, config: IcebergConfig) -> pl.LazyFrame:
    """One row per refill: the fully executed order (``__parent``), its refill insert (``__child``).

    Columns: ListingId, TradeDate, Side, ``__px`` (price), ``__seq``/``__ns``/``TimestampNanoseconds`` of
    the insert, ``__fill_seq``/``__fill_ns`` of the execution, ``Size`` of the refill.
    """
    fills = frame.filter(
        pl.col(_EXEC)
        & (pl.col("LobAction") == REMOVE)
        & pl.col("OldPrice").is_not_null()
        & pl.col(_OLD).is_not_null()
    ).select(
        *LISTING_DAY,
        "Side",
        pl.col("OldPrice").alias(_PX),
        pl.col(_SEQ).alias(_FSEQ),
        pl.col(_NS).alias(_FNS),
        pl.col(_OLD).alias(_PARENT),
    )
    inserts = frame.filter(
        (pl.col("LobAction") == INSERT) & pl.col("Price").is_not_null() & pl.col(_OID).is_not_null()
    ).select(
        *LISTING_DAY, "Side", pl.col("Price").alias(_PX), _SEQ, _NS, TS, pl.col(_OID).alias(_CHILD), "Size"
    )
    return (
        inserts.join_asof(
            fills,
            left_on=_SEQ,
            right_on=_FSEQ,
            by=[*LISTING_DAY, "Side", _PX],
            strategy="backward",
            check_sortedness=False,  # both sides are sorted by __seq, increasing over the whole frame
        )
        .filter(pl.col(_PARENT).is_not_null() & (pl.col(_NS) - pl.col(_FNS) <= config.refill_delay_ns))
        .filter(pl.col(_SEQ) == pl.col(_SEQ).min().over(_FSEQ))  # a full execution keeps its first refill
        .sort(_SEQ)
    )


def chain_ids(links: pl.LazyFrame) -> pl.LazyFrame:
    """``links`` with ``IcebergId``: the id of the first order of each link's chain."""
    numbered = links.with_row_index(_POS).with_columns(pl.col(_POS).cast(pl.Int64))
    children = numbered.select(
        *LISTING_DAY,
        pl.col(_CHILD).alias(_PARENT),
        pl.col(_SEQ).alias("__child_seq"),
        pl.col(_POS).alias(_PPOS),
    )
    with_parent = (
        numbered.sort(_FSEQ)
        .join_asof(
            children,
            left_on=_FSEQ,
            right_on="__child_seq",
            by=[*LISTING_DAY, _PARENT],
            strategy="backward",
            check_sortedness=False,
        )
        .sort(_POS)
    )
    # Imported here: chains needs NumPy (and Numba), which registering the plugin should not import.
    from basalt_preprocessors.icebergs.chains import chain_roots

    roots = pl.col(_PPOS).map_batches(chain_roots, return_dtype=pl.Int64)
    return with_parent.with_columns(pl.col(_PARENT).gather(roots).alias(ICEBERG)).drop("__child_seq", _PPOS)


def hidden_signals(frame: pl.LazyFrame) -> pl.LazyFrame:
    """Executions larger than displayed: one row per (event, side, price) with ``__hidden`` > 0.

    Columns: ListingId, TradeDate, Side, ``__px``, ``__oid`` (last order executed there), ``__seq`` and
    ``__ns`` (first execution), TimestampNanoseconds, ``__hidden`` (shares executed beyond the display).
    """
    level = [*LISTING_DAY, "Side", _PX]
    first_insert = (
        frame.filter((pl.col("LobAction") == INSERT) & pl.col(_OID).is_not_null())
        .group_by(*LISTING_DAY, _OID)
        .agg(pl.col(_SEQ).min().alias("__first"))
    )
    added = frame.filter(
        pl.col("LobAction").is_in([INSERT, UPDATE])
        & pl.col("Price").is_not_null()
        & pl.col("Size").is_not_null()
    ).select(
        *LISTING_DAY,
        _EV,
        _SEQ,
        "Side",
        pl.col("Price").alias(_PX),
        pl.col("Size").alias(_D),
        pl.lit(1).alias(_PART),
        pl.lit(False).alias(_UNK),
    )
    removed = (
        frame.filter(
            pl.col("LobAction").is_in([REMOVE, UPDATE])
            & pl.col("OldPrice").is_not_null()
            & pl.col("OldSize").is_not_null()
        )
        .join(first_insert, left_on=[*LISTING_DAY, _OLD], right_on=[*LISTING_DAY, _OID], how="left")
        .select(
            *LISTING_DAY,
            _EV,
            _SEQ,
            "Side",
            pl.col("OldPrice").alias(_PX),
            (-pl.col("OldSize")).alias(_D),
            pl.lit(0).alias(_PART),
            (pl.col("__first").is_null() | (pl.col("__first") > pl.col(_SEQ))).alias(_UNK),
        )
    )
    executions = frame.filter(pl.col(_EXEC) & (pl.col(_XS) > 0)).with_columns(
        pl.coalesce("OldPrice", "Price").alias(_PX)
    )
    # Displayed quantity per level: a running sum in event order (windows keep the frame's order),
    # kept only where executions need it: the changes of each (level, event) that has one.
    before = (
        pl.concat([removed, added])
        .sort(_SEQ, _PART)
        .with_columns(
            pl.col(_D).cum_sum().over(level).alias(_CUM),
            pl.col(_UNK).cast(pl.Int32).cum_max().over(level).alias(_BAD),
        )
        .join(executions.select(*level, _EV).unique(), on=[*level, _EV], how="semi", maintain_order="left")
        .group_by(*level, _EV)
        .agg(
            (pl.col(_CUM) - pl.col(_D)).sort_by(_SEQ, _PART).first().alias("__shown"),
            pl.col(_BAD).max().alias(_BAD),
        )
    )
    excess = pl.col(_XS) - pl.col("OldSize")
    executed, shown = pl.col("__executed"), pl.col("__shown")
    level_ok = (executed > shown) & (pl.col(_BAD) == 0) & (shown >= pl.col("__first_shown"))
    return (
        executions.group_by(*level, _EV)
        .agg(
            pl.col(_XS).sum().alias("__executed"),
            pl.col("OldSize").sort_by(_SEQ).first().alias("__first_shown"),
            excess.filter(pl.col("OldSize").is_not_null() & (excess > 0)).max().alias("__order_excess"),
            pl.col(_OID).sort_by(_SEQ).last(),
            pl.col(_SEQ).min(),
            pl.col(_NS).min(),
            pl.col(TS).min(),
        )
        .join(before, on=[*level, _EV], how="left")
        .with_columns(
            pl.max_horizontal(pl.when(level_ok).then(executed - shown), "__order_excess").alias(_HIDDEN)
        )
        .filter(pl.col(_HIDDEN).is_not_null() & pl.col(_OID).is_not_null())
        .select(*level, _EV, _OID, _SEQ, _NS, TS, _HIDDEN)
    )


@dataclass(frozen=True)
class Detection:
    """The lazy pieces of a detection, sharing one normalised L3 plan."""

    frame: pl.LazyFrame
    """Normalised L3 rows (:func:`prepare`)."""
    links: pl.LazyFrame
    """Refill links with their ``IcebergId`` (:func:`chain_ids`)."""
    signals: pl.LazyFrame
    """Hidden-execution signals with their ``IcebergId`` (empty unless ``hidden_executions``)."""
    members: pl.LazyFrame
    """ListingId, TradeDate, ``__oid``, IcebergId: every order of every detected iceberg."""


def detect(l3: pl.LazyFrame, config: IcebergConfig) -> Detection:
    """Refill chains and hidden executions of ``l3``, and the orders of every iceberg found."""
    frame = prepare(l3, config)
    links = chain_ids(refill_links(frame, config))
    chained = pl.concat(
        [
            links.select(*LISTING_DAY, pl.col(_PARENT).alias(_OID), ICEBERG),
            links.select(*LISTING_DAY, pl.col(_CHILD).alias(_OID), ICEBERG),
        ]
    ).unique(subset=[*LISTING_DAY, _OID], keep="first", maintain_order=True)
    if config.hidden_executions:
        signals = (
            hidden_signals(frame)
            .join(chained, on=[*LISTING_DAY, _OID], how="left")
            .with_columns(pl.coalesce(ICEBERG, _OID).alias(ICEBERG))
        )
    else:
        signals = hidden_signals(frame).head(0).with_columns(pl.col(_OID).alias(ICEBERG))
    members = pl.concat([chained, signals.select(*LISTING_DAY, _OID, ICEBERG)]).unique(
        subset=[*LISTING_DAY, _OID], keep="first", maintain_order=True
    )
    return Detection(frame=frame, links=links, signals=signals, members=members)
