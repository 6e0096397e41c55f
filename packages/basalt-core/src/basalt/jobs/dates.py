"""Relative dates (``today``, ``yesterday``) resolved in a timezone.

A schedule fires at a local time in its timezone (say 01:30 Europe/London); "yesterday" must then
mean the day before *in London*, whatever the machine's clock zone is. This module does that
resolution, and ``python -m basalt.jobs.dates yesterday --timezone Europe/London`` prints the ISO
date for scripts (the ec2 user-data resolves its dates with it at run time).
"""

from __future__ import annotations

import argparse
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from basalt.jobs.errors import ScheduleError

RELATIVE = {"today": 0, "yesterday": 1}
"""Relative date words and how many days before today they are."""
_DAYS_AGO = re.compile(r"^today-(\d{1,4})$")


def zone(name: str) -> ZoneInfo:
    """The IANA timezone ``name`` (``Europe/London``, ``UTC``…).

    Raises:
        ScheduleError: Not a known timezone.
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(
            f"unknown timezone {name!r}: use an IANA name such as 'Europe/London' or 'UTC'"
        ) from None


def is_relative(value: str) -> bool:
    """Whether ``value`` is a relative date word (``today``, ``yesterday``, ``today-N``)."""
    return value in RELATIVE or bool(_DAYS_AGO.match(value))


def resolve_date(value: str, timezone: str = "UTC", now: datetime | None = None) -> date:
    """``value`` as a date: ISO (``2026-01-05``), ``today``, ``yesterday`` or ``today-N``.

    Relative words count from the current date in ``timezone`` (``now``: an aware instant,
    default the current time).

    Raises:
        ScheduleError: Neither an ISO date nor a known word, or an unknown timezone.
    """
    tz = zone(timezone)
    instant = now if now is not None else datetime.now(UTC)
    if instant.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    local_today = instant.astimezone(tz).date()
    if value in RELATIVE:
        return local_today - timedelta(days=RELATIVE[value])
    ago = _DAYS_AGO.match(value)
    if ago:
        return local_today - timedelta(days=int(ago.group(1)))
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ScheduleError(
            f"date {value!r} is neither YYYY-MM-DD nor one of today, yesterday, today-N"
        ) from None


def main(argv: list[str] | None = None) -> None:
    """Print the ISO date of a (relative) date in a timezone."""
    parser = argparse.ArgumentParser(prog="python -m basalt.jobs.dates", description=main.__doc__)
    parser.add_argument("value", help="YYYY-MM-DD, today, yesterday or today-N")
    parser.add_argument("--timezone", default="UTC", help="IANA timezone (default UTC)")
    args = parser.parse_args(argv)
    try:
        print(resolve_date(args.value, args.timezone).isoformat())
    except ScheduleError as exc:
        parser.exit(2, f"error: {exc}\n")


if __name__ == "__main__":
    main()


__all__ = ["RELATIVE", "is_relative", "resolve_date", "zone"]
