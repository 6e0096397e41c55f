"""Built-in plugin: the job executors (``local``, ``ec2``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from basalt import hookimpl

if TYPE_CHECKING:  # pragma: no cover - typing only
    from basalt.jobs.base import Executor


@hookimpl
def basalt_register_executors() -> list[type[Executor]]:
    """local (a detached run on this machine) and ec2 (an instance per job; boto3 imported on use)."""
    from basalt.jobs.ec2 import Ec2Executor
    from basalt.jobs.local import LocalExecutor

    return [LocalExecutor, Ec2Executor]
