"""Simulate one instrument-day on every venue, and one whole day of every instrument.

Each (seed, day, instrument) gets its own random streams, keyed by purpose
(schedule, latent paths, each venue's flow by venue code, trades), so any
instrument-day can be generated alone, in any process, in any order, with
the same result.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import numpy as np
import polars as pl

from basalt.synth.book import run_book
from basalt.synth.cbbo import cbbo_frame, consolidate_venues
from basalt.synth.config import SynthConfig
from basalt.synth.flow import MessageFlow, instrument_flow
from basalt.synth.icebergs import hidden_reserves, truth_frame
from basalt.synth.kernel import CTL_FLOW
from basalt.synth.latent import LatentDay, build_latent, daily_levels
from basalt.synth.reference import Instrument, Listing, instruments, listings_of, reference_frame
from basalt.synth.schedule import STATE_CONTINUOUS, DaySchedule, build_schedule
from basalt.synth.tables import VenueDay, imbalance_frame, l2_frame, l3_frame, marketstate_frame
from basalt.synth.trades import trades_frame
from basalt.synth.venues import EUR_PER_UNIT, major_currency
from basalt.tables.base import Table
from basalt.tables.bmll import BMLL_TABLES

TABLES: dict[str, type[Table]] = {table.NAME: table for table in BMLL_TABLES}
"""Every table the generator writes, by name."""

SORT_KEYS: dict[str, list[str]] = {
    "trades": ["ListingId", "TradeTimestampNanoseconds", "BMLLSequenceSource", "BMLLSequenceNo"],
    "l2": ["ListingId", "L2EventNo"],
    "l3": ["ListingId", "EventNo"],
    "marketstate": ["ListingId", "TimestampNanoseconds", "BMLLSequenceNo"],
    "imbalance": ["ListingId", "BMLLSequenceNo"],
    "cbbo": ["ListingId", "L2EventNo"],
    "reference": ["ListingId"],
}
"""Row order of every table (listing, then event order): files are sorted the same way every run."""

_PURPOSE_SCHEDULE, _PURPOSE_LATENT, _PURPOSE_TRADES, _PURPOSE_ICEBERGS, _PURPOSE_VENUE = 1, 2, 3, 4, 100


def _rng(config: SynthConfig, day: dt.date, index: int, purpose: int) -> np.random.Generator:
    return np.random.Generator(
        np.random.PCG64(np.random.SeedSequence([config.seed, day.toordinal(), index, purpose]))
    )


@dataclass(frozen=True)
class InstrumentDay:
    """The tables of one instrument-day, by table name then MIC, and counts for progress reports."""

    frames: dict[str, dict[str, pl.DataFrame]]
    messages: int
    """Order-book messages simulated (all venues)."""
    l3_rows: int
    l2_rows: int
    icebergs: pl.DataFrame | None = None
    """Icebergs planted on the instrument's listings (``icebergs.truth_frame``); None if none are planted."""


@dataclass(frozen=True)
class PreparedDay:
    """An instrument-day before the order-book simulation: its listings, phases, latent paths, order flow."""

    listings: list[Listing]
    schedule: DaySchedule
    latent: LatentDay
    flow: MessageFlow


def prepare_instrument_day(config: SynthConfig, day: dt.date, instrument: Instrument) -> PreparedDay:
    """Phases, latent paths and pre-drawn order flow of one instrument-day (all the randomness)."""
    listings = listings_of(config, instrument)
    schedule = build_schedule(
        day, config.mics, config.session_scale, _rng(config, day, instrument.index, _PURPOSE_SCHEDULE),
        config.halt_probability,
    )  # fmt: skip
    levels = daily_levels(config.seed, instrument.index, day, config.daily_volatility)
    latent = build_latent(
        schedule, instrument.base_price, levels, config.daily_volatility,
        _rng(config, day, instrument.index, _PURPOSE_LATENT),
    )  # fmt: skip
    major, factor = major_currency(listings[0].currency)
    price_eur = latent.open_price * factor * EUR_PER_UNIT[major]
    flow = instrument_flow(
        list(schedule.venues),
        latent,
        [config.messages_per_day * latent.activity_multiplier * item.venue.activity for item in listings],
        price_eur,
        [_rng(config, day, instrument.index, _PURPOSE_VENUE + item.venue.code) for item in listings],
    )
    if config.iceberg_rate > 0:
        eligible = (flow.phase == STATE_CONTINUOUS) & (flow.ctl == CTL_FLOW)
        rng = _rng(config, day, instrument.index, _PURPOSE_ICEBERGS)
        flow = replace(flow, hidden=hidden_reserves(rng, config.iceberg_rate, flow.size, eligible))
    return PreparedDay(listings=listings, schedule=schedule, latent=latent, flow=flow)


def simulate_instrument_day(config: SynthConfig, day: dt.date, instrument: Instrument) -> InstrumentDay:
    """Simulate one instrument on every configured venue for one day, and build its tables."""
    prepared = prepare_instrument_day(config, day, instrument)
    listings, schedule, latent, flow = prepared.listings, prepared.schedule, prepared.latent, prepared.flow
    runs = run_book(flow)
    venue_days = [
        VenueDay(listing, venue_schedule, day, latent.tick, run)
        for listing, venue_schedule, run in zip(listings, schedule.venues, runs, strict=True)
    ]
    book = consolidate_venues(venue_days)
    trades = trades_frame(
        venue_days, book, latent, config.off_book_share, _rng(config, day, instrument.index, _PURPOSE_TRADES)
    )
    frames: dict[str, dict[str, pl.DataFrame]] = {name: {} for name in TABLES if name != "reference"}
    for vd in venue_days:
        mic = vd.listing.venue.mic
        frames["l3"][mic] = l3_frame(vd)
        frames["l2"][mic] = l2_frame(vd)
        frames["marketstate"][mic] = marketstate_frame(vd)
        frames["imbalance"][mic] = imbalance_frame(vd)
        frames["trades"][mic] = sort_table("trades", trades.filter(pl.col("MIC") == mic))
    frames["cbbo"][config.primary_mic] = cbbo_frame(venue_days[0], book)
    return InstrumentDay(
        frames=frames,
        messages=len(flow),
        l3_rows=sum(vd.run.n_rows for vd in venue_days),
        l2_rows=sum(vd.run.n_snaps for vd in venue_days),
        icebergs=pl.concat([truth_frame(vd) for vd in venue_days]) if config.iceberg_rate > 0 else None,
    )


def sort_table(name: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Rows in the table's canonical order (stable, so equal keys keep their order)."""
    return frame.sort(SORT_KEYS[name], maintain_order=True)


def generate_day(config: SynthConfig, day: dt.date) -> dict[str, pl.DataFrame]:
    """Every table of one day: all instruments, all MICs (table name → frame).

    A day that is not a trading day under ``config`` gives empty frames. The
    day need not lie between ``start_date`` and ``end_date``: days are
    independent, so a day is the same whichever range it is generated in.
    """
    if not config.is_trading_day(day):
        return {name: table.empty() for name, table in TABLES.items()}
    parts: dict[str, list[pl.DataFrame]] = {name: [] for name in TABLES}
    for instrument in instruments(config.seed, config.listings, config.primary_mic):
        result = simulate_instrument_day(config, day, instrument)
        for name, by_mic in result.frames.items():
            parts[name].extend(by_mic.values())
    parts["reference"] = [reference_frame(config, day)]
    # Parts come in (instrument, MIC) order, which is ListingId order, each already sorted.
    return {name: pl.concat(frames, rechunk=False) for name, frames in parts.items()}
