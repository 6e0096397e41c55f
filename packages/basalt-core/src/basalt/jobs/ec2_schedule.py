"""``ec2`` schedules: an EventBridge Scheduler schedule that starts an instance per firing.

The schedule's target is the universal target ``arn:aws:scheduler:::aws-sdk:ec2:runInstances``
with the ``RunInstances`` request as input: the same instance settings and user-data as
``basalt job run --executor ec2``, except that the job id (``{schedule}-{UTC time}-{random}``)
and the dates (the schedule's relative date, resolved in its timezone) are decided on the
instance when it starts. The cron expression becomes EventBridge's six-field form
(``cron(30 6 ? * MON,TUE,WED,THU,FRI *)``) with ``ScheduleExpressionTimezone``.
"""

from __future__ import annotations

import base64
import contextlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

from basalt.jobs.base import JobRequest
from basalt.jobs.errors import ScheduleError

if TYPE_CHECKING:  # pragma: no cover - typing only
    from basalt.jobs.ec2 import Ec2Executor
    from basalt.jobs.schedules import Schedule

RUN_INSTANCES_TARGET = "arn:aws:scheduler:::aws-sdk:ec2:runInstances"
GROUP = "default"
DAY_NAMES = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")


def aws_cron(cron: str) -> str:
    """EventBridge's ``cron(…)`` for a five-field cron expression.

    EventBridge wants six fields (a year last) and ``?`` in one of day-of-month and
    day-of-week; its day-of-week numbers differ from cron's (1 = Sunday), so days are named.

    Raises:
        ScheduleError: Both day fields are restricted (EventBridge cannot say "either").
    """
    from croniter import croniter

    fields = cron.split()
    expanded = croniter(cron).expanded
    if fields[2] != "*" and fields[4] != "*":
        raise ScheduleError(
            f"cron {cron!r} restricts both day-of-month and day-of-week; EventBridge Scheduler accepts one "
            "of them: split it into two schedules"
        )
    out = []
    for index in range(5):
        if fields[index] == "*":
            out.append("*")
            continue
        values = expanded[index]
        if any(not isinstance(v, int) for v in values):
            raise ScheduleError(f"cron field {fields[index]!r} has no EventBridge equivalent here")
        if index == 4:
            out.append(",".join(DAY_NAMES[d] for d in sorted({int(v) % 7 for v in values})))
        else:
            out.append(",".join(str(int(v)) for v in values))
    if fields[4] == "*":
        out[4] = "?"
    else:
        out[2] = "?"
    return f"cron({' '.join(out)} *)"


def install(executor: Ec2Executor, schedule: Schedule) -> Schedule:
    """Upload wheels and pipeline, create the schedule; record its ARN in ``details``.

    Raises:
        ScheduleError: No ``scheduler_role_arn`` in the executor's settings.
    """
    from basalt.jobs.ec2 import SCHEDULE_TAG

    role = executor.config.scheduler_role_arn
    if not role:
        raise ScheduleError(
            "an ec2 schedule needs the IAM role EventBridge Scheduler assumes to start instances: "
            "-o scheduler_role_arn=arn:aws:iam::ACCOUNT:role/NAME"
        )
    request = JobRequest(
        pipeline=Path(schedule.pipeline),
        dataset=schedule.dataset,
        universe=schedule.universe,
        workers=schedule.workers,
        assignments=tuple(schedule.assignments),
        timezone=schedule.timezone,
    )
    base = f"{executor.config.prefix.strip('/')}/schedules/{schedule.name}"
    wheels = executor.upload_wheels(executor.wheels())
    pipeline_keys = executor.upload_pipeline(request.pipeline, f"{base}/pipeline")
    script = executor.user_data(
        request, wheels, pipeline_keys, job_id_prefix=schedule.name, relative_date=schedule.date
    )
    args = executor.run_instances_args(
        script, {SCHEDULE_TAG: schedule.name, "Name": f"basalt {schedule.name}"}
    )
    args["UserData"] = base64.b64encode(script.encode()).decode()  # the raw API wants it encoded
    expression = aws_cron(schedule.cron)
    scheduler = executor.client("scheduler")
    answer = scheduler.create_schedule(
        Name=schedule.name,
        GroupName=GROUP,
        ScheduleExpression=expression,
        ScheduleExpressionTimezone=schedule.timezone,
        FlexibleTimeWindow={"Mode": "OFF"},
        State="ENABLED",
        Description=f"basalt: {schedule.dataset} ({request.pipeline.name}) for {schedule.date}",
        Target={"Arn": RUN_INSTANCES_TARGET, "RoleArn": role, "Input": json.dumps(args)},
    )
    details = {
        "arn": answer["ScheduleArn"],
        "group": GROUP,
        "expression": expression,
        "pipeline_key": pipeline_keys[0],
        "wheels": [key for key, _ in wheels],
        "jobs_prefix": f"s3://{executor.config.bucket}/{executor.config.prefix.strip('/')}/jobs/{schedule.name}-…",
    }
    return schedule.model_copy(update={"details": details})


def state(executor: Ec2Executor, schedule: Schedule) -> str:
    """The schedule's state in EventBridge Scheduler (``ENABLED``…), or ``missing``."""
    scheduler = executor.client("scheduler")
    try:
        found = scheduler.get_schedule(Name=schedule.name, GroupName=schedule.details.get("group", GROUP))
    except scheduler.exceptions.ResourceNotFoundException:
        return "missing"
    return str(found.get("State", "unknown"))


def uninstall(executor: Ec2Executor, schedule: Schedule) -> None:
    """Delete the schedule (already gone is fine)."""
    scheduler = executor.client("scheduler")
    with contextlib.suppress(scheduler.exceptions.ResourceNotFoundException):
        scheduler.delete_schedule(Name=schedule.name, GroupName=schedule.details.get("group", GROUP))


__all__ = ["RUN_INSTANCES_TARGET", "aws_cron", "install", "state", "uninstall"]
