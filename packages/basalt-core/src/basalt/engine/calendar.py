"""Trading days and date batches.

A date batch is the unit a worker process runs and the run ledger commits. It
never reaches outside ``[START_DATE, END_DATE]``: ``W`` batches are ISO weeks
(Monday–Sunday), ``2W`` pairs of ISO weeks counted from the first week of the
range, ``M`` calendar months, ``A`` calendar years, each clipped to the range.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

BatchFreq = Literal["D", "W", "2W", "M", "A"]


def trading_days(start: date, end: date, *, exclude_weekends: bool = True) -> list[date]:
    """Every date in ``[start, end]``, without Saturdays and Sundays unless asked."""
    days = (start + timedelta(days=offset) for offset in range((end - start).days + 1))
    return [day for day in days if not (exclude_weekends and day.weekday() >= 5)]


def auto_freq(days: list[date]) -> BatchFreq:
    """A batch length for a range: daily for a month or less, weekly up to half a year, else monthly."""
    span = (days[-1] - days[0]).days + 1 if days else 0
    return "D" if span <= 31 else "W" if span <= 183 else "M"


def _period_key(day: date, freq: BatchFreq, first: date) -> tuple[int, ...]:
    iso = day.isocalendar()
    if freq == "D":
        return (day.toordinal(),)
    if freq == "W":
        return (iso.year, iso.week)
    if freq == "2W":
        first_monday = first - timedelta(days=first.weekday())
        return ((day - first_monday).days // 14,)
    if freq == "M":
        return (day.year, day.month)
    return (day.year,)


@dataclass(frozen=True)
class DateBatch:
    """Consecutive trading days run and committed together."""

    index: int
    days: tuple[date, ...]

    @property
    def start(self) -> date:
        """First trading day of the batch."""
        return self.days[0]

    @property
    def end(self) -> date:
        """Last trading day of the batch."""
        return self.days[-1]

    @property
    def key(self) -> str:
        """Stable identifier used by the run ledger (``2024-01-01_2024-01-05``)."""
        return f"{self.start.isoformat()}_{self.end.isoformat()}"


def date_batches(days: list[date], freq: BatchFreq | None) -> list[DateBatch]:
    """Group trading days into batches of ``freq`` (``None``: :func:`auto_freq`)."""
    if not days:
        return []
    chosen = freq or auto_freq(days)
    batches: list[list[date]] = []
    previous: tuple[int, ...] | None = None
    for day in days:
        key = _period_key(day, chosen, days[0])
        if key != previous:
            batches.append([])
            previous = key
        batches[-1].append(day)
    return [DateBatch(index, tuple(batch)) for index, batch in enumerate(batches)]


def iter_days(batch: DateBatch) -> Iterator[date]:
    """The batch's days in order (workers process one day at a time)."""
    yield from batch.days
