"""Schedules from a pipeline file's ``SCHEDULES`` section (Basalt itself never sees the section)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import pytest
from pydantic import ValidationError

from basalt.testing import make_plugin_manager
from basalt_dagster import build_definitions
from basalt_dagster.schedules import ScheduleConfig, dates_for

SCHEDULES = """
SCHEDULES:
  - name: nightly
    cron: "30 22 * * 1-5"
    timezone: Europe/London
    partitions: yesterday
  - name: catch_up
    cron: "0 6 * * 1"
    partitions: last_2
"""

CALENDAR = [date(2026, 1, 5), date(2026, 1, 6), date(2026, 1, 7), date(2026, 1, 9)]  # 8th: a holiday


def test_dates_of_a_tick_follow_the_trading_calendar() -> None:
    config = ScheduleConfig(name="s", cron="0 6 * * *", partitions="yesterday")
    assert dates_for(config, date(2026, 1, 7), CALENDAR) == [date(2026, 1, 6)]
    assert dates_for(config, date(2026, 1, 9), CALENDAR) == [date(2026, 1, 7)]  # the holiday skipped
    assert dates_for(config, date(2026, 1, 5), CALENDAR) == []  # nothing before the first day
    today = ScheduleConfig(name="s", cron="0 6 * * *", partitions="today")
    assert dates_for(today, date(2026, 1, 8), CALENDAR) == []
    assert dates_for(today, date(2026, 1, 9), CALENDAR) == [date(2026, 1, 9)]
    last = ScheduleConfig(name="s", cron="0 6 * * *", partitions="last_3")
    assert dates_for(last, date(2026, 1, 12), CALENDAR) == [
        date(2026, 1, 6),
        date(2026, 1, 7),
        date(2026, 1, 9),
    ]


def test_a_bad_schedule_is_named() -> None:
    with pytest.raises(ValidationError, match="partitions 'lastweek'"):
        ScheduleConfig(name="s", cron="0 6 * * *", partitions="lastweek")
    with pytest.raises(ValidationError, match="not a valid cron"):
        ScheduleConfig(name="s", cron="every day")


def test_the_section_becomes_schedules_requesting_partitions(
    tmp_path: Path, lake: Path, demo_writer: Callable[..., Path]
) -> None:
    pipeline = demo_writer(tmp_path, lake, extra=SCHEDULES)
    defs = build_definitions(pipeline, plugins=make_plugin_manager())
    repository = defs.get_repository_def()
    nightly = repository.get_schedule_def("nightly")
    assert nightly.cron_schedule == "30 22 * * 1-5"
    assert nightly.execution_timezone == "Europe/London"
    assert nightly.job_name == "basalt__demo__job"
    context = dg.build_schedule_context(
        repository_def=repository, scheduled_execution_time=datetime(2026, 1, 6, 22, 30, tzinfo=UTC)
    )
    requests = list(nightly.evaluate_tick(context).run_requests or [])
    assert [r.partition_key for r in requests] == ["2026-01-05|all"]
    catch_up = repository.get_schedule_def("catch_up")
    context = dg.build_schedule_context(
        repository_def=repository, scheduled_execution_time=datetime(2026, 1, 12, 6, 0, tzinfo=UTC)
    )
    assert [r.partition_key for r in catch_up.evaluate_tick(context).run_requests or []] == [
        "2026-01-05|all",
        "2026-01-06|all",
    ]
    context = dg.build_schedule_context(
        repository_def=repository, scheduled_execution_time=datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
    )
    result = catch_up.evaluate_tick(context)
    assert not result.run_requests
    assert "no trading date of demo" in result.skip_message
