"""Job executors: where ``basalt job run`` runs a pipeline, and how it is watched and stopped.

An executor is registered through the ``basalt_register_executors`` hook (the core registers
``local`` and ``ec2``). It receives a :class:`JobRequest` — the pipeline file and the
``basalt pipeline run`` arguments with concrete dates — starts the run somewhere, and keeps
what it needs to find it again in the job's :class:`JobRecord` (``{jobs_dir}/{job_id}/job.json``).
``status``, ``logs`` and ``cancel`` get that record back. Executors that can run on a timetable
also implement :meth:`Executor.install_schedule` / :meth:`Executor.uninstall_schedule`.
"""

from __future__ import annotations

import json
import uuid
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from basalt._files import write_json_atomic
from basalt._registrable import Registrable
from basalt.jobs.errors import JobConfigError, JobError

if TYPE_CHECKING:  # pragma: no cover - typing only
    from basalt.engine.loader import Pipeline
    from basalt.jobs.schedules import Schedule
    from basalt.plugins.manager import PluginManager

JobState = Literal["starting", "running", "succeeded", "failed", "cancelled", "terminated", "unknown"]
FINAL_STATES: frozenset[str] = frozenset({"succeeded", "failed", "cancelled", "terminated"})
"""States a job never leaves."""


class ExecutorConfig(BaseModel):
    """Base class of executor settings (``--config FILE`` / ``-o KEY=VALUE``); unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class JobRequest:
    """What to run: a pipeline file and the arguments of its ``basalt pipeline run``.

    Dates are concrete here: ``yesterday``/``today`` were resolved in ``timezone`` when the job
    was asked for (:mod:`basalt.jobs.dates`).
    """

    pipeline: Path
    """The pipeline file (absolute)."""
    dataset: str
    """The pipeline's ``DATASETNAME`` (where its run ledger lives)."""
    start: date | None = None
    end: date | None = None
    universe: str | None = None
    workers: int | None = None
    assignments: tuple[str, ...] = ()
    """``--set KEY=VALUE`` overrides."""
    state_dir: Path = Path(".basalt")
    """Run ledger folder (local executor; remote executors use their own and upload it)."""
    timezone: str = "UTC"

    def run_args(self) -> list[str]:
        """The ``basalt pipeline run`` options after ``-p PIPELINE`` (no ``--state-dir``)."""
        args: list[str] = []
        if self.start is not None:
            args += ["--start-date", self.start.isoformat()]
        if self.end is not None:
            args += ["--end-date", self.end.isoformat()]
        if self.universe is not None:
            args += ["--universe", self.universe]
        if self.workers is not None:
            args += ["--workers", str(self.workers)]
        for assignment in self.assignments:
            args += ["--set", assignment]
        return args

    def overrides(self) -> dict[str, Any]:
        """The same as :meth:`run_args`, as ``load_pipeline`` overrides (top-level keys)."""
        return {
            "START_DATE": self.start,
            "END_DATE": self.end,
            "UNIVERSE": self.universe,
            "NUM_WORKERS": self.workers,
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (what job.json stores)."""
        data = asdict(self)
        data.update(
            pipeline=str(self.pipeline),
            state_dir=str(self.state_dir),
            start=self.start.isoformat() if self.start else None,
            end=self.end.isoformat() if self.end else None,
            assignments=list(self.assignments),
        )
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JobRequest:
        """Inverse of :meth:`to_dict`."""
        return cls(
            pipeline=Path(data["pipeline"]),
            dataset=data["dataset"],
            start=date.fromisoformat(data["start"]) if data.get("start") else None,
            end=date.fromisoformat(data["end"]) if data.get("end") else None,
            universe=data.get("universe"),
            workers=data.get("workers"),
            assignments=tuple(data.get("assignments", ())),
            state_dir=Path(data.get("state_dir", ".basalt")),
            timezone=data.get("timezone", "UTC"),
        )


@dataclass
class JobRecord:
    """A started job: what was asked, which executor runs it, and the executor's own handles."""

    job_id: str
    executor: str
    request: JobRequest
    config: dict[str, Any] = field(default_factory=dict)
    """The executor's settings, as validated (JSON)."""
    created: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    details: dict[str, Any] = field(default_factory=dict)
    """Executor-specific handles: pid and folders (local), instance id and S3 keys (ec2)."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "job_id": self.job_id,
            "executor": self.executor,
            "request": self.request.to_dict(),
            "config": self.config,
            "created": self.created,
            "details": self.details,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JobRecord:
        """Inverse of :meth:`to_dict`."""
        return cls(
            job_id=data["job_id"],
            executor=data["executor"],
            request=JobRequest.from_dict(data["request"]),
            config=dict(data.get("config", {})),
            created=data.get("created", ""),
            details=dict(data.get("details", {})),
        )


@dataclass
class JobStatus:
    """What a job is doing now, as far as its executor can tell."""

    job_id: str
    state: JobState
    detail: str = ""
    """One human sentence: why it failed, how far it got, where it runs."""
    run_id: str | None = None
    """The run's id in the run ledger, once known."""
    batches_done: int | None = None
    batches_total: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        """Whether the job has reached a state it never leaves."""
        return self.state in FINAL_STATES

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``basalt job status --json``)."""
        return {**asdict(self), "finished": self.finished}


def new_job_id(dataset: str) -> str:
    """A sortable, unique job id: the dataset, UTC time and a random suffix."""
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in dataset.lower()).strip("-_")
    return f"{safe or 'job'}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


class JobStore:
    """The jobs folder: one sub-folder per job holding ``job.json`` and the executor's files."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def job_dir(self, job_id: str) -> Path:
        """Folder of one job."""
        return self.root / job_id

    def save(self, record: JobRecord) -> None:
        """Write ``job.json`` atomically."""
        folder = self.job_dir(record.job_id)
        folder.mkdir(parents=True, exist_ok=True)
        write_json_atomic(folder / "job.json", record.to_dict(), indent=2, default=str)

    def load(self, job_id: str) -> JobRecord:
        """The record of ``job_id`` (``last``: the newest job).

        Raises:
            JobError: No such job in this folder.
        """
        if job_id == "last":
            ids = self.ids()
            if not ids:
                raise JobError(f"no jobs in {self.root}")
            job_id = ids[-1]
        path = self.job_dir(job_id) / "job.json"
        try:
            return JobRecord.from_dict(json.loads(path.read_text()))
        except FileNotFoundError:
            known = ", ".join(self.ids()[-5:]) or "none"
            raise JobError(f"no job {job_id!r} in {self.root} (latest: {known}); see --jobs-dir") from None

    def ids(self) -> list[str]:
        """Every job id in the folder, oldest first (ids sort by creation time)."""
        if not self.root.is_dir():
            return []
        return sorted(
            (p.name for p in self.root.iterdir() if (p / "job.json").is_file()),
            key=lambda name: (name.split("-")[-2:], name),
        )


class Executor(Registrable, ABC):
    """Runs pipelines somewhere: starts jobs, reports their status and logs, cancels them.

    Subclasses set ``NAME`` and a pydantic ``Config`` (a :class:`ExecutorConfig`), and
    implement :meth:`submit`, :meth:`status`, :meth:`logs` and :meth:`cancel`.
    """

    Config: ClassVar[type[ExecutorConfig]] = ExecutorConfig
    """The executor's settings model."""

    def __init__(self, config: ExecutorConfig, store: JobStore) -> None:
        self.config = config
        self.store = store

    @classmethod
    def from_settings(cls, settings: dict[str, Any], store: JobStore) -> Executor:
        """Validate ``settings`` with :attr:`Config` and build the executor.

        Raises:
            JobConfigError: A setting is unknown or invalid (named, with the executor).
        """
        from pydantic import ValidationError

        try:
            config = cls.Config.model_validate(settings)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in exc.errors()
            )
            raise JobConfigError(f"executor {cls.NAME!r} settings: {problems}") from None
        return cls(config, store)

    def check(self, pipeline: Pipeline, manager: PluginManager) -> None:
        """Refuse, before anything starts, a pipeline this executor cannot run.

        The default resolves it (modules, settings) and checks what is visible from here
        (source folders, output paths, writer engines), as ``basalt pipeline validate`` does.
        """
        from basalt.engine.checks import check_pipeline
        from basalt.engine.resolve import resolve

        check_pipeline(resolve(pipeline, manager))

    @abstractmethod
    def submit(self, request: JobRequest) -> JobRecord:
        """Start a job for ``request`` and return its (saved) record; never waits for the run."""

    @abstractmethod
    def status(self, record: JobRecord) -> JobStatus:
        """What the job is doing now."""

    @abstractmethod
    def logs(self, record: JobRecord) -> str:
        """The job's log so far (empty when there is none yet)."""

    @abstractmethod
    def cancel(self, record: JobRecord) -> JobStatus:
        """Stop the job (a finished job is left alone) and return its status."""

    def install_schedule(self, schedule: Schedule) -> Schedule:
        """Make ``schedule`` fire; return it with the executor's handles in ``details``.

        Raises:
            JobError: This executor cannot run jobs on a timetable.
        """
        raise JobError(f"executor {self.NAME!r} cannot install schedules")

    def uninstall_schedule(self, schedule: Schedule) -> None:
        """Remove what :meth:`install_schedule` created."""
        raise JobError(f"executor {self.NAME!r} cannot install schedules")

    def schedule_state(self, schedule: Schedule) -> str:
        """Whether what :meth:`install_schedule` created is still there (``installed``, ``missing``…)."""
        return "installed"


__all__ = [
    "FINAL_STATES",
    "Executor",
    "ExecutorConfig",
    "JobRecord",
    "JobRequest",
    "JobState",
    "JobStatus",
    "JobStore",
    "new_job_id",
]
