"""Schedules from a pipeline's ``SCHEDULES`` section.

::

    SCHEDULES:
      - name: nightly            # schedule name (letters, digits, _)
        cron: "30 22 * * 1-5"    # when, in ``timezone``
        timezone: Europe/London  # default UTC
        partitions: yesterday    # yesterday | today | last_N (the N trading days up to yesterday)
        universes: [all]         # universe partitions to run (default: every one)

Each tick requests one run per (trading date, universe) of the Basalt assets;
the dates are the trading calendar's (weekdays minus holidays), relative to the
tick's date in ``timezone``. A tick whose dates are not partitions (a holiday, a
date past ``END_DATE``) is skipped with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import dagster as dg
from croniter import croniter
from pydantic import BaseModel, ConfigDict, Field, field_validator

from basalt_dagster.assets import AssetLayout
from basalt_dagster.partitions import DATE_DIMENSION, UNIVERSE_DIMENSION


class ScheduleConfig(BaseModel):
    """One entry of ``SCHEDULES``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(description="Schedule name: letters, digits and '_'.")
    cron: str = Field(description="Cron expression of the ticks (five fields), in `timezone`.")
    timezone: str = Field("UTC", description="IANA time zone of the cron expression and of 'today'.")
    partitions: str = Field(
        "yesterday", description="Dates each tick runs: 'yesterday', 'today' or 'last_N' trading days."
    )
    universes: list[str] | None = Field(None, description="Universe partitions to run; default all.")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
            raise ValueError(f"schedule name {value!r} must be letters, digits or '_'")
        return value

    @field_validator("partitions")
    @classmethod
    def _partitions(cls, value: str) -> str:
        if value not in {"yesterday", "today"} and not re.fullmatch(r"last_[1-9][0-9]*", value):
            raise ValueError(f"partitions {value!r}: use 'yesterday', 'today' or 'last_N' (e.g. last_5)")
        return value

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        if len(value.split()) != 5 or not croniter.is_valid(value):
            raise ValueError(f"cron {value!r} is not a valid cron expression")
        return value


def dates_for(config: ScheduleConfig, today: date, calendar: Sequence[date]) -> list[date]:
    """The trading dates a tick on ``today`` runs (only the calendar's days)."""
    if config.partitions == "today":
        return [today] if today in calendar else []
    before = [d for d in calendar if d < today]
    count = 1 if config.partitions == "yesterday" else int(config.partitions.removeprefix("last_"))
    return before[-count:] if before and (today - before[-1]).days <= 7 else []


def _schedule(layout: AssetLayout, job: dg.UnresolvedAssetJobDefinition, config: ScheduleConfig) -> Any:
    universes = config.universes or list(layout.universes)
    unknown = sorted(set(universes) - set(layout.universes))
    if unknown:
        raise ValueError(
            f"schedule {config.name!r}: unknown universes {unknown}; known {list(layout.universes)}"
        )

    @dg.schedule(name=config.name, cron_schedule=config.cron, job=job, execution_timezone=config.timezone)
    def tick(context: dg.ScheduleEvaluationContext) -> Iterator[dg.RunRequest | dg.SkipReason]:
        when = context.scheduled_execution_time
        zone = ZoneInfo(config.timezone)
        today = (when.astimezone(zone) if when is not None else datetime.now(zone)).date()
        days = dates_for(config, today, layout.days)
        if not days:
            yield dg.SkipReason(
                f"no trading date of {layout.project.dataset} for {config.partitions} of {today}"
            )
            return
        for day in days:
            for universe in universes:
                key = dg.MultiPartitionKey({DATE_DIMENSION: day.isoformat(), UNIVERSE_DIMENSION: universe})
                yield dg.RunRequest(run_key=f"{config.name}:{key}", partition_key=key)

    return tick


def job_for(layout: AssetLayout, assets: Sequence[dg.AssetsDefinition]) -> dg.UnresolvedAssetJobDefinition:
    """The job materialising every Basalt asset of the pipeline (``{prefix}__job``)."""
    return dg.define_asset_job(
        name="__".join([*layout.key_prefix, "job"]).replace("-", "_"),
        selection=dg.AssetSelection.assets(*assets),
    )


def build_schedules(
    layout: AssetLayout,
    job: dg.UnresolvedAssetJobDefinition,
    section: Sequence[Mapping[str, Any]] | None,
) -> list[Any]:
    """One schedule per entry of ``section`` (a pipeline's ``SCHEDULES``), each running ``job``."""
    if not section:
        return []
    configs = [ScheduleConfig.model_validate(dict(entry)) for entry in section]
    return [_schedule(layout, job, config) for config in configs]


__all__ = ["ScheduleConfig", "build_schedules", "dates_for", "job_for"]
