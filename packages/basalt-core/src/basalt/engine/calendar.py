"""Trading days and date batches.

A date batch is the unit a worker process runs and the run ledger commits. It
never reaches outside ``[START_DATE, END_DATE]``: ``W`` batches are ISO weeks
(Monday–Sunday), ``2W`` pairs of ISO weeks counted from the first week of the
range, ``M`` calendar months, ``A`` calendar years, each clipped to the range.

Without a frequency the days are cut into contiguous chunks, as few as keep
every worker busy and no chunk longer than :data:`MAX_AUTO_BATCH_DAYS`: a
worker process costs 0.6–1 s to start (spawn, imports, plugin discovery), more
than a light pass's day of work (0.2 s for trade bars on 100 listings), so one
process per day wasted most of such a run (issue #7); longer chunks would lose
more work to a crash.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # pragma: no cover - typing only
    from basalt.engine.config import AnalyticsConfig

BatchFreq = Literal["D", "W", "2W", "M", "A"]


def trading_days(start: date, end: date, *, exclude_weekends: bool = True) -> list[date]:
    """Every date in ``[start, end]``, without Saturdays and Sundays unless asked."""
    days = (start + timedelta(days=offset) for offset in range((end - start).days + 1))
    return [day for day in days if not (exclude_weekends and day.weekday() >= 5)]


MAX_AUTO_BATCH_DAYS = 10
"""Longest automatic batch, in trading days: what a crash or a kill can cost, at most, per worker."""


def auto_chunks(days: list[date], workers: int = 1) -> list[list[date]]:
    """Contiguous chunks of ``days``, each at most ten days long: one per worker, or whole rounds of that.

    Never more chunks than days (so fewer than ``workers`` for a short range).
    Chunk lengths differ by at most one day, so parallel workers finish together.
    """
    if not days:
        return []
    workers = max(1, workers)
    rounds = -(-len(days) // (workers * MAX_AUTO_BATCH_DAYS))  # ceil: rounds of one chunk per worker
    count = min(len(days), workers * rounds)
    size, extra = divmod(len(days), count)
    chunks, begin = [], 0
    for index in range(count):
        end = begin + size + (1 if index < extra else 0)
        chunks.append(days[begin:end])
        begin = end
    return chunks


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


def calendar_periods(days: list[date], freq: BatchFreq) -> list[list[date]]:
    """``days`` grouped by calendar period ``freq`` (day, ISO week, two weeks, month, year)."""
    periods: list[list[date]] = []
    previous: tuple[int, ...] | None = None
    for day in days:
        key = _period_key(day, freq, days[0])
        if key != previous:
            periods.append([])
            previous = key
        periods[-1].append(day)
    return periods


def date_batches(days: list[date], freq: BatchFreq | None, workers: int = 1) -> list[DateBatch]:
    """Group trading days into batches of ``freq`` (``None``: :func:`auto_chunks` for ``workers``)."""
    groups = calendar_periods(days, freq) if freq else auto_chunks(days, workers)
    return [DateBatch(index, tuple(group)) for index, group in enumerate(groups)]


def trading_days_of(config: AnalyticsConfig) -> list[date]:
    """The trading days a run of ``config`` covers (weekends excluded unless ``EXCLUDE_WEEKENDS`` is off)."""
    return trading_days(config.START_DATE, config.END_DATE, exclude_weekends=config.EXCLUDE_WEEKENDS)
