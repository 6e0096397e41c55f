"""Errors of ``basalt job``: user-facing, reported by the CLI as one ``error: …`` line."""

from __future__ import annotations


class JobError(RuntimeError):
    """A job or schedule that cannot be started, found, queried or cancelled, and why (exit 1)."""

    exit_code = 1


class JobConfigError(JobError):
    """Invalid executor settings or job options (exit 2, like other configuration errors)."""

    exit_code = 2


class ScheduleError(JobConfigError):
    """A schedule that is invalid (cron expression, timezone, date) or that an executor cannot express."""


__all__ = ["JobConfigError", "JobError", "ScheduleError"]
