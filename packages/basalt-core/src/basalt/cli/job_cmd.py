"""``basalt job …``: run pipelines detached or remotely (executors), and on schedules."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table as RichTable

from basalt.cli.context import console, error_console, plugin_manager, print_json
from basalt.jobs.base import Executor, JobRequest, JobStatus, JobStore
from basalt.jobs.dates import resolve_date, zone
from basalt.jobs.errors import JobConfigError, JobError, ScheduleError
from basalt.jobs.schedules import Schedule, ScheduleStore, next_fire_times

app = typer.Typer(
    name="job", help="Run pipelines as detached or remote jobs, and on schedules.", no_args_is_help=True
)
schedules_app = typer.Typer(
    name="schedules", help="Installed schedules: list, uninstall.", no_args_is_help=True
)
app.add_typer(schedules_app)

PipelineOption = Annotated[Path, typer.Option("--pipeline", "-p", help="Pipeline file (.yaml or .py).")]
ExecutorOption = Annotated[str, typer.Option("--executor", "-e", help="Executor: local, ec2 or a plugin's.")]
ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", help="YAML file of the executor's settings (see `basalt job executors`)."),
]
SettingOption = Annotated[
    list[str] | None,
    typer.Option("--option", "-o", help="One executor setting, KEY=VALUE (YAML value); repeatable."),
]
JobsDirOption = Annotated[Path, typer.Option(help="Folder of job records.")]
StateDirOption = Annotated[Path, typer.Option(help="Run ledger folder (local executor).")]
TimezoneOption = Annotated[
    str, typer.Option("--timezone", "--tz", help="IANA timezone of relative dates and of the schedule.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
UniverseOption = Annotated[str | None, typer.Option(help="Universe, e.g. 'mic=XLON;tickers=VOD,BARC'.")]
WorkersOption = Annotated[int | None, typer.Option(min=1, help="Worker processes (NUM_WORKERS).")]
SetOption = Annotated[list[str] | None, typer.Option("--set", help="Override any pipeline key; repeatable.")]
DEFAULT_JOBS_DIR = Path(".basalt/jobs")


def _settings(config_file: Path | None, options: list[str] | None) -> dict[str, Any]:
    """Executor settings from ``--config FILE`` then ``-o KEY=VALUE`` (values read as YAML)."""
    import yaml

    settings: dict[str, Any] = {}
    if config_file is not None:
        loaded = yaml.safe_load(config_file.read_text()) or {}
        if not isinstance(loaded, dict):
            raise JobConfigError(f"{config_file}: executor settings must be a mapping of KEY: VALUE")
        settings.update(loaded)
    for option in options or []:
        key, sep, value = option.partition("=")
        if not sep or not key.strip():
            raise JobConfigError(f"-o {option!r}: expected KEY=VALUE")
        settings[key.strip()] = yaml.safe_load(value) if value else ""
    return settings


def _executor(ctx: typer.Context, name: str, settings: dict[str, Any], store: JobStore) -> Executor:
    cls = plugin_manager(ctx).executors()[name]
    return cls.from_settings(settings, store)


def _print_status(status: JobStatus, as_json: bool) -> None:
    if as_json:
        print_json(status.to_dict())
        return
    colour = {"succeeded": "green", "failed": "red", "terminated": "red", "cancelled": "yellow"}.get(
        status.state, "cyan"
    )
    progress = (
        f" ({status.batches_done}/{status.batches_total} batches)" if status.batches_total is not None else ""
    )
    run = f", run {status.run_id}" if status.run_id else ""
    console().print(
        f"job {escape(status.job_id)}: [{colour}]{status.state}[/]{progress}{escape(run)}: "
        f"{escape(status.detail)}",
        highlight=False,
    )


def _wait(executor: Executor, store: JobStore, job_id: str, timeout: float | None = None) -> JobStatus:
    record = store.load(job_id)
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        status = executor.status(record)
        if status.finished or (deadline is not None and time.monotonic() > deadline):
            return status
        time.sleep(1.0)


def _dates(day: str | None, start: str | None, end: str | None, timezone: str) -> tuple[Any, Any]:
    if day is not None and (start is not None or end is not None):
        raise typer.BadParameter(
            "--date is one day: give it alone, or --start-date/--end-date", param_hint="--date"
        )
    if day is not None:
        resolved = resolve_date(day, timezone)
        return resolved, resolved
    return (
        resolve_date(start, timezone) if start else None,
        resolve_date(end, timezone) if end else None,
    )


@app.command("run")
def run(
    ctx: typer.Context,
    pipeline: PipelineOption,
    executor_name: ExecutorOption = "local",
    config_file: ConfigOption = None,
    options: SettingOption = None,
    day: Annotated[
        str | None, typer.Option("--date", help="One date: YYYY-MM-DD, today, yesterday, today-N.")
    ] = None,
    start: Annotated[str | None, typer.Option("--start-date", help="First date (as --date).")] = None,
    end: Annotated[str | None, typer.Option("--end-date", help="Last date (as --date).")] = None,
    timezone: TimezoneOption = "UTC",
    universe: UniverseOption = None,
    workers: WorkersOption = None,
    assignments: SetOption = None,
    state_dir: StateDirOption = Path(".basalt"),
    jobs_dir: JobsDirOption = DEFAULT_JOBS_DIR,
    wait: Annotated[
        bool, typer.Option(help="Wait for the job to finish; exit 1 unless it succeeded.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Start a pipeline run as a job and print its id (``--wait``: and wait for it)."""
    from basalt.engine.checks import empty_range_problem
    from basalt.engine.loader import load_pipeline

    zone(timezone)
    first, last = _dates(day, start, end, timezone)
    store = JobStore(jobs_dir)
    executor = _executor(ctx, executor_name, _settings(config_file, options), store)
    path = pipeline.resolve()
    request = JobRequest(
        pipeline=path,
        dataset="",
        start=first,
        end=last,
        universe=universe,
        workers=workers,
        assignments=tuple(assignments or ()),
        state_dir=state_dir.resolve(),
        timezone=timezone,
    )
    loaded = load_pipeline(path, overrides=request.overrides(), assignments=list(request.assignments))
    executor.check(loaded, plugin_manager(ctx))
    empty = empty_range_problem(loaded.config)
    if empty:
        raise JobError(f"{empty}; nothing to run")
    request = JobRequest(**{**request.__dict__, "dataset": loaded.config.DATASETNAME})
    record = executor.submit(request)
    if as_json and not wait:
        print_json(record.to_dict())
        return
    if not as_json:
        console().print(
            f"Started job [bold]{escape(record.job_id)}[/] ({escape(executor_name)}). "
            f"basalt job status {escape(record.job_id)} --jobs-dir {escape(str(jobs_dir))}",
            highlight=False,
        )
    if wait:
        status = _wait(executor, store, record.job_id)
        _print_status(status, as_json)
        if status.state != "succeeded":
            raise typer.Exit(1)


def _record_executor(ctx: typer.Context, store: JobStore, job_id: str) -> tuple[Any, Executor]:
    record = store.load(job_id)
    return record, _executor(ctx, record.executor, record.config, store)


@app.command("status")
def status(
    ctx: typer.Context,
    job_id: Annotated[str, typer.Argument(help="Job id ('last': the newest).")],
    jobs_dir: JobsDirOption = DEFAULT_JOBS_DIR,
    as_json: JsonOption = False,
) -> None:
    """What a job is doing: starting, running (batches done), succeeded, failed, cancelled, terminated."""
    store = JobStore(jobs_dir)
    record, executor = _record_executor(ctx, store, job_id)
    _print_status(executor.status(record), as_json)


@app.command("list")
def list_jobs(
    ctx: typer.Context,
    jobs_dir: JobsDirOption = DEFAULT_JOBS_DIR,
    limit: Annotated[int, typer.Option(min=1, help="Newest N jobs.")] = 20,
    as_json: JsonOption = False,
) -> None:
    """Recent jobs with their executor and status."""
    store = JobStore(jobs_dir)
    rows = []
    for job_id in store.ids()[-limit:]:
        record, executor = _record_executor(ctx, store, job_id)
        rows.append((record, executor.status(record)))
    if as_json:
        print_json([{**record.to_dict(), "status": st.to_dict()} for record, st in rows])
        return
    table = RichTable(title=f"Jobs in {jobs_dir}")
    for column in ("job", "executor", "pipeline", "created", "state", "detail"):
        table.add_column(column, overflow="fold")
    for record, st in rows:
        cells = (
            record.job_id,
            record.executor,
            record.request.pipeline.name,
            record.created,
            st.state,
            st.detail,
        )
        table.add_row(*map(escape, cells))
    console().print(table)


@app.command("logs")
def logs(
    ctx: typer.Context,
    job_id: Annotated[str, typer.Argument(help="Job id ('last': the newest).")],
    jobs_dir: JobsDirOption = DEFAULT_JOBS_DIR,
    tail: Annotated[int | None, typer.Option(min=1, help="Only the last N lines.")] = None,
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep printing until the job finishes.")
    ] = False,
) -> None:
    """A job's log (local: its log file; ec2: the log the instance uploads to S3)."""
    store = JobStore(jobs_dir)
    record, executor = _record_executor(ctx, store, job_id)
    text = executor.logs(record)
    shown = "\n".join(text.splitlines()[-tail:]) + ("\n" if text else "") if tail else text
    sys.stdout.write(shown)
    sys.stdout.flush()
    while follow and not executor.status(record).finished:
        time.sleep(1.0)
        newer = executor.logs(record)
        if len(newer) > len(text) and newer.startswith(text):
            sys.stdout.write(newer[len(text) :])
            sys.stdout.flush()
        text = newer
    if follow:
        newer = executor.logs(record)
        if newer.startswith(text):
            sys.stdout.write(newer[len(text) :])


@app.command("cancel")
def cancel(
    ctx: typer.Context,
    job_id: Annotated[str, typer.Argument(help="Job id ('last': the newest).")],
    jobs_dir: JobsDirOption = DEFAULT_JOBS_DIR,
    wait: Annotated[float, typer.Option(min=0, help="Seconds to wait for the job to stop.")] = 30.0,
    as_json: JsonOption = False,
) -> None:
    """Stop a job (local: SIGTERM, the run keeps its commits and can resume; ec2: terminate the instance)."""
    store = JobStore(jobs_dir)
    record, executor = _record_executor(ctx, store, job_id)
    current = executor.cancel(record)
    if not current.finished and wait:
        current = _wait(executor, store, job_id, timeout=wait)
    _print_status(current, as_json)


@app.command("executors")
def executors(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Installed executors and their settings."""
    registry = plugin_manager(ctx).executors(strict=False)
    described: dict[str, dict[str, Any]] = {
        name: {
            "summary": cls.describe(),
            "plugin": registry.owner(name).name,
            "settings": {
                key: {"description": field.description or "", "required": field.is_required()}
                for key, field in cls.Config.model_fields.items()
            },
        }
        for name, cls in registry.items()
    }
    if as_json:
        print_json(described)
        return
    out = console()
    for name, info in described.items():
        out.print(
            f"[bold]{escape(name)}[/] ({escape(info['plugin'])}): {escape(info['summary'])}", highlight=False
        )
        for key, setting in info["settings"].items():
            need = " (required)" if setting["required"] else ""
            out.print(f"  {escape(key)}{need}: {escape(setting['description'])}", highlight=False)


@app.command("install")
def install(
    ctx: typer.Context,
    pipeline: PipelineOption,
    cron: Annotated[str, typer.Option("--schedule", help="Cron expression, five fields: '30 6 * * 1-5'.")],
    timezone: TimezoneOption = "UTC",
    executor_name: ExecutorOption = "local",
    name: Annotated[str | None, typer.Option(help="Schedule name (default: the dataset's name).")] = None,
    day: Annotated[
        str, typer.Option("--date", help="Date each firing runs: yesterday, today, today-N.")
    ] = "yesterday",
    config_file: ConfigOption = None,
    options: SettingOption = None,
    out: Annotated[Path | None, typer.Option(help="local: folder for the crontab / systemd files.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="local: crontab or systemd.")] = "crontab",
    universe: UniverseOption = None,
    workers: WorkersOption = None,
    assignments: SetOption = None,
    state_dir: StateDirOption = Path(".basalt"),
    jobs_dir: JobsDirOption = DEFAULT_JOBS_DIR,
    replace: Annotated[bool, typer.Option(help="Replace an installed schedule of the same name.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Run a pipeline on a cron timetable in a timezone.

    local: a crontab line or systemd timer/service files in --out; ec2: an EventBridge Scheduler schedule.
    """
    from pydantic import ValidationError

    from basalt.engine.loader import load_pipeline

    settings = _settings(config_file, options)
    jobs = JobStore(jobs_dir)
    executor = _executor(ctx, executor_name, settings, jobs)
    path = pipeline.resolve()
    loaded = load_pipeline(path, assignments=list(assignments or ()))
    executor.check(loaded, plugin_manager(ctx))
    schedules = ScheduleStore(jobs_dir)
    try:
        schedule = Schedule(
            name=name or loaded.config.DATASETNAME,
            executor=executor_name,
            cron=cron,
            timezone=timezone,
            pipeline=str(path),
            dataset=loaded.config.DATASETNAME,
            date=day,
            universe=universe,
            workers=workers,
            assignments=list(assignments or ()),
            state_dir=str(state_dir.resolve()),
            jobs_dir=str(jobs_dir.resolve()),
            config=executor.config.model_dump(mode="json"),
            options={"dir": str(out.resolve()) if out else "", "format": fmt, "cwd": str(Path.cwd())},
        )
    except ValidationError as exc:
        raise ScheduleError(
            "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        ) from None
    if schedules.exists(schedule.name):
        if not replace:
            raise JobConfigError(
                f"a schedule named {schedule.name!r} is installed: --replace it, or choose --name"
            )
        previous = schedules.load(schedule.name)
        _executor(ctx, previous.executor, previous.config, jobs).uninstall_schedule(previous)
    installed = executor.install_schedule(schedule)
    schedules.save(installed)
    if as_json:
        print_json(installed.model_dump(mode="json"))
        return
    fires = ", ".join(t.strftime("%a %Y-%m-%d %H:%M %Z") for t in next_fire_times(schedule.cron, timezone, 3))
    out_console = console()
    out_console.print(
        f"Installed schedule [bold]{escape(schedule.name)}[/] ({escape(executor_name)}): "
        f"next {escape(fires)}",
        highlight=False,
    )
    for key, value in installed.details.items():
        out_console.print(
            f"  {escape(key)}: {escape(json.dumps(value) if not isinstance(value, str) else value)}",
            highlight=False,
        )


@schedules_app.command("list")
def list_schedules(
    ctx: typer.Context,
    jobs_dir: JobsDirOption = DEFAULT_JOBS_DIR,
    count: Annotated[int, typer.Option(min=1, help="Next fire times shown per schedule.")] = 3,
    check: Annotated[
        bool, typer.Option(help="Ask each executor whether the schedule is still in place.")
    ] = True,
    as_json: JsonOption = False,
) -> None:
    """Installed schedules with their next fire times in each schedule's timezone."""
    jobs = JobStore(jobs_dir)
    rows = []
    for schedule in ScheduleStore(jobs_dir).all():
        fires = next_fire_times(schedule.cron, schedule.timezone, count)
        state = (
            _executor(ctx, schedule.executor, schedule.config, jobs).schedule_state(schedule) if check else ""
        )
        rows.append((schedule, fires, state))
    if as_json:
        print_json(
            [
                {**s.model_dump(mode="json"), "next": [t.isoformat() for t in fires], "state": state}
                for s, fires, state in rows
            ]
        )
        return
    if not rows:
        console().print(f"No schedules in {escape(str(jobs_dir))}.")
        return
    table = RichTable(title="Basalt schedules")
    for column in ("name", "executor", "cron", "timezone", "date", "pipeline", "state", "next fire times"):
        table.add_column(column, overflow="fold")
    for s, fires, state in rows:
        times = "\n".join(t.strftime("%a %Y-%m-%d %H:%M %Z") for t in fires)
        cells = (s.name, s.executor, s.cron, s.timezone, s.date, Path(s.pipeline).name, state, times)
        table.add_row(*map(escape, cells))
    console().print(table)


@schedules_app.command("uninstall")
def uninstall(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Schedule name.")],
    jobs_dir: JobsDirOption = DEFAULT_JOBS_DIR,
) -> None:
    """Remove a schedule (local: delete its files; ec2: delete the EventBridge schedule)."""
    schedules = ScheduleStore(jobs_dir)
    schedule = schedules.load(name)
    _executor(ctx, schedule.executor, schedule.config, JobStore(jobs_dir)).uninstall_schedule(schedule)
    schedules.delete(name)
    error_console().print(f"Uninstalled schedule {escape(name)}.", highlight=False)
