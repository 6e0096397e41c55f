"""Local schedules: a crontab line, or a systemd timer/service pair, written to a folder.

Nothing is installed into the machine's crontab or systemd: the files are written to the folder
the user chooses (``basalt job install --out DIR``) and the install command prints how to
activate them (``crontab -l | cat - FILE | crontab -``, or copy the units to
``~/.config/systemd/user/`` and ``systemctl --user enable --now basalt-NAME.timer``).

* crontab: ``CRON_TZ=Zone`` followed by the line (cronie honours ``CRON_TZ``; Debian's cron
  does not: there, use systemd, or a machine clock in the schedule's zone).
* systemd: ``OnCalendar=`` is the cron expression translated field by field (each field
  expanded to its list of values by croniter) with the timezone appended, e.g.
  ``Mon,Tue,Wed,Thu,Fri *-*-* 06:30:00 Europe/London``. A cron expression restricting both
  day-of-month and day-of-week (cron runs when *either* matches; systemd needs both) is refused.

Each firing runs ``basalt job run --executor local --wait`` for the schedule's relative date
in its timezone, so every firing is a job with a record, a log and a status.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import TYPE_CHECKING

from basalt.jobs.errors import ScheduleError

if TYPE_CHECKING:  # pragma: no cover - typing only
    from basalt.jobs.local import LocalExecutorConfig
    from basalt.jobs.schedules import Schedule

FORMATS = ("crontab", "systemd")
DAY_NAMES = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")


def job_command(schedule: Schedule, python: str) -> list[str]:
    """The command each firing runs."""
    command = [python, "-m", "basalt", "job", "run", "-p", schedule.pipeline, "--executor", "local"]
    command += ["--date", schedule.date, "--timezone", schedule.timezone, "--wait"]
    command += ["--state-dir", schedule.state_dir, "--jobs-dir", schedule.jobs_dir]
    if schedule.universe:
        command += ["--universe", schedule.universe]
    if schedule.workers:
        command += ["--workers", str(schedule.workers)]
    for assignment in schedule.assignments:
        command += ["--set", assignment]
    return command


def on_calendar(cron: str, timezone: str) -> str:
    """systemd's ``OnCalendar=`` value for a five-field cron expression in ``timezone``.

    Raises:
        ScheduleError: The expression restricts both day-of-month and day-of-week, or uses
            croniter extensions (``L``, ``W``, ``#``) systemd cannot say.
    """
    from croniter import croniter

    fields = cron.split()
    expanded = croniter(cron).expanded
    if fields[2] != "*" and fields[4] != "*":
        raise ScheduleError(
            f"cron {cron!r} restricts both day-of-month and day-of-week (cron fires when either matches, "
            "systemd only when both do): use --format crontab, or split it into two schedules"
        )

    def values(index: int, width: int) -> str:
        if fields[index] == "*":
            return "*"
        items = expanded[index]
        if any(not isinstance(v, int) for v in items):
            raise ScheduleError(
                f"cron field {fields[index]!r} has no systemd equivalent: use --format crontab"
            )
        return ",".join(f"{int(v):0{width}d}" for v in items)

    days = ""
    if fields[4] != "*":
        numbers = expanded[4]
        if any(not isinstance(v, int) for v in numbers):
            raise ScheduleError(f"cron field {fields[4]!r} has no systemd equivalent: use --format crontab")
        days = (
            ",".join(
                DAY_NAMES[int(v) % 7]
                for v in sorted({int(v) % 7 for v in numbers}, key=lambda d: (d == 0, d))
            )
            + " "
        )
    return f"{days}*-{values(3, 2)}-{values(2, 2)} {values(1, 2)}:{values(0, 2)}:00 {timezone}"


def _files(schedule: Schedule, config: LocalExecutorConfig) -> dict[str, str]:
    """File name → content for the schedule's format."""
    fmt = schedule.options.get("format", "crontab")
    command = job_command(schedule, config.python)
    cwd = schedule.options.get("cwd", str(Path.cwd()))
    env = " ".join(f"{k}={shlex.quote(v)}" for k, v in sorted(config.env.items()))
    header = (
        f"basalt schedule {schedule.name}: {schedule.pipeline}, cron '{schedule.cron}' in {schedule.timezone}"
    )
    if fmt == "crontab":
        log = Path(schedule.jobs_dir) / "schedules" / f"{schedule.name}.cron.log"
        line = (
            f"{schedule.cron} cd {shlex.quote(cwd)} && {env + ' ' if env else ''}"
            f"{shlex.join(command)} >> {shlex.quote(str(log))} 2>&1"
        )
        # In a crontab, % ends the command: escape it.
        return {
            f"basalt-{schedule.name}.crontab": (
                f"# {header}\nCRON_TZ={schedule.timezone}\n{line.replace('%', chr(92) + '%')}\n"
            )
        }
    if fmt == "systemd":
        calendar = on_calendar(schedule.cron, schedule.timezone)
        environment = "".join(
            f"Environment={shlex.quote(f'{k}={v}')}\n" for k, v in sorted(config.env.items())
        )
        service = (
            f"# {header}\n[Unit]\nDescription=Basalt schedule {schedule.name} ({schedule.dataset})\n\n"
            f"[Service]\nType=oneshot\nWorkingDirectory={cwd}\n{environment}"
            f"ExecStart={shlex.join(command).replace('%', '%%')}\n"
        )
        timer = (
            f"# {header}\n[Unit]\nDescription=Timer of Basalt schedule {schedule.name}\n\n"
            f"[Timer]\nOnCalendar={calendar}\nPersistent=true\nUnit=basalt-{schedule.name}.service\n\n"
            "[Install]\nWantedBy=timers.target\n"
        )
        return {f"basalt-{schedule.name}.service": service, f"basalt-{schedule.name}.timer": timer}
    raise ScheduleError(f"unknown local schedule format {fmt!r}: use one of {', '.join(FORMATS)}")


def install(schedule: Schedule, config: LocalExecutorConfig) -> Schedule:
    """Write the schedule's files into ``options['dir']``; record them in ``details``.

    Raises:
        ScheduleError: No folder given, or the format cannot express the expression.
    """
    folder = schedule.options.get("dir")
    if not folder:
        raise ScheduleError("a local schedule needs a folder for its files: --out DIR")
    target = Path(folder)
    files = _files(schedule, config)
    target.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (target / name).write_text(content)
    written = [str((target / name).resolve()) for name in files]
    fmt = schedule.options.get("format", "crontab")
    if fmt == "crontab":
        activate = (
            f"crontab -l 2>/dev/null | cat - {shlex.quote(written[0])} | crontab -  (cronie reads CRON_TZ)"
        )
    else:
        activate = (
            f"cp {' '.join(map(shlex.quote, written))} ~/.config/systemd/user/ "
            "&& systemctl --user daemon-reload "
            f"&& systemctl --user enable --now basalt-{schedule.name}.timer"
        )
    return schedule.model_copy(update={"details": {"files": written, "activate": activate}})


def uninstall(schedule: Schedule) -> None:
    """Delete the files :func:`install` wrote (what was copied elsewhere is the user's to remove)."""
    for name in schedule.details.get("files", []):
        Path(name).unlink(missing_ok=True)


__all__ = ["FORMATS", "install", "job_command", "on_calendar", "uninstall"]
