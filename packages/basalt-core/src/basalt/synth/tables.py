"""Turn a venue's share of the kernel output into BMLL frames: L3, L2, market state, imbalance.

Sequence numbers tie the tables together. With ``r`` the 1-based L3 row
(``EventNo``):

* an L3 row has ``BMLLSequenceNo = SEQ_BASE + 8 r``;
* the L2 snapshot taken after an event, and a trade executed by a row, carry
  the ``ExchangeSequenceNo``/``BMLLSequenceNo`` of that (last) L3 row — "the
  book as of this row";
* an imbalance row after a message gets ``+1``; a market-state change taking
  effect before row ``r``, and the L2 snapshot published with it, get
  ``SEQ_BASE + 8 r - 6 + j`` (``j``-th change there).

So sorting any mix of these tables by ``BMLLSequenceNo`` replays the venue's
day in order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from basalt.synth import book_ops as b
from basalt.synth import kernel
from basalt.synth import matching as m
from basalt.synth.book import VenueRun
from basalt.synth.config import EPOCH
from basalt.synth.frames import conform, lookup, ns_datetime
from basalt.synth.latent import Tick
from basalt.synth.reference import Listing
from basalt.synth.schedule import AUCTION_TYPES, STATE_NAMES, VenueSchedule
from basalt.tables.bmll import L2, L3, Imbalance, MarketStateTable

SEQ_BASE = 1_000_000
EXCHANGE_SEQ_BASE = 500_000
ACTION_MESSAGES = ("", "", "F", "D", "U")
"""``OriginalExchangeMessage`` of each ``LobAction`` (add, delete, update)."""


@dataclass(frozen=True)
class VenueDay:
    """Everything known about one listing on one day after the simulation."""

    listing: Listing
    schedule: VenueSchedule
    day: dt.date
    tick: Tick
    run: VenueRun

    @property
    def day_index(self) -> int:
        """Days since the generator's epoch (part of every order and trade id)."""
        return (self.day - EPOCH).days

    def id_base(self, kind: int) -> int:
        """Base of numeric order (``kind`` 0) or trade (``kind`` 5) ids: unique per venue, day, instrument."""
        return (
            kind * 10**17 + self.day_index * 10**13 + self.listing.venue.code * 10**12
            + self.listing.instrument.index * 10**8
        )  # fmt: skip

    def prices(self, ticks: np.ndarray) -> np.ndarray:
        """Float prices of window tick indices; NaN where the index is negative (no price)."""
        ticks = np.asarray(ticks)
        out = self.tick.price(ticks, self.run.flow.base_tick)
        out[ticks < 0] = np.nan
        return out

    @property
    def row_times(self) -> np.ndarray:
        """UTC ns of every L3 row (its message's time)."""
        return self.run.flow.times[self.run.rows[b.R_MSG]]

    def trade_date(self) -> pl.Expr:
        """The ``TradeDate`` literal (midnight, ms)."""
        return pl.lit(dt.datetime(self.day.year, self.day.month, self.day.day), dtype=pl.Datetime("ms"))

    def listing_columns(self) -> list[pl.Expr]:
        """MIC, Ticker, ListingId, InstrumentId and CurrencyCode literals."""
        return [
            pl.lit(self.listing.venue.mic).alias("MIC"),
            pl.lit(self.listing.ticker).alias("Ticker"),
            pl.lit(self.listing.listing_id, dtype=pl.Int64).alias("ListingId"),
            pl.lit(self.listing.instrument.instrument_id, dtype=pl.Int64).alias("InstrumentId"),
            pl.lit(self.listing.currency).alias("CurrencyCode"),
        ]


def row_sequence(rows: np.ndarray) -> np.ndarray:
    """``BMLLSequenceNo`` of 0-based L3 row indices."""
    return SEQ_BASE + 8 * (np.asarray(rows, dtype=np.int64) + 1)


def _rank_within(values: np.ndarray) -> np.ndarray:
    """0, 1, 2… along runs of equal values of a non-decreasing array."""
    return np.arange(values.shape[0]) - np.searchsorted(values, values, side="left")


def state_change_sequence(rows_before: np.ndarray) -> np.ndarray:
    """``BMLLSequenceNo`` of phase changes, given the venue's L3 row count when each happened."""
    return SEQ_BASE + 8 * rows_before + 2 + _rank_within(rows_before)


def _id_strings(base: int, numbers: np.ndarray, valid: np.ndarray) -> pl.Series:
    ids = pl.Series(base + np.asarray(numbers, dtype=np.int64) + 1).cast(pl.String)
    return pl.select(pl.when(pl.lit(pl.Series(valid))).then(ids).otherwise(pl.lit(""))).to_series()


def l3_frame(vd: VenueDay) -> pl.DataFrame:
    """The L3 table of one listing-day."""
    rows = vd.run.rows
    n = rows.shape[1]
    action = rows[b.R_ACTION]
    executed = rows[b.R_EXEC] == 1
    index = np.arange(n, dtype=np.int64)
    times = vd.row_times
    order_ids = _id_strings(vd.id_base(0), rows[b.R_ORDER], np.ones(n, dtype=bool))
    frame = pl.DataFrame(
        {
            "TimestampNanoseconds": ns_datetime(times),
            "ReceiveTimestamp": times + 15_000 + (index * 7919) % 10_007,  # feed latency, 15–25 µs
            "EventNo": index + 1,
            "Side": rows[b.R_SIDE] + 1,
            "LobAction": action,
            "OriginalOrderId": order_ids,
            "Price": pl.Series(vd.prices(rows[b.R_PX]), nan_to_null=True),
            "Size": rows[b.R_SZ],
            "OrderId": pl.select(
                pl.when(pl.lit(pl.Series(action != b.REMOVE))).then(order_ids).otherwise(pl.lit(""))
            ).to_series(),
            "OldPrice": pl.Series(vd.prices(rows[b.R_OLDPX]), nan_to_null=True),
            "OldSize": rows[b.R_OLDSZ],
            "OldOrderId": pl.select(
                pl.when(pl.lit(pl.Series(action != b.INSERT))).then(order_ids).otherwise(pl.lit(""))
            ).to_series(),
            "OrderExecuted": executed,
            "ExecutionPrice": pl.Series(vd.prices(np.where(executed, rows[b.R_EXPX], -1)), nan_to_null=True),
            "ExecutionSize": rows[b.R_EXSZ],
            "TradeId": _id_strings(vd.id_base(5), rows[b.R_TRADE], executed),  # instrument-wide trade numbers
            "PriceLevel": rows[b.R_LVL],
            "OldPriceLevel": rows[b.R_OLDLVL],
            "SizeAhead": rows[b.R_SZAHEAD],
            "OrdersAhead": rows[b.R_NAHEAD],
            "PosChange": rows[b.R_POS] == 1,
            "EndOfEvent": rows[b.R_EOE] == 1,
            "MarketState": lookup(STATE_NAMES, vd.run.flow.phase[rows[b.R_MSG]]),  # the venue's phase
            "Printable": executed,
            "DelOrderIndex": rows[b.R_DEL],
            "AddOrderIndex": rows[b.R_ADD],
            "ExchangeSequenceNo": EXCHANGE_SEQ_BASE + index + 1,
            "BMLLSequenceNo": row_sequence(index),
            "OriginalExchangeMessage": lookup(ACTION_MESSAGES, action),
        }
    )
    extra = [
        c for c in vd.listing_columns() if c.meta.output_name() in {"Ticker", "ListingId", "InstrumentId"}
    ]
    return conform(
        frame.with_columns(
            *extra,
            vd.trade_date().alias("TradeDate"),
            pl.lit("").alias("MPIDAttribution"),
            pl.lit(1, dtype=pl.Int64).alias("BMLLSequenceSource"),
            pl.lit(1, dtype=pl.Int64).alias("OrderType"),
        ),
        L3,
    )


def book_columns(
    vd: VenueDay, px_t: np.ndarray, qty_t: np.ndarray, counts_t: np.ndarray
) -> dict[str, object]:
    """The L2/CBBO level columns from (20 × rows) tick indices and quantities and (22 × rows) counts."""
    prices = vd.prices(px_t)
    columns: dict[str, object] = {}
    for side, name in enumerate(("Bid", "Ask")):
        for level in range(b.LEVELS):
            j = side * b.LEVELS + level
            columns[f"{name}Price{level + 1}"] = pl.Series(prices[j], nan_to_null=True)
            columns[f"{name}Quantity{level + 1}"] = qty_t[j]
            columns[f"{name}NumOrders{level + 1}"] = counts_t[j]
    columns["BidLevelCount"] = counts_t[2 * b.LEVELS]
    columns["AskLevelCount"] = counts_t[2 * b.LEVELS + 1]
    return columns


def l2_frame(vd: VenueDay) -> pl.DataFrame:
    """The L2 table: the ten-level book after every event that changed it, and at every phase change.

    An event is the L3 rows up to one with ``EndOfEvent`` (a message, or a marketable order's
    fills and then its resting remainder); it changed the book when a top-10 level or a level
    count differs. So the table is exactly the replay of the L3 table with BMLL's semantics.
    """
    run = vd.run
    msg, counts = run.snap_msg, run.snap_rows
    phase_change = run.snap_ref(m.S_KIND) == 1
    sequence = np.where(phase_change, 0, SEQ_BASE + 8 * counts)
    sequence[phase_change] = state_change_sequence(counts[phase_change])
    times = run.flow.times[msg]
    columns: dict[str, object] = {
        "TimestampNanoseconds": ns_datetime(times),
        "EventTimestamp": ns_datetime(times, "us"),
        "LocalTimestamp": ns_datetime(times + vd.schedule.tz_offset * 1_000_000_000, "us"),
        **book_columns(vd, *run.levels()),
        "L2EventNo": np.arange(1, msg.shape[0] + 1, dtype=np.int64),
        "MarketState": lookup(STATE_NAMES, run.flow.phase[msg]),
        "ExchangeSequenceNo": EXCHANGE_SEQ_BASE + counts,
        "BMLLSequenceNo": sequence,
    }
    frame = pl.DataFrame(columns).with_columns(
        *vd.listing_columns(),
        vd.trade_date().alias("TradeDate"),
        pl.lit(vd.schedule.tz_offset, dtype=pl.Int32).alias("TZOffset"),
        pl.lit(1, dtype=pl.Int64).alias("BMLLSequenceSource"),
    )
    return conform(frame, L2)


def phase_messages(vd: VenueDay) -> np.ndarray:
    """Indices (in the instrument's flow) of the venue's phase-change messages, in time order."""
    flow = vd.run.flow
    return np.flatnonzero((flow.venue == vd.run.venue) & (flow.ctl == kernel.CTL_PHASE))


def marketstate_frame(vd: VenueDay) -> pl.DataFrame:
    """The market-state table: one row per phase change, stamped as the kernel applied it."""
    changes = phase_messages(vd)
    rows_before = np.searchsorted(vd.run.rows[b.R_MSG], changes, side="left")
    frame = pl.DataFrame(
        {
            "TimestampNanoseconds": ns_datetime(vd.run.flow.times[changes]),
            "MarketState": lookup(STATE_NAMES, vd.run.flow.phase[changes]),
            "ExchangeMarketState": [p.code for p in vd.schedule.phases],
            "ExchangeSequenceNo": np.zeros(changes.shape[0], dtype=np.int64),
            "BMLLSequenceNo": state_change_sequence(rows_before),
        }
    ).with_columns(*vd.listing_columns(), pl.lit(1, dtype=pl.Int64).alias("BMLLSequenceSource"))
    return conform(frame, MarketStateTable)


def imbalance_frame(vd: VenueDay) -> pl.DataFrame:
    """Auction imbalance rows: the indicative uncross after every auction message."""
    imb = vd.run.imbalance
    if imb.shape[1] == 0:
        return Imbalance.empty()
    times = vd.run.flow.times[imb[m.I_MSG]]
    phase = vd.run.flow.phase[imb[m.I_MSG]]
    auction_type = np.zeros(phase.shape[0], dtype=np.int64)
    names = ["", *AUCTION_TYPES.values()]
    for code, state in enumerate(AUCTION_TYPES, start=1):
        auction_type[phase == state] = code
    frame = pl.DataFrame(
        {
            "TimestampNanoseconds": ns_datetime(times),
            "Timestamp": ns_datetime(times, "us"),
            "LocalTimestamp": ns_datetime(times + vd.schedule.tz_offset * 1_000_000_000, "us"),
            "BMLLSequenceNo": SEQ_BASE + 8 * imb[m.I_VROWS] + 1,
            "ExchangeSequenceNo": EXCHANGE_SEQ_BASE + imb[m.I_VROWS],
            "MarketState": lookup(STATE_NAMES, phase),
            "ExchangeAuctionType": lookup(names, auction_type),
            "ImbalanceSide": imb[m.I_SIDE],
            "IndicativeUncrossingPrice": pl.Series(vd.prices(imb[m.I_PX]), nan_to_null=True),
            "PairedQuantity": imb[m.I_PAIRED].astype(np.float64),
            "ImbalanceQuantity": imb[m.I_IMB].astype(np.float64),
            "IsCrossed": imb[m.I_PX] >= 0,
            "BestBidPrice": pl.Series(vd.prices(imb[m.I_BB]), nan_to_null=True),
            "BestAskPrice": pl.Series(vd.prices(imb[m.I_BA]), nan_to_null=True),
        }
    ).with_columns(
        *vd.listing_columns(),
        vd.trade_date().alias("TradeDate"),
        pl.lit(1, dtype=pl.Int64).alias("BMLLSequenceSource"),
        pl.lit(None, dtype=pl.Float64).alias("ReferencePrice"),
        pl.lit(None, dtype=pl.Float64).alias("AuctionOnlyIndicativePrice"),
    )
    return conform(frame, Imbalance)
