"""``cbbo_venue``: each venue's place in its instrument's consolidated book, time-weighted per bucket.

Semantics
---------
For each venue listing, its *state* changes at every ``EventTimestamp`` of its
own L2 and of its instrument's consolidated book (``cbbo`` input: the ``cbbo``
preprocessor's output, keyed by InstrumentId, or BMLL's cbbo table, filed
under the primary listing and mapped to the instrument through the
reference). At each change the venue's touch (``BidPrice1``/``BidQuantity1``,
``AskPrice1``/``AskQuantity1``: its last L2 snapshot at or before, as of) is
compared with the consolidated touch (the last consolidated row at or before):

* *at the CBB*: the venue's best bid equals the consolidated best bid (a venue
  without a bid is not at it); likewise *at the CBO* for asks;
* *quantity at the CBB*: the venue's ``BidQuantity1`` when at the CBB, else 0;
* *share of the CBB quantity*: that quantity over the consolidated
  ``BidQuantity1``;
* *alone at the CBB*: at the CBB with its quantity equal to the whole
  consolidated quantity there (no other venue quotes that price: quantities
  are positive, so equality means the others contribute nothing).

All four are null while the consolidated side is empty (no CBB), and while the
listing has no L2 yet that day. Each state is in force until the listing's
next state change; the TWA rules (last state until its bucket's end, nulls
left out) are the core ``l2tw``'s, see :mod:`basalt_preprocessors.timeweight`.
``…TimeShare`` columns are TWAs of 0/1 indicators: the fraction of the
bucket's time (with a defined CBB/CBO) the venue was at it / alone at it.

The venue's own L2 is used as it is: with a consolidated book built
``continuous_only``, a venue in an auction may quote at or through the CBB
while not part of it. Reference: the consolidated quote and a venue's share of
it follow the market-quality studies of fragmented markets, e.g. O'Hara & Ye
(2011), "Is market fragmentation harming market quality?", JFE 100(3).
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from basalt import AnalyticModule, ColumnDoc, TimeBuckets
from basalt.timebuckets import TIME_BUCKET
from basalt_preprocessors.cbbo.book import (
    DAY,
    EVENT_NO,
    TIMESTAMP,
    as_of,
    day_expr,
    instrument_map,
    last_per_timestamp,
)
from basalt_preprocessors.cbbo.config import CBBOVenueConfig
from basalt_preprocessors.timeweight import T, time_weighted

_SIDES = {"Bid": ("CBB", "bid"), "Ask": ("CBO", "ask")}


def _measures() -> list[tuple[str, str, str]]:
    """(column, unit, definition of the per-instant value) for both sides."""
    out = []
    for side, (quote, word) in _SIDES.items():
        out += [
            (f"At{quote}TimeShare", "fraction",
             f"1 when the venue's best {word} (l2.{side}Price1) equals the consolidated best {word} "
             f"(cbbo.{side}Price1), else 0 (also 0 when the venue has no {word})"),
            (f"At{quote}QuantityTWA", "shares",
             f"the venue's l2.{side}Quantity1 when its best {word} equals the consolidated best {word}, "
             "else 0"),
            (f"{quote}QuantityShareTWA", "fraction",
             f"the venue's quantity at the consolidated best {word} (At{quote}Quantity) divided by the "
             f"consolidated quantity there (cbbo.{side}Quantity1)"),
            (f"AloneAt{quote}TimeShare", "fraction",
             f"1 when the venue alone sets the consolidated best {word}: at it, with l2.{side}Quantity1 "
             f"equal to cbbo.{side}Quantity1 (no other venue quotes that price), else 0"),
        ]  # fmt: skip
    return out


class CBBOVenue(AnalyticModule):
    """Per venue listing and bucket: time at / alone at the consolidated best bid and offer, quantity there.

    See :mod:`basalt_preprocessors.cbbo.venue` for the exact rules.
    """

    NAME = "cbbo_venue"
    INPUTS = ("l2", "cbbo", "reference")
    Config = CBBOVenueConfig
    config: CBBOVenueConfig

    def columns(self) -> list[ColumnDoc]:
        until = (
            "each state in force until the listing's next change (its own L2 or its instrument's "
            "consolidated book, as of); the day's last one until its bucket ends"
        )
        return [
            ColumnDoc(
                name,
                unit=unit,
                definition=f"Time-weighted average over the bucket ({until}) of: {text}; instants without a "
                "consolidated quote on that side (or before the listing's first L2 of the day) are left out; "
                "null when none is left.",
                sources=("l2.BidPrice1", "l2.BidQuantity1", "l2.AskPrice1", "l2.AskQuantity1",
                         "cbbo.BidPrice1", "cbbo.BidQuantity1", "cbbo.AskPrice1", "cbbo.AskQuantity1",
                         "reference.InstrumentId"),
                dtype="Float64",
            )
            for name, unit, text in _measures()
        ]  # fmt: skip

    def compute(self, inputs: Mapping[str, pl.LazyFrame], buckets: TimeBuckets) -> pl.LazyFrame:
        l2, cbbo, reference = inputs["l2"], inputs["cbbo"], inputs["reference"]
        touch = ["BidPrice1", "BidQuantity1", "AskPrice1", "AskQuantity1"]
        instruments = instrument_map(reference)
        l2_schema = l2.collect_schema()
        venue = last_per_timestamp(
            l2.join(instruments, on="ListingId", how="inner").select(
                "ListingId", "InstrumentId", day_expr(l2_schema).alias(DAY), TIMESTAMP, EVENT_NO, *touch
            ),
            ["ListingId", DAY],
        )
        cbbo_schema = cbbo.collect_schema()
        if "InstrumentId" not in cbbo_schema:  # BMLL's cbbo: filed under the primary listing
            cbbo = cbbo.join(instruments, on="ListingId", how="inner")
        consolidated = last_per_timestamp(
            cbbo.select(
                "InstrumentId",
                day_expr(cbbo_schema).alias(DAY),
                TIMESTAMP,
                EVENT_NO,
                *(pl.col(c).alias(f"__c_{c}") for c in touch),
            ),
            ["InstrumentId", DAY],
        )
        listings = venue.select("ListingId", "InstrumentId", DAY).unique()
        times = (
            pl.concat(
                [
                    venue.select("ListingId", DAY, TIMESTAMP),
                    consolidated.select("InstrumentId", DAY, TIMESTAMP)
                    .join(listings, on=["InstrumentId", DAY])
                    .select("ListingId", DAY, TIMESTAMP),
                ]
            )
            .unique()
            .join(listings, on=["ListingId", DAY])
        )
        # __has_l2 is null until the listing's first L2 snapshot of the day (the as-of finds none).
        mine = venue.drop(EVENT_NO, "InstrumentId").with_columns(pl.lit(True).alias("__has_l2"))
        states = as_of(
            as_of(times, mine, ["ListingId", DAY]), consolidated.drop(EVENT_NO), ["InstrumentId", DAY]
        )
        values: list[pl.Expr] = []
        for side, (quote, _) in _SIDES.items():
            mine, best = pl.col(f"{side}Price1"), pl.col(f"__c_{side}Price1")
            qty, best_qty = pl.col(f"{side}Quantity1"), pl.col(f"__c_{side}Quantity1")
            defined = best.is_not_null() & pl.col("__has_l2").fill_null(False)
            at = (mine == best).fill_null(False)
            at_qty = pl.when(at).then(qty).otherwise(0).cast(pl.Float64)
            values += [
                pl.when(defined).then(at.cast(pl.Float64)).alias(f"At{quote}TimeShare"),
                pl.when(defined).then(at_qty).alias(f"At{quote}QuantityTWA"),
                pl.when(defined & (best_qty > 0))
                .then(at_qty / best_qty.cast(pl.Float64))
                .alias(f"{quote}QuantityShareTWA"),
                pl.when(defined)
                .then((at & (qty == best_qty)).fill_null(False).cast(pl.Float64))
                .alias(f"AloneAt{quote}TimeShare"),
            ]
        frame = states.select(
            "ListingId",
            DAY,
            pl.col(TIMESTAMP).dt.cast_time_unit("ns").cast(pl.Int64).alias(T),
            "__has_l2",
            *touch,
            *(f"__c_{c}" for c in touch),
        ).select("ListingId", DAY, T, *values)
        names = [doc.name for doc in self.columns()]
        return time_weighted(frame, names, buckets, group="ListingId", day=DAY, bucket_column=TIME_BUCKET)


__all__ = ["CBBOVenue"]
