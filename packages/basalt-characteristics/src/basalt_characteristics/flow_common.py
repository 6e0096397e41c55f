"""What the trade- and order-flow modules share: which trades, in which order, against which quote.

Conventions (stated once, used by ``classification``, ``vpin``, ``trade_characteristics``
and ``l3_characteristics``):

* **Trade set**: trades whose trades-plus ``Classification`` is one of the configured
  values (``LIT_CONTINUOUS`` by default). Trades with a null ``TradeTimestamp``, price
  or ``Size`` are dropped before anything else.
* **Trade order**: within a listing, ``TradeTimestamp`` ascending, ties broken by input
  row order (the core ``trade`` module's rule).
* **Listing-day**: ``TradeDate`` (trades, L2, L3) when the input has it, else the UTC
  date of the timestamp. Nothing carries over from one listing-day to the next.
* **Prevailing quote** of an event at time ``t``: the last L2 snapshot of the same
  listing and day strictly before ``t`` (several snapshots at one timestamp: the last in
  ``L2EventNo`` order, else input order). Before the day's first snapshot there is none.
  Times are compared at the resolution both sides carry: a trade's ``TradeTimestamp``
  with the snapshot's ``EventTimestamp`` (µs, as the core modules use them); an L3
  event's ``TimestampNanoseconds`` with the snapshot's ``TimestampNanoseconds`` (ns;
  ``EventTimestamp`` when L2 lacks it), since BMLL stamps the snapshot an L3 event
  causes with that event's own nanosecond time.
"""

from __future__ import annotations

from typing import Literal

import polars as pl
from pydantic import Field

from basalt import ModuleConfig

TRADE_TIME = "TradeTimestamp"
L2_TIME = "EventTimestamp"
L2_NS_TIME = "TimestampNanoseconds"
DAY = "__day"
ROW = "__row"
NS = "__ns"
PRICE = "__price"
SIZE = "__size"
BID = "__bid1"
ASK = "__ask1"
MID = "__mid"

PriceColumn = Literal["InstrumentCurrencyPrice", "Price"]


class TradeSetConfig(ModuleConfig):
    """Which trades a flow module reads, and which price column."""

    classifications: tuple[str, ...] | None = Field(
        ("LIT_CONTINUOUS",),
        description="Trades kept, by their trades-plus Classification value (upper case, as BMLL "
        "spells it, e.g. 'LIT_CONTINUOUS'). None keeps every trade.",
    )
    price_column: PriceColumn = Field(
        "InstrumentCurrencyPrice",
        description="Trade price column: InstrumentCurrencyPrice (default; same currency as the L2 "
        "quotes) or Price.",
    )


def day_of(frame: pl.LazyFrame, timestamp: str) -> pl.Expr:
    """The listing-day of each row: ``TradeDate`` when the frame has it, else the timestamp's date."""
    if "TradeDate" in frame.collect_schema().names():
        return pl.col("TradeDate").cast(pl.Date)
    return pl.col(timestamp).cast(pl.Date)


def ns(column: str) -> pl.Expr:
    """A datetime column as integer nanoseconds since the epoch."""
    return pl.col(column).dt.cast_time_unit("ns").cast(pl.Int64)


def kept_trades(trades: pl.LazyFrame, cfg: TradeSetConfig, extra: tuple[str, ...] = ()) -> pl.LazyFrame:
    """The trade set in trade order, with ``__day``, ``__ns``, ``__price``, ``__size`` and ``__row``.

    ``__row`` numbers the kept trades in trade order over the whole input (unique per
    trade, increasing in time within a listing-day).
    """
    day = day_of(trades, TRADE_TIME)
    if cfg.classifications is not None:
        trades = trades.filter(pl.col("Classification").is_in(list(cfg.classifications)))
    columns = ["ListingId", TRADE_TIME, cfg.price_column, "Size", *extra]
    if "TradeDate" in trades.collect_schema().names():
        columns.append("TradeDate")
    return (
        trades.select(list(dict.fromkeys(columns)))
        .filter(
            pl.col(TRADE_TIME).is_not_null(),
            pl.col(cfg.price_column).is_not_null(),
            pl.col("Size").is_not_null(),
        )
        .with_columns(
            day.alias(DAY),
            ns(TRADE_TIME).alias(NS),
            pl.col(cfg.price_column).cast(pl.Float64).alias(PRICE),
            pl.col("Size").cast(pl.Float64).alias(SIZE),
        )
        .sort("ListingId", NS, maintain_order=True)
        .with_row_index(ROW)
    )


def level1_quotes(l2: pl.LazyFrame, *, nanoseconds: bool = False) -> pl.LazyFrame:
    """L2 level-1 quotes (``__ns``, ``__day``, ``__bid1``, ``__ask1``) sorted for an as-of join.

    ``__ns`` is ``EventTimestamp`` (µs, for trades), or with ``nanoseconds`` the
    ``TimestampNanoseconds`` column when L2 has it (for L3 events). Sorted by time, ties
    by ``L2EventNo`` when present (else input order), so that the as-of join, which takes
    the last of equal keys, takes the last snapshot of a timestamp.
    """
    names = l2.collect_schema().names()
    order = [NS, "L2EventNo"] if "L2EventNo" in names else [NS]
    time = L2_NS_TIME if nanoseconds and L2_NS_TIME in names else L2_TIME
    return (
        l2.select(
            "ListingId",
            day_of(l2, L2_TIME).alias(DAY),
            ns(time).alias(NS),
            pl.col("BidPrice1").cast(pl.Float64).alias(BID),
            pl.col("AskPrice1").cast(pl.Float64).alias(ASK),
            *(["L2EventNo"] if "L2EventNo" in names else []),
        )
        .filter(pl.col(NS).is_not_null())
        .sort(order, maintain_order=True)
        .select("ListingId", DAY, NS, BID, ASK)
    )


def with_prevailing_quote(events: pl.LazyFrame, quotes: pl.LazyFrame) -> pl.LazyFrame:
    """Add ``__bid1``/``__ask1`` of the last snapshot strictly before each event (same listing-day).

    ``events`` needs ``ListingId``, ``__day`` and ``__ns``, sorted by ``__ns`` within each
    listing-day (as :func:`kept_trades` leaves them); its row order is kept.
    """
    return events.join_asof(
        quotes,
        on=NS,
        by=["ListingId", DAY],
        strategy="backward",
        allow_exact_matches=False,
        check_sortedness=False,
    )


def normal_cdf(z: pl.Expr) -> pl.Expr:
    """Standard normal CDF Φ(z) = erfc(−z/√2)/2 (exact to double precision in both tails)."""
    return 0.5 * (-z / 2.0**0.5).erfc()
