"""Trading days and date batches, checked against a hand-made calendar."""

from __future__ import annotations

from datetime import date

import pytest

from basalt.engine.calendar import MAX_AUTO_BATCH_DAYS, date_batches, trading_days

# 2024-01-01 is a Monday.
JAN = trading_days(date(2024, 1, 1), date(2024, 2, 6))


def _spans(freq: str | None, days: list[date] = JAN) -> list[tuple[str, str]]:
    return [(b.start.isoformat(), b.end.isoformat()) for b in date_batches(days, freq)]


def test_weekends_are_skipped_unless_asked() -> None:
    assert trading_days(date(2024, 1, 5), date(2024, 1, 8)) == [date(2024, 1, 5), date(2024, 1, 8)]
    assert len(trading_days(date(2024, 1, 5), date(2024, 1, 8), exclude_weekends=False)) == 4


def test_daily_weekly_two_weekly_monthly_annual() -> None:
    assert len(date_batches(JAN, "D")) == len(JAN) == 27
    assert _spans("W")[:2] == [("2024-01-01", "2024-01-05"), ("2024-01-08", "2024-01-12")]
    assert _spans("W")[-1] == ("2024-02-05", "2024-02-06")
    assert _spans("2W") == [
        ("2024-01-01", "2024-01-12"),
        ("2024-01-15", "2024-01-26"),
        ("2024-01-29", "2024-02-06"),
    ]
    assert _spans("M") == [("2024-01-01", "2024-01-31"), ("2024-02-01", "2024-02-06")]
    assert _spans("A") == [("2024-01-01", "2024-02-06")]


@pytest.mark.parametrize("freq", ["D", "W", "2W", "M", "A", None])
def test_batches_never_reach_outside_the_range_and_cover_every_day(freq: str | None) -> None:
    days = trading_days(date(2024, 1, 10), date(2024, 3, 20))
    batches = date_batches(days, freq)
    assert [day for batch in batches for day in batch.days] == days
    assert batches[0].start == date(2024, 1, 10)
    assert batches[-1].end == date(2024, 3, 20)
    assert [b.index for b in batches] == list(range(len(batches)))


def _lengths(days: list[date], workers: int) -> list[int]:
    return [len(batch.days) for batch in date_batches(days, None, workers)]


def test_automatic_batches_keep_every_worker_busy_in_few_contiguous_chunks() -> None:
    week = trading_days(date(2024, 1, 1), date(2024, 1, 5))
    assert _lengths(week, 1) == [5]
    assert _lengths(week, 2) == [3, 2]
    assert _lengths(week, 8) == [1, 1, 1, 1, 1]  # never an empty batch
    assert _lengths(JAN, 1) == [9, 9, 9]  # 27 days: at most 10 per batch, lengths within one day
    assert _lengths(JAN, 2) == [7, 7, 7, 6]  # two rounds of two workers
    year = trading_days(date(2024, 1, 1), date(2024, 12, 31))
    lengths = _lengths(year, 2)
    assert max(lengths) <= MAX_AUTO_BATCH_DAYS
    assert max(lengths) - min(lengths) <= 1
    assert len(lengths) == 2 * -(-len(year) // (2 * MAX_AUTO_BATCH_DAYS))  # an even count: whole rounds
    assert date_batches([], None) == []
