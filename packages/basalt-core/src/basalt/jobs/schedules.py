"""Schedules: run a pipeline on a cron timetable, in a timezone, through an executor.

A :class:`Schedule` is saved in ``{jobs_dir}/schedules/{name}.json``; the executor makes it fire
(``local``: a crontab line or a systemd timer/service pair in a folder the user chooses;
``ec2``: an EventBridge Scheduler schedule). Cron expressions have the usual five fields
(minute hour day-of-month month day-of-week) and are parsed and validated by ``croniter``;
:func:`next_fire_times` lists the next firings as wall-clock times in the schedule's timezone,
across daylight-saving changes. Each firing runs the pipeline for ``date`` (default
``yesterday``) resolved in that timezone (:mod:`basalt.jobs.dates`).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from basalt._files import write_json_atomic
from basalt.jobs.dates import is_relative, zone
from basalt.jobs.errors import JobError, ScheduleError

SCHEDULE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def validate_cron(expression: str) -> str:
    """``expression`` normalised (single spaces) if it is a valid five-field cron expression.

    Raises:
        ScheduleError: Not five fields, or a field croniter rejects (with its reason).
    """
    from croniter import croniter

    fields = expression.split()
    if len(fields) != 5:
        raise ScheduleError(
            f"cron expression {expression!r} has {len(fields)} fields; give five: "
            "minute hour day-of-month month day-of-week (e.g. '30 6 * * 1-5')"
        )
    normalised = " ".join(fields)
    try:
        croniter(normalised)
    except (ValueError, KeyError) as exc:  # croniter's CroniterError derives from ValueError
        raise ScheduleError(f"invalid cron expression {expression!r}: {exc}") from None
    return normalised


class Schedule(BaseModel):
    """A pipeline run on a timetable: what, when (cron, timezone), where (executor)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="Unique name of the schedule (letters, digits, '.', '_', '-').")
    executor: str = Field(description="Executor that runs each firing (local, ec2, …).")
    cron: str = Field(description="Five-field cron expression, in the schedule's timezone.")
    timezone: str = Field("UTC", description="IANA timezone of the cron expression and of relative dates.")
    pipeline: str = Field(description="Pipeline file (absolute path).")
    dataset: str = Field(description="The pipeline's DATASETNAME.")
    date: str = Field("yesterday", description="Date each firing runs: yesterday, today, today-N.")
    universe: str | None = Field(None, description="Universe override for every firing.")
    workers: int | None = Field(None, description="Worker processes for every firing.")
    assignments: list[str] = Field(default_factory=list, description="--set overrides for every firing.")
    state_dir: str = Field(".basalt", description="Run ledger folder of the firings (local executor).")
    jobs_dir: str = Field(
        ".basalt/jobs", description="Jobs folder the firings are recorded in (local executor)."
    )
    config: dict[str, Any] = Field(default_factory=dict, description="The executor's settings.")
    options: dict[str, str] = Field(
        default_factory=dict, description="Executor-specific install options (local: dir, format)."
    )
    created: str = Field(
        default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"),
        description="When it was installed.",
    )
    details: dict[str, Any] = Field(
        default_factory=dict, description="What the executor created (files, schedule ARN)."
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not SCHEDULE_NAME.match(value):
            raise ValueError(f"schedule name {value!r}: use letters, digits, '.', '_' or '-' (at most 64)")
        return value

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        return validate_cron(value)

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        zone(value)
        return value

    @field_validator("date")
    @classmethod
    def _date(cls, value: str) -> str:
        if not is_relative(value):
            raise ValueError(f"a schedule's date must be relative (yesterday, today, today-N), not {value!r}")
        return value


def next_fire_times(
    cron: str, timezone: str, count: int = 3, after: datetime | None = None
) -> list[datetime]:
    """The next ``count`` firings of ``cron`` in ``timezone`` after ``after`` (default: now), in that zone.

    The expression is read as wall-clock time in ``timezone`` (as cron with ``CRON_TZ``,
    systemd's ``OnCalendar`` and EventBridge Scheduler do), so ``0 6 * * *`` in London fires
    at 06:00 GMT in winter and 06:00 BST (05:00 UTC) in summer. Around daylight-saving changes
    (PEP 495, ``fold=0``): a wall time repeated when clocks go back fires once, at its first
    occurrence; a wall time skipped when clocks go forward fires that much later
    (01:30 on the day London skips 01:00–02:00 fires at 02:30 BST).
    """
    from croniter import croniter

    tz = zone(timezone)
    instant = (after or datetime.now(UTC)).astimezone(UTC)
    # croniter walks naive wall-clock times; each is then placed in the zone (fold=0).
    it = croniter(validate_cron(cron), instant.astimezone(tz).replace(tzinfo=None) - timedelta(hours=3))
    found: list[datetime] = []
    while len(found) < count:
        wall = it.get_next(datetime)
        fire = wall.replace(tzinfo=tz).astimezone(UTC).astimezone(tz)
        if fire > instant and (not found or fire > found[-1]):
            found.append(fire)
    return found


class ScheduleStore:
    """``{jobs_dir}/schedules/``: one JSON file per installed schedule."""

    def __init__(self, jobs_dir: Path) -> None:
        self.root = Path(jobs_dir) / "schedules"

    def path(self, name: str) -> Path:
        """The file of schedule ``name``."""
        return self.root / f"{name}.json"

    def save(self, schedule: Schedule) -> None:
        """Write the schedule's file atomically."""
        self.root.mkdir(parents=True, exist_ok=True)
        write_json_atomic(self.path(schedule.name), schedule.model_dump(mode="json"), indent=2)

    def load(self, name: str) -> Schedule:
        """Schedule ``name``.

        Raises:
            JobError: No such schedule.
        """
        try:
            return Schedule.model_validate_json(self.path(name).read_text())
        except FileNotFoundError:
            known = ", ".join(s.name for s in self.all()) or "none"
            raise JobError(f"no schedule {name!r} in {self.root} (installed: {known})") from None

    def exists(self, name: str) -> bool:
        """Whether schedule ``name`` is installed."""
        return self.path(name).is_file()

    def delete(self, name: str) -> None:
        """Forget schedule ``name``."""
        self.path(name).unlink(missing_ok=True)

    def all(self) -> list[Schedule]:
        """Every installed schedule, by name."""
        if not self.root.is_dir():
            return []
        return [Schedule.model_validate_json(p.read_text()) for p in sorted(self.root.glob("*.json"))]


__all__ = ["Schedule", "ScheduleStore", "next_fire_times", "validate_cron"]
