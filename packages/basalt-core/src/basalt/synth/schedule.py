"""Market phases of one instrument on one day, on every venue, in UTC nanoseconds.

Local venue hours (``venues.py``) are turned into UTC with the EU summer-time
rule (last Sunday of March to last Sunday of October; UK and EU switch on the
same days). ``session_scale`` shrinks every phase around the primary's
start-of-day message, so a scaled day keeps the shape of a real one.

Phase codes (``STATE_*``) are shared with the kernel, which stamps each L3
row with the phase of the message that produced it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from basalt.synth.venues import Venue, venue

STATE_CLOSED, STATE_OPENING, STATE_CONTINUOUS, STATE_UNSCHEDULED, STATE_CLOSING, STATE_POST = range(6)
STATE_NAMES: tuple[str, ...] = (
    "CLOSED",
    "OPENING_AUCTION",
    "CONTINUOUS_TRADING",
    "UNSCHEDULED_AUCTION",
    "CLOSING_AUCTION",
    "POST_TRADE",
)
"""BMLL ``MarketState`` of each phase code (``UNSCHEDULED_AUCTION`` is the volatility auction)."""

AUCTION_TYPES: dict[int, str] = {STATE_OPENING: "O", STATE_UNSCHEDULED: "V", STATE_CLOSING: "C"}
"""Imbalance ``ExchangeAuctionType`` of each auction phase."""

AUCTION_CLASSIFICATION: dict[int, str] = {
    STATE_OPENING: "LIT_OPENING_AUCTION",
    STATE_UNSCHEDULED: "LIT_UNSCHEDULED_AUCTION",
    STATE_CLOSING: "LIT_CLOSING_AUCTION",
}
"""Trades-plus ``Classification`` of the uncrossing trade of each auction."""

_EXCHANGE_CODES = {STATE_OPENING: "a", STATE_CONTINUOUS: "T", STATE_UNSCHEDULED: "f", STATE_CLOSING: "d"}
_EXCHANGE_CODES |= {STATE_POST: "u"}
NS = 1_000_000_000
UNCROSS_DELAY_S = 30.0
"""Uncrossing happens at a random time up to this many seconds after the scheduled end of an auction."""
HALT_MINUTES = 5.0
"""Length of an unscheduled volatility auction (LSE: 5 minutes plus the random uncross delay)."""


def _last_sunday(year: int, month: int) -> dt.date:
    last = dt.date(year, month + 1, 1) - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() + 1) % 7)


def utc_offset_seconds(day: dt.date, zone: str) -> int:
    """Local minus UTC in seconds on ``day`` for a venue's zone family (``london`` or ``cet``)."""
    summer = _last_sunday(day.year, 3) <= day < _last_sunday(day.year, 10)
    return 3600 * ((0 if zone == "london" else 1) + (1 if summer else 0))


@dataclass(frozen=True)
class Phase:
    """One market phase on one venue: state code, exchange code, [start, end) in UTC ns."""

    state: int
    code: str
    start: int
    end: int

    @property
    def name(self) -> str:
        """The BMLL ``MarketState``."""
        return STATE_NAMES[self.state]


@dataclass(frozen=True)
class VenueSchedule:
    """A venue's phases on one day (contiguous, in time order)."""

    venue: Venue
    tz_offset: int
    phases: tuple[Phase, ...]

    def of_state(self, state: int) -> list[Phase]:
        """The phases in a given state."""
        return [p for p in self.phases if p.state == state]

    def state_at(self, times: np.ndarray) -> np.ndarray:
        """Phase code in force at each UTC ns time (CLOSED before the first phase)."""
        starts = np.array([p.start for p in self.phases], dtype=np.int64)
        states = np.array([p.state for p in self.phases], dtype=np.int64)
        idx = np.searchsorted(starts, times, side="right") - 1
        return np.where(idx >= 0, states[np.maximum(idx, 0)], STATE_CLOSED)


@dataclass(frozen=True)
class DaySchedule:
    """Phases of every venue of one instrument on one day, and the clock mapping."""

    day: dt.date
    anchor: int
    """UTC ns of the primary's start-of-day: model time 0."""
    scale: float
    venues: tuple[VenueSchedule, ...]
    halt: Phase | None
    """The primary's unscheduled auction, if the instrument has one that day."""

    @property
    def primary(self) -> VenueSchedule:
        """The primary exchange's schedule."""
        return self.venues[0]

    def continuous_span(self) -> tuple[int, int]:
        """UTC ns of the primary's first continuous start and last continuous end."""
        cont = self.primary.of_state(STATE_CONTINUOUS)
        return cont[0].start, cont[-1].end

    def end(self) -> int:
        """UTC ns at which the last phase of any venue ends."""
        return max(v.phases[-1].end for v in self.venues)

    def model_seconds(self, times: np.ndarray | int) -> np.ndarray:
        """Model (unscaled) seconds since the anchor of UTC ns times."""
        return (np.asarray(times, dtype=np.float64) - self.anchor) / (self.scale * NS)

    def wall_ns(self, model_seconds: np.ndarray | float) -> np.ndarray:
        """UTC ns of model seconds since the anchor (inverse of :meth:`model_seconds`)."""
        return self.anchor + np.round(np.asarray(model_seconds) * self.scale * NS).astype(np.int64)


def _local_ns(day: dt.date, hhmm: str, offset: int) -> int:
    hours, minutes = (int(part) for part in hhmm.split(":"))
    midnight = int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp()) * NS
    return midnight + ((hours * 60 + minutes) * 60 - offset) * NS


def _chain(starts: list[tuple[int, str, int]], end: int) -> tuple[Phase, ...]:
    return tuple(
        Phase(state, code, start, starts[k + 1][2] if k + 1 < len(starts) else end)
        for k, (state, code, start) in enumerate(starts)
    )


def build_schedule(
    day: dt.date, mics: tuple[str, ...], scale: float, rng: np.random.Generator, halt_probability: float
) -> DaySchedule:
    """The day's phases on every venue of an instrument (primary first).

    Random parts (uncross delays, whether and when a volatility auction
    interrupts the primary's continuous session) come from ``rng``, which the
    caller seeds per instrument and day.
    """
    primary = venue(mics[0])
    offset = utc_offset_seconds(day, primary.zone)
    anchor = _local_ns(day, primary.start_of_day, offset)

    def at(hhmm: str, delay_s: float = 0.0) -> int:
        real = _local_ns(day, hhmm, offset) + int(delay_s * NS)
        return anchor + round((real - anchor) * scale)

    open_delay, close_delay, halt_delay = rng.uniform(0.0, UNCROSS_DELAY_S, 3)
    has_halt, halt_at = rng.uniform() < halt_probability, rng.uniform(0.15, 0.8)
    cont_start, cont_end = at(primary.continuous, open_delay), at(primary.close_auction)
    stamps: list[tuple[int, str, int]] = [
        (STATE_CLOSED, "C", anchor),
        (STATE_OPENING, _EXCHANGE_CODES[STATE_OPENING], at(primary.open_auction or primary.continuous)),
        (STATE_CONTINUOUS, "T", cont_start),
    ]
    halt = None
    if has_halt:
        h_start = cont_start + int((cont_end - cont_start) * halt_at)
        h_end = h_start + round((HALT_MINUTES * 60 + halt_delay) * NS * scale)
        halt = Phase(STATE_UNSCHEDULED, _EXCHANGE_CODES[STATE_UNSCHEDULED], h_start, h_end)
        stamps += [(STATE_UNSCHEDULED, halt.code, h_start), (STATE_CONTINUOUS, "T", h_end)]
    post_start, day_end = at(primary.close_uncross, close_delay), at(primary.post_trade_end)
    stamps += [
        (STATE_CLOSING, _EXCHANGE_CODES[STATE_CLOSING], cont_end),
        (STATE_POST, _EXCHANGE_CODES[STATE_POST], post_start),
        (STATE_CLOSED, "c", day_end),
    ]
    # The final CLOSED phase lasts a (scaled) 10 minutes: only its start is published.
    schedules = [VenueSchedule(primary, offset, _chain(stamps, day_end + int(600 * NS * scale)))]
    for mic in mics[1:]:
        mtf = venue(mic)
        # MTFs trade an instrument during its home market's continuous hours (no auctions).
        mtf_stamps = [(STATE_CLOSED, "C", anchor), (STATE_CONTINUOUS, "T", at(primary.continuous))]
        mtf_stamps.append((STATE_CLOSED, "c", cont_end))
        schedules.append(VenueSchedule(mtf, offset, _chain(mtf_stamps, day_end + int(600 * NS * scale))))
    return DaySchedule(day=day, anchor=anchor, scale=scale, venues=tuple(schedules), halt=halt)
