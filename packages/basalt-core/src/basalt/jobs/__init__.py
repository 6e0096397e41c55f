"""Jobs: pipelines run detached or remotely, and on schedules (``basalt job …``).

* :mod:`basalt.jobs.base` — the :class:`Executor` contract, job requests, records, statuses;
* :mod:`basalt.jobs.local` — ``local``: a supervised, detached run on this machine;
* :mod:`basalt.jobs.ec2` — ``ec2``: an EC2 instance per job, installing this checkout's wheels;
* :mod:`basalt.jobs.schedules` — cron schedules in a timezone (croniter), next fire times;
* :mod:`basalt.jobs.dates` — ``yesterday``/``today`` resolved in a timezone.

Executors are plugins (``basalt_register_executors``); import heavy SDKs inside their methods.
"""

from basalt.jobs.base import Executor, ExecutorConfig, JobRecord, JobRequest, JobStatus, JobStore
from basalt.jobs.errors import JobError, ScheduleError

__all__ = [
    "Executor",
    "ExecutorConfig",
    "JobError",
    "JobRecord",
    "JobRequest",
    "JobStatus",
    "JobStore",
    "ScheduleError",
]
