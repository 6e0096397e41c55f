"""Schedules: cron validation, next fire times across DST (hand-computed), relative dates in a
timezone, local crontab/systemd files and an EventBridge Scheduler schedule on moto's server."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from typer.testing import CliRunner

from basalt.cli import build_app
from basalt.jobs.dates import resolve_date
from basalt.jobs.ec2_schedule import RUN_INSTANCES_TARGET, aws_cron
from basalt.jobs.errors import ScheduleError
from basalt.jobs.local_schedule import on_calendar
from basalt.jobs.schedules import next_fire_times, validate_cron
from basalt.plugins.manager import PluginManager

LONDON, NEW_YORK = "Europe/London", "America/New_York"


def _utc(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=UTC)  # type: ignore[misc]


def _instants(times: list[datetime]) -> list[datetime]:
    # In UTC: PEP 495 makes == between zones False for a time in a repeated hour.
    return [t.astimezone(UTC) for t in times]


# -- next fire times: expected instants worked out by hand from the zones' rules ----------------
# London: BST from 01:00 UTC on Sunday 2026-03-29 (UTC+1) until 01:00 UTC on Sunday 2026-10-25.
# New York: EDT (UTC-4) until 06:00 UTC on Sunday 2026-11-01, then EST (UTC-5).


def test_weekday_mornings_in_london_across_the_spring_change() -> None:
    fires = next_fire_times("0 6 * * 1-5", LONDON, 4, after=_utc(2026, 3, 26, 12))
    # Fri 27 Mar 06:00 GMT, then Mon 30, Tue 31 Mar and Wed 1 Apr at 06:00 BST = 05:00 UTC.
    assert _instants(fires) == [
        _utc(2026, 3, 27, 6),
        _utc(2026, 3, 30, 5),
        _utc(2026, 3, 31, 5),
        _utc(2026, 4, 1, 5),
    ]
    assert [(f.hour, f.utcoffset()) for f in fires] == [(6, timedelta(0))] + [(6, timedelta(hours=1))] * 3
    assert all(str(f.tzinfo) == LONDON for f in fires)


def test_new_york_across_the_autumn_change_fires_a_repeated_time_once() -> None:
    # 01:30 happens twice on 1 Nov (EDT, then EST): the schedule fires at the first, 05:30 UTC.
    fires = next_fire_times("30 1 * * *", NEW_YORK, 3, after=_utc(2026, 10, 31, 12))
    assert _instants(fires) == [_utc(2026, 11, 1, 5, 30), _utc(2026, 11, 2, 6, 30), _utc(2026, 11, 3, 6, 30)]
    assert [f.strftime("%H:%M %Z") for f in fires] == ["01:30 EDT", "01:30 EST", "01:30 EST"]


def test_a_time_skipped_by_the_spring_change_fires_an_hour_later() -> None:
    # London has no 01:30 on 29 Mar 2026: that firing happens at 02:30 BST (01:30 UTC).
    fires = next_fire_times("30 1 * * *", LONDON, 3, after=_utc(2026, 3, 28, 12))
    assert _instants(fires) == [_utc(2026, 3, 29, 1, 30), _utc(2026, 3, 30, 0, 30), _utc(2026, 3, 31, 0, 30)]


@pytest.mark.parametrize(
    ("cron", "problem"),
    [
        ("0 6 * *", "has 4 fields"),
        ("0 6 * * * 2026", "has 6 fields"),
        ("61 6 * * *", "invalid cron expression"),
        ("0 6 * * mon-xyz", "invalid cron expression"),
    ],
)
def test_bad_cron_expressions_are_refused(cron: str, problem: str) -> None:
    with pytest.raises(ScheduleError, match=problem):
        validate_cron(cron)


# -- relative dates ---------------------------------------------------------------------------


def test_yesterday_and_today_resolve_in_the_given_timezone() -> None:
    instant = _utc(2026, 1, 5, 20)  # 09:00 on 6 Jan in Auckland (UTC+13), 12:00 on 5 Jan in Los Angeles
    assert resolve_date("today", "Pacific/Auckland", now=instant) == date(2026, 1, 6)
    assert resolve_date("yesterday", "Pacific/Auckland", now=instant) == date(2026, 1, 5)
    assert resolve_date("yesterday", "UTC", now=instant) == date(2026, 1, 4)
    assert resolve_date("yesterday", "America/Los_Angeles", now=_utc(2026, 1, 5, 3)) == date(2026, 1, 3)
    assert resolve_date("today-3", "UTC", now=instant) == date(2026, 1, 2)
    assert resolve_date("2026-02-03", "UTC", now=instant) == date(2026, 2, 3)
    with pytest.raises(ScheduleError, match="neither YYYY-MM-DD"):
        resolve_date("tomorrow", "UTC", now=instant)
    with pytest.raises(ScheduleError, match="unknown timezone"):
        resolve_date("today", "Mars/Olympus", now=instant)


def test_the_date_command_scripts_use_ignores_the_machine_clock_zone() -> None:
    # The ec2 instance script resolves its date with this command; the machine's TZ must not matter.
    env = {**os.environ, "TZ": "Pacific/Kiritimati"}  # UTC+14
    out = subprocess.run(
        [sys.executable, "-m", "basalt.jobs.dates", "yesterday", "--timezone", "Pacific/Pago_Pago"],  # UTC-11
        env=env, capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    expected = {  # the instant may cross midnight between the two reads: accept either side
        (datetime.now(ZoneInfo("Pacific/Pago_Pago")) - timedelta(days=days)).date().isoformat()
        for days in (1, 2)
    }
    assert out in expected


# -- local schedules: crontab and systemd files in a chosen folder -------------------------------


def _cli(jobs: Path, *args: str, manager: PluginManager | None = None) -> Any:
    manager = manager or PluginManager()
    runner = CliRunner(env={"COLUMNS": "250"})
    return runner.invoke(build_app(manager), [*args, "--jobs-dir", str(jobs)], obj=manager)


def test_a_crontab_schedule_is_written_listed_and_uninstalled(jobs_env: dict[str, Path]) -> None:
    manager = PluginManager()
    out = jobs_env["root"] / "cron"
    installed = _cli(
        jobs_env["jobs"], "job", "install", "-p", str(jobs_env["pipeline"]), "--schedule", "30 6 * * 1-5",
        "--timezone", LONDON, "--executor", "local", "--out", str(out), "--state-dir", str(jobs_env["state"]),
        manager=manager,
    )  # fmt: skip
    assert installed.exit_code == 0, installed.output
    crontab = (out / "basalt-jobsbars.crontab").read_text().splitlines()
    assert crontab[1] == f"CRON_TZ={LONDON}"
    line = crontab[2]
    assert line.startswith("30 6 * * 1-5 cd ")
    assert f"-m basalt job run -p {jobs_env['pipeline']} --executor local --date yesterday" in line
    assert f"--timezone {LONDON} --wait --state-dir {jobs_env['state']}" in line
    listed = json.loads(_cli(jobs_env["jobs"], "job", "schedules", "list", "--json", manager=manager).output)
    (schedule,) = listed
    assert schedule["state"] == "installed"
    fires = [datetime.fromisoformat(t) for t in schedule["next"]]
    assert all((f.hour, f.minute, f.weekday() < 5) == (6, 30, True) for f in fires)
    assert all(f.utcoffset() in (timedelta(0), timedelta(hours=1)) for f in fires)  # GMT or BST
    table = _cli(jobs_env["jobs"], "job", "schedules", "list", manager=manager).output
    assert "06:30" in table
    assert LONDON in table
    again = _cli(
        jobs_env["jobs"], "job", "install", "-p", str(jobs_env["pipeline"]), "--schedule", "0 7 * * *",
        "--out", str(out), manager=manager,
    )  # fmt: skip
    assert again.exit_code == 2
    assert "--replace" in again.output
    removed = _cli(jobs_env["jobs"], "job", "schedules", "uninstall", "jobsbars", manager=manager)
    assert removed.exit_code == 0
    assert not (out / "basalt-jobsbars.crontab").exists()
    assert (
        json.loads(_cli(jobs_env["jobs"], "job", "schedules", "list", "--json", manager=manager).output) == []
    )


def test_the_crontab_line_runs_a_job_in_a_bare_environment(jobs_env: dict[str, Path]) -> None:
    # The written line, run as cron runs it (sh -c, an almost empty environment), runs the job:
    # the executor's env settings carry what the job needs (here the test plugin's folder).
    days_ago = (datetime.now(ZoneInfo(LONDON)).date() - date(2026, 1, 6)).days  # a day the lake has
    out = jobs_env["root"] / "cron"
    env = f"{{PYTHONPATH: '{jobs_env['site']}', BASALT_TEST_CONTROL: '{jobs_env['control']}'}}"
    installed = _cli(
        jobs_env["jobs"], "job", "install", "-p", str(jobs_env["pipeline"]), "--schedule", "0 1 * * *",
        "--timezone", LONDON, "--date", f"today-{days_ago}", "--out", str(out), "-o", f"env={env}",
        "--state-dir", str(jobs_env["state"]), "--name", "runnable",
    )  # fmt: skip
    assert installed.exit_code == 0, installed.output
    line = (out / "basalt-runnable.crontab").read_text().splitlines()[2]
    command = line.split(" ", 5)[5]
    bare = {"PATH": "/usr/bin:/bin", "HOME": str(jobs_env["root"])}
    bare.update({k: v for k, v in os.environ.items() if k == "PYTHONDONTWRITEBYTECODE"})  # the sandbox's own
    ran = subprocess.run(["sh", "-c", command], env=bare, capture_output=True, text=True, timeout=120)
    cron_log = jobs_env["jobs"] / "schedules" / "runnable.cron.log"
    assert ran.returncode == 0, cron_log.read_text() if cron_log.exists() else ran.stderr
    assert "succeeded" in cron_log.read_text()
    listed = json.loads(_cli(jobs_env["jobs"], "job", "list", "--json").output)
    assert [j["status"]["state"] for j in listed] == ["succeeded"]
    assert (listed[0]["request"]["start"], listed[0]["request"]["end"]) == ("2026-01-06", "2026-01-06")
    written = pl.read_parquet(sorted(jobs_env["out"].rglob("*.parquet")))
    assert written["Date"].unique().to_list() == [date(2026, 1, 6)]


def test_a_systemd_timer_says_the_cron_expression_in_the_timezone(jobs_env: dict[str, Path]) -> None:
    out = jobs_env["root"] / "units"
    result = _cli(
        jobs_env["jobs"], "job", "install", "-p", str(jobs_env["pipeline"]), "--schedule", "*/20 6 * * 1-5",
        "--timezone", NEW_YORK, "--format", "systemd", "--out", str(out), "--name", "nightly",
        manager=PluginManager(),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    timer = (out / "basalt-nightly.timer").read_text()
    calendar = "Mon,Tue,Wed,Thu,Fri *-*-* 06:00,20,40:00 America/New_York"
    assert f"OnCalendar={calendar}\n" in timer
    assert "Unit=basalt-nightly.service" in timer
    service = (out / "basalt-nightly.service").read_text()
    assert "Type=oneshot" in service
    assert "--date yesterday --timezone America/New_York --wait" in service
    if shutil.which("systemd-analyze"):  # systemd itself parses the calendar expression
        check = subprocess.run(["systemd-analyze", "calendar", calendar], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        assert "Normalized form: Mon..Fri *-*-* 06:00,20,40:00 America/New_York" in check.stdout


def test_systemd_cannot_say_either_day_of_month_or_day_of_week() -> None:
    assert on_calendar("0 2 1,15 * *", "UTC") == "*-*-01,15 02:00:00 UTC"
    assert on_calendar("0 0 * 1-3 0", LONDON) == f"Sun *-01,02,03-* 00:00:00 {LONDON}"
    with pytest.raises(ScheduleError, match="either matches"):
        on_calendar("0 2 1 * 1", "UTC")


def test_bad_schedules_are_refused_with_a_clear_message(jobs_env: dict[str, Path]) -> None:
    base = ["job", "install", "-p", str(jobs_env["pipeline"]), "--out", str(jobs_env["root"] / "x")]
    bad_cron = _cli(jobs_env["jobs"], *base, "--schedule", "0 25 * * *")
    assert bad_cron.exit_code == 2
    assert "invalid cron expression '0 25 * * *'" in bad_cron.output
    bad_zone = _cli(jobs_env["jobs"], *base, "--schedule", "0 6 * * *", "--timezone", "Europe/Londres")
    assert bad_zone.exit_code == 2
    assert "unknown timezone 'Europe/Londres'" in bad_zone.output
    no_folder = _cli(
        jobs_env["jobs"], "job", "install", "-p", str(jobs_env["pipeline"]), "--schedule", "0 6 * * *"
    )
    assert no_folder.exit_code == 2
    assert "--out DIR" in no_folder.output
    assert not (jobs_env["root"] / "x").exists()


# -- ec2: an EventBridge Scheduler schedule on moto's server -------------------------------------


def test_aws_cron_names_days_and_puts_a_question_mark() -> None:
    assert aws_cron("30 6 * * 1-5") == "cron(30 6 ? * MON,TUE,WED,THU,FRI *)"
    assert aws_cron("0 2 1,15 * *") == "cron(0 2 1,15 * ? *)"
    assert aws_cron("*/15 9-11 * * *") == "cron(0,15,30,45 9,10,11 * * ? *)"
    assert aws_cron("0 0 * * 7") == "cron(0 0 ? * SUN *)"
    with pytest.raises(ScheduleError, match="accepts one"):
        aws_cron("0 2 1 * 1")


@pytest.mark.slow  # builds the core's wheel
def test_an_ec2_schedule_is_created_in_eventbridge_scheduler(
    jobs_env: dict[str, Path], basalt_s3_server: Any, monkeypatch: pytest.MonkeyPatch, pipeline_writer: Any
) -> None:
    import boto3

    for name, value in {
        "AWS_ENDPOINT_URL": basalt_s3_server.endpoint_url,
        "AWS_ACCESS_KEY_ID": basalt_s3_server.access_key_id,
        "AWS_SECRET_ACCESS_KEY": basalt_s3_server.secret_access_key,
        "AWS_DEFAULT_REGION": basalt_s3_server.region,
    }.items():
        monkeypatch.setenv(name, value)
    boto3.client("s3").create_bucket(Bucket="schedules-bucket")
    source = {"type": "s3", "url": "s3://some-lake/lake"}
    pipeline = pipeline_writer(jobs_env["root"] / "nightly.yaml", source, "out", dataset="nightlybars")
    role = "arn:aws:iam::123456789012:role/basalt-scheduler"
    options = ["-o", "bucket=schedules-bucket", "-o", "image_id=ami-12c6146b", "-o", "packages=[basalt-core]"]
    manager = PluginManager()
    missing_role = _cli(
        jobs_env["jobs"], "job", "install", "-p", str(pipeline), "-e", "ec2", "--schedule", "0 6 * * 1-5",
        *options,
        manager=manager,
    )  # fmt: skip
    assert missing_role.exit_code == 2
    assert "scheduler_role_arn" in missing_role.output
    result = _cli(
        jobs_env["jobs"], "job", "install", "-p", str(pipeline), "-e", "ec2", "--schedule", "0 6 * * 1-5",
        "--timezone", NEW_YORK, *options, "-o", f"scheduler_role_arn={role}", manager=manager,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    scheduler = boto3.client("scheduler")
    found = scheduler.get_schedule(Name="nightlybars")
    assert found["ScheduleExpression"] == "cron(0 6 ? * MON,TUE,WED,THU,FRI *)"
    assert found["ScheduleExpressionTimezone"] == NEW_YORK
    assert found["Target"]["Arn"] == RUN_INSTANCES_TARGET
    assert found["Target"]["RoleArn"] == role
    request = json.loads(found["Target"]["Input"])
    assert request["ImageId"] == "ami-12c6146b"
    assert request["InstanceInitiatedShutdownBehavior"] == "terminate"
    tags = request["TagSpecifications"][0]["Tags"]
    assert {"Key": "basalt:schedule", "Value": "nightlybars"} in tags
    script = base64.b64decode(request["UserData"]).decode()
    assert "-m basalt.jobs.dates yesterday --timezone America/New_York" in script
    assert 'export BASALT_JOB_ID="${BASALT_JOB_ID:-nightlybars-' in script
    assert "--start-date" not in script  # the dates are decided when the schedule fires
    (wheel_key,) = json.loads(
        _cli(jobs_env["jobs"], "job", "schedules", "list", "--json", manager=manager).output
    )[0]["details"]["wheels"]
    assert f"{wheel_key}=" in script
    listed = json.loads(_cli(jobs_env["jobs"], "job", "schedules", "list", "--json", manager=manager).output)
    assert listed[0]["state"] == "ENABLED"
    fires = [datetime.fromisoformat(t) for t in listed[0]["next"]]
    assert all(
        (f.hour, f.minute, f.utcoffset()) in {(6, 0, timedelta(hours=-5)), (6, 0, timedelta(hours=-4))}
        for f in fires
    )
    removed = _cli(jobs_env["jobs"], "job", "schedules", "uninstall", "nightlybars", manager=manager)
    assert removed.exit_code == 0
    with pytest.raises(scheduler.exceptions.ResourceNotFoundException):
        scheduler.get_schedule(Name="nightlybars")


class _Recorder:
    """A plugin whose executor only records what it was asked to run."""

    @staticmethod
    def executor() -> type:
        from basalt.jobs.base import Executor, JobRecord, JobRequest, JobStatus, new_job_id

        class RecordingExecutor(Executor):
            """Saves the job record and runs nothing."""

            NAME = "recording"

            def submit(self, request: JobRequest) -> JobRecord:
                record = JobRecord(new_job_id(request.dataset), self.NAME, request)
                self.store.save(record)
                return record

            def status(self, record: JobRecord) -> JobStatus:
                return JobStatus(job_id=record.job_id, state="succeeded")

            def logs(self, record: JobRecord) -> str:
                return ""

            def cancel(self, record: JobRecord) -> JobStatus:
                return self.status(record)

        return RecordingExecutor


def test_job_run_resolves_relative_dates_in_its_timezone(jobs_env: dict[str, Path]) -> None:
    from basalt import hookimpl

    plugin = type(
        "RecorderPlugin",
        (),
        {"basalt_register_executors": staticmethod(hookimpl(lambda: [_Recorder.executor()]))},
    )
    manager = PluginManager(plugins={"recorder": plugin})
    zone = "Pacific/Kiritimati"  # UTC+14: its date differs from UTC's for ten hours a day
    result = _cli(
        jobs_env["jobs"], "job", "run", "-p", str(jobs_env["pipeline"]), "-e", "recording",
        "--start-date", "today-7", "--end-date", "yesterday", "--timezone", zone, "--json", manager=manager,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    request = json.loads(result.output)["request"]
    today = {
        datetime.now(ZoneInfo(zone)).date() - timedelta(days=d) for d in (0, 1)
    }  # around midnight: either
    start, end = date.fromisoformat(request["start"]), date.fromisoformat(request["end"])
    assert end - start == timedelta(days=6)
    assert end + timedelta(days=1) in today
    assert request["timezone"] == zone
