"""``l2_from_l3``: BMLL L2 snapshots rebuilt from BMLL L3 by replaying the order book.

Semantics (BMLL L3 → the book; the plain-Python reference in the tests is
written from this text):

* Per listing and ``TradeDate``, rows apply in (``TimestampNanoseconds``,
  ``EventNo``) order to an empty book: a day's replay never depends on another
  day (BMLL's L3 starts each day from the open book's inserts).
* ``LobAction`` 2 (insert): order ``OrderId`` rests on ``Side`` at ``Price``
  with ``Size``. 3 (remove): the live order ``OldOrderId`` leaves the book, an
  execution (``OrderExecuted``) or a cancel alike. 4 (update): the live order
  ``OldOrderId`` leaves and rests again as ``OrderId`` (``OldOrderId`` when
  empty) at ``Price`` (its old price when null) with ``Size``: a partial
  execution, a size change or a reprice. Executions need no other handling:
  BMLL writes a partial fill as an update to the remaining size and a full fill
  as a remove. Auction call phases are the same events on a book allowed to
  cross; the uncross is their executions. Other ``LobAction`` values change
  nothing.
* The book keeps each order's own side, price and size: a remove or update
  takes out what that order really holds (the row's ``OldPrice``/``OldSize``
  are not trusted over it).
* Anomalies are flagged on the snapshot of the event where they happen, and
  such an event always publishes a snapshot; the replay never fails:
  ``UnknownOrderId`` — a remove or update of an id not live in the book
  (nothing is removed; an update's new state rests all the same), or an insert
  (or update) to an id already live (the old order is replaced);
  ``NegativeSize`` — an insert or update with ``Size`` < 0 (nothing rests; an
  update's old order is gone); ``Size`` 0 rests nothing and is not flagged.
  ``BookCrossed`` is a state, not an error: best bid ≥ best ask (crossed or
  locked), normal in auction call phases; the replay does not match orders,
  it shows the book the events describe.
* Snapshots (BMLL's L2 columns, ``levels`` deep, price / quantity / order count
  per level and side, plus the level counts) are published at *emission
  points*: after rows with ``EndOfEvent`` (and the day's last row), or after
  every row; with ``changes_only`` (BMLL's L2 convention, "the book after every
  change") only when the published book — the levels, the level counts or
  ``MarketState`` — differs from the last published one. With ``marketstate``
  read, every market-state change also publishes the book (in the new state)
  at its own time, placed among the L3 rows by (time, ``BMLLSequenceNo``), as
  BMLL's L2 does.

The synthetic market (``basalt data synth``) derives its L2 from its own L3 by
these rules: the replay of its L3 equals its L2, every level of every
snapshot (checked in the tests).

Why a kernel under ``map_groups``: the replay is sequential (each event's
effect depends on the live orders left by all earlier ones), so it is not a
Polars expression. The module stays lazy: ``compute`` returns a LazyFrame in
which ``LazyGroupBy.map_groups`` runs the kernel (``kernel.py``, Numba when
installed, the same code as plain Python otherwise) once per listing-day at
collect time; the kernel's state (live orders, levels) is one listing-day.
Polars materialises the input of ``map_groups`` (the L3 columns the replay
reads, for the listings and day the engine loads) and gathers the groups'
outputs into the module's output; beyond those two, memory holds one
listing-day's replay state and coded arrays at a time. Measured on workload S
(``benchmarks/bench_books.py``): see the package README.

References: BMLL Technologies, *L3 and L2 data dictionary* (``LobAction``,
``EndOfEvent``, ``OrderExecuted``; L2 ``BidPrice{N}``/``BidQuantity{N}``/
``BidNumOrders{N}``, ``BidLevelCount``). Gould, Porter, Williams, McDonald,
Fenn & Howison (2013), "Limit order books", *Quantitative Finance* 13(11):
the price-level book as the aggregate of live limit orders.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import ClassVar, Literal

import polars as pl
from pydantic import Field

from basalt import ColumnDoc, ModuleConfig, PreprocessorModule
from basalt.timebuckets import TimeBuckets

MAX_LEVELS = 50
"""Deepest book the replay publishes (BMLL's own L2 has 10 levels)."""


class L2FromL3Config(ModuleConfig):
    """Configuration of ``l2_from_l3``."""

    levels: int = Field(
        10, ge=1, le=MAX_LEVELS, description="Levels N per side in each snapshot (BMLL's L2 has 10)."
    )
    snapshot_at: Literal["end_of_event", "row"] = Field(
        "end_of_event",
        description="Emission points: 'end_of_event' after each row with EndOfEvent (and the day's last "
        "row), as BMLL's L2; 'row' after every L3 row.",
    )
    changes_only: bool = Field(
        True,
        description="Publish a snapshot only when the N-level book, the level counts or MarketState differ "
        "from the last published one (BMLL's L2); False publishes at every emission point.",
    )
    marketstate: bool = Field(
        True,
        description="Read the marketstate table and publish the book at every market-state change, as "
        "BMLL's L2 does (False: L3 alone; MarketState then changes with the L3 rows').",
    )


class L2FromL3(PreprocessorModule):
    """The L2 book rebuilt from L3 by replay (see the module docstring for the exact semantics)."""

    NAME = "l2_from_l3"
    INPUTS = ("l3", "marketstate")
    KEYS = ("ListingId", "L2EventNo")
    Config = L2FromL3Config
    config: L2FromL3Config

    _LEVEL_DOCS: ClassVar[dict[str, tuple[str, str, str]]] = {
        "Price": (
            "price",
            "Float64",
            "Price of the {n}-th best distinct price level on the side (null: none)",
        ),
        "Quantity": ("shares", "Int64", "Total size of the live orders at that level (0: no level)"),
        "NumOrders": ("count", "Int32", "Number of live orders at that level (0: no level)"),
    }

    def input_names(self) -> tuple[str, ...]:
        """``l3``, and ``marketstate`` unless disabled."""
        return self.INPUTS if self.config.marketstate else ("l3",)

    def columns(self) -> list[ColumnDoc]:
        """BMLL's L2 columns for ``levels`` levels, plus the replay's provenance and flags."""
        src = ("l3.LobAction", "l3.OrderId", "l3.OldOrderId", "l3.Price", "l3.Size", "l3.Side")
        docs = [
            ColumnDoc(
                "TradeDate", "date", "The L3 rows' TradeDate (the replayed listing-day).", dtype="Datetime"
            ),
            ColumnDoc(
                "TimestampNanoseconds",
                "timestamp",
                "Time of the snapshot: of the L3 row closing the event, or of the market-state change.",
                sources=("l3.TimestampNanoseconds", "marketstate.TimestampNanoseconds"),
                dtype="Datetime",
            ),
            ColumnDoc(
                "EventTimestamp",
                "timestamp",
                "TimestampNanoseconds truncated to microseconds (BMLL's L2 time column).",
                dtype="Datetime",
            ),
        ]
        for side in ("Bid", "Ask"):
            for field, (unit, dtype, text) in self._LEVEL_DOCS.items():
                for n in range(1, self.config.levels + 1):
                    docs.append(
                        ColumnDoc(
                            f"{side}{field}{n}",
                            unit,
                            f"{text.format(n=n)}, {side.lower()} side, in the book replayed from L3 "
                            "after the event.",
                            pattern=f"{{Side}}{field}{{Level}}",
                            sources=src,
                            dtype=dtype,
                        )
                    )
        docs += [
            ColumnDoc(
                f"{side}LevelCount",
                "count",
                f"Distinct price levels on the {side.lower()} side of the replayed book, at any depth.",
                pattern="{Side}LevelCount",
                sources=src,
                dtype="Int32",
            )
            for side in ("Bid", "Ask")
        ]
        docs += [
            ColumnDoc(
                "MarketState",
                "state",
                "Trading phase: of the L3 row closing the event, or the new state at a market-state change.",
                sources=("l3.MarketState", "marketstate.MarketState"),
                dtype="String",
            ),
            ColumnDoc(
                "L3EventNo",
                "number",
                "EventNo of the last L3 row applied to the book (null: none yet that day).",
                sources=("l3.EventNo",),
                dtype="Int64",
            ),
            ColumnDoc(
                "BMLLSequenceNo",
                "number",
                "BMLLSequenceNo of the last L3 row applied, or of the market-state change.",
                sources=("l3.BMLLSequenceNo", "marketstate.BMLLSequenceNo"),
                dtype="Int64",
            ),
            ColumnDoc(
                "BookCrossed",
                "flag",
                "True when the replayed best bid is at or above the best ask (crossed or locked).",
                sources=src,
                dtype="Boolean",
            ),
            ColumnDoc(
                "UnknownOrderId",
                "flag",
                "True when the event removed or updated an order id not live in the replayed book, or "
                "inserted an id already live (the old order is replaced).",
                sources=("l3.OrderId", "l3.OldOrderId", "l3.LobAction"),
                dtype="Boolean",
            ),
            ColumnDoc(
                "NegativeSize",
                "flag",
                "True when the event inserted or updated an order with a negative Size (nothing rests).",
                sources=("l3.Size",),
                dtype="Boolean",
            ),
        ]
        return docs

    def compute(self, inputs: Mapping[str, pl.LazyFrame], buckets: TimeBuckets) -> pl.LazyFrame:
        """One lazy ``map_groups`` per (ListingId, TradeDate) over L3 rows and market-state changes."""
        # Imported here: frames needs NumPy, which registering the plugin should not import.
        from basalt_preprocessors.replay.frames import (
            CHANGE,
            L3_COLUMNS,
            ReplayOptions,
            output_schema,
            replay_day,
        )

        options = ReplayOptions(
            levels=self.config.levels,
            every_row=self.config.snapshot_at == "row",
            changes_only=self.config.changes_only,
        )
        l3 = inputs["l3"].select(*L3_COLUMNS).with_columns(pl.lit(False).alias(CHANGE))
        events = l3
        if self.config.marketstate:
            listings = inputs["l3"].select("ListingId").unique()
            changes = (
                inputs["marketstate"]
                .join(listings, on="ListingId", how="semi")
                .select(
                    "ListingId",
                    pl.col("TimestampNanoseconds")
                    .dt.truncate("1d")
                    .cast(pl.Datetime("ms"))
                    .alias("TradeDate"),
                    pl.col("TimestampNanoseconds").cast(pl.Datetime("ns")),
                    pl.col("BMLLSequenceNo").cast(pl.Int64),
                    "MarketState",
                    pl.lit(True).alias(CHANGE),
                )
            )
            events = pl.concat([l3, changes], how="diagonal_relaxed")
        schema = output_schema(self.config.levels)
        return events.group_by("ListingId", "TradeDate").map_groups(
            partial(replay_day, options=options), schema=pl.Schema(schema)
        )
