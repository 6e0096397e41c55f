"""The ``ec2`` executor: one EC2 instance per job, fed from an S3 wheelhouse.

``submit`` builds the wheels of this checkout (:mod:`basalt.jobs.wheels`), uploads them to
``s3://{bucket}/{prefix}/wheelhouse/{sha256}/{file}`` (content-addressed: an unchanged wheel is
not uploaded again), uploads the pipeline file, and calls ``run_instances`` with the user-data
script of :mod:`basalt.jobs.userdata`, the instance tagged ``basalt:job-id``. The instance
writes everything under ``s3://{bucket}/{prefix}/jobs/{job_id}/``::

    status/started|done|failed|cancelled   markers (JSON: exit code, time, host)
    log/job.log                            the script's log (uploaded every 20 s and at the end)
    output/…                               every file output of the run
    state/…                                the run ledger (events, report, batch logs)

``status`` combines the instance's state (found by its tag) with those markers; an instance that
is gone (shutting down, stopped, terminated or vanished) without a ``done``/``failed`` marker
was *terminated before finishing*. ``logs`` reads the log from S3; ``cancel`` writes the
``cancelled`` marker and terminates the instance. Schedules are EventBridge Scheduler schedules
whose target is ``ec2:runInstances`` with the same kind of user-data (:mod:`basalt.jobs.ec2_schedule`).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import Field

from basalt.jobs.base import Executor, ExecutorConfig, JobRecord, JobRequest, JobStatus, new_job_id
from basalt.jobs.errors import JobError
from basalt.jobs.userdata import MAX_USER_DATA_BYTES, UserData

if TYPE_CHECKING:  # pragma: no cover - typing only
    from basalt.engine.loader import Pipeline
    from basalt.jobs.schedules import Schedule
    from basalt.jobs.wheels import Wheel
    from basalt.plugins.manager import PluginManager

JOB_TAG = "basalt:job-id"
"""Instance tag holding the job id (status finds the instance by it)."""
SCHEDULE_TAG = "basalt:schedule"
GONE_STATES = frozenset({"shutting-down", "terminated", "stopping", "stopped"})
VISIBLE_WITHIN = timedelta(minutes=10)
"""How long a new instance may stay invisible to DescribeInstances (EC2 is eventually consistent)."""
F = TypeVar("F", bound=Callable[..., Any])


def _aws_errors(method: F) -> F:
    """AWS errors (credentials, region, permissions, bad ids) as a :class:`JobError` naming the call."""

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            import boto3.exceptions
            import botocore.exceptions as aws
        except ImportError:  # pragma: no cover - boto3 missing: client() says what to install
            return method(*args, **kwargs)
        try:
            return method(*args, **kwargs)
        except (aws.BotoCoreError, aws.ClientError, boto3.exceptions.Boto3Error) as exc:
            raise JobError(f"ec2 executor, {method.__name__.replace('_', ' ')}: {exc}") from exc

    return wrapper  # type: ignore[return-value]


class Ec2ExecutorConfig(ExecutorConfig):
    """Settings of the ``ec2`` executor (AWS credentials come from the usual boto3 chain)."""

    bucket: str = Field(description="S3 bucket of the wheelhouse, the pipeline files and the jobs' outputs.")
    prefix: str = Field("basalt", description="Key prefix in the bucket for everything Basalt writes.")
    region: str | None = Field(None, description="AWS region (default: boto3's, e.g. AWS_DEFAULT_REGION).")
    image_id: str = Field(
        description="AMI of the instance: a Linux with python3 (3.11+) and its venv module."
    )
    instance_type: str = Field("m7i.xlarge", description="EC2 instance type.")
    iam_instance_profile: str | None = Field(
        None, description="Instance profile (name or ARN) allowed to read and write the bucket."
    )
    subnet_id: str | None = Field(None, description="Subnet to start the instance in (default VPC if unset).")
    security_group_ids: list[str] = Field(
        default_factory=list, description="Security groups of the instance."
    )
    key_name: str | None = Field(None, description="EC2 key pair for SSH access (none by default).")
    tags: dict[str, str] = Field(default_factory=dict, description="More tags for the instance.")
    packages: list[str] = Field(
        default_factory=lambda: ["all"],
        description="Package folders whose wheels are built and installed ('all': every package).",
    )
    extras: list[str] = Field(
        default_factory=lambda: ["aws"], description="Extras of bmll-basalt to install (dependencies only)."
    )
    requirements: list[str] = Field(
        default_factory=list,
        description="More pip requirements for the instance, e.g. third-party plugins the pipeline uses "
        "('my-basalt-plugin==1.2'); Basalt's own packages come from the wheels.",
    )
    wheel_dir: Path | None = Field(
        None, description="Install these already built wheels instead of building the checkout's."
    )
    python: str = Field("python3", description="Interpreter on the instance that creates the job's venv.")
    timeout_hours: float | None = Field(
        24.0, gt=0, description="Stop the run after this many hours (the instance then powers off)."
    )
    terminate_when_done: bool = Field(
        True, description="Power the instance off at the end (it is started to terminate on shutdown)."
    )
    scheduler_role_arn: str | None = Field(
        None,
        description="IAM role EventBridge Scheduler assumes to start instances (needed by `job install`).",
    )
    endpoint_url: str | None = Field(
        None,
        description="Endpoint of every AWS API (tests, S3/EC2-compatible clouds); also set on the instance.",
    )


class Ec2Executor(Executor):
    """Runs each job on a new EC2 instance that installs this checkout's wheels from S3."""

    NAME = "ec2"
    Config = Ec2ExecutorConfig
    config: Ec2ExecutorConfig

    # -- AWS clients --------------------------------------------------------------------

    def client(self, service: str) -> Any:
        """A boto3 client for ``service`` with the executor's region and endpoint."""
        try:
            import boto3
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError("the ec2 executor needs boto3: pip install 'bmll-basalt[aws]'") from exc
        return boto3.client(service, region_name=self.config.region, endpoint_url=self.config.endpoint_url)

    def job_prefix(self, job_id: str) -> str:
        """Key prefix of one job's files."""
        return f"{self.config.prefix.strip('/')}/jobs/{job_id}"

    # -- what every job and schedule uploads ----------------------------------------------

    def wheels(self) -> list[Wheel]:
        """The wheels to install: built from this checkout, or the configured ``wheel_dir``."""
        from basalt.jobs.wheels import build_wheels, find_checkout, wheels_in

        if self.config.wheel_dir is not None:
            return wheels_in(self.config.wheel_dir)
        return build_wheels(find_checkout(), list(self.config.packages))

    def upload_wheels(self, wheels: list[Wheel]) -> list[tuple[str, Wheel]]:
        """Upload each wheel to the content-addressed wheelhouse (once); return (key, wheel) pairs."""
        s3 = self.client("s3")
        pairs = []
        for wheel in wheels:
            key = f"{self.config.prefix.strip('/')}/wheelhouse/{wheel.sha256}/{wheel.name}"
            try:
                s3.head_object(Bucket=self.config.bucket, Key=key)
            except s3.exceptions.ClientError:
                s3.upload_file(str(wheel.path), self.config.bucket, key)
            pairs.append((key, wheel))
        return pairs

    def upload_pipeline(self, pipeline: Path, prefix: str) -> list[str]:
        """Upload the pipeline file and its schema lock (``NAME.schema.lock.json``) if there is one."""
        s3 = self.client("s3")
        keys = []
        for path in (pipeline, pipeline.with_suffix(".schema.lock.json")):
            if path == pipeline or path.is_file():
                keys.append(f"{prefix}/{path.name}")
                s3.upload_file(str(path), self.config.bucket, keys[-1])
        return keys

    def user_data(
        self, request: JobRequest, wheels: list[tuple[str, Wheel]], pipeline_keys: list[str], **how: Any
    ) -> str:
        """The instance's script for ``request`` (``how``: the job id or a schedule's :class:`UserData`)."""
        relative = how.pop("relative_date", None)
        args = request.run_args()
        if relative is not None:  # the dates are chosen on the instance, when the schedule fires
            args = [a for i, a in enumerate(args) if not _is_date_option(args, i)]
        script = UserData(
            bucket=self.config.bucket,
            prefix=self.config.prefix,
            wheels=wheels,
            pipeline_key=pipeline_keys[0],
            pipeline_name=request.pipeline.name,
            companions=tuple(pipeline_keys[1:]),
            run_args=args,
            relative_date=relative,
            timezone=request.timezone,
            extras=tuple(self.config.extras),
            requirements=tuple(self.config.requirements),
            python=self.config.python,
            region=self.config.region,
            endpoint_url=self.config.endpoint_url,
            shutdown=self.config.terminate_when_done,
            timeout_seconds=int(self.config.timeout_hours * 3600) if self.config.timeout_hours else None,
            **how,
        ).render()
        if len(script.encode()) > MAX_USER_DATA_BYTES:
            raise JobError(
                f"the instance script is {len(script.encode())} bytes; EC2 allows {MAX_USER_DATA_BYTES}"
            )
        return script

    def run_instances_args(self, user_data: str, tags: dict[str, str]) -> dict[str, Any]:
        """The ``RunInstances`` request (also the target input of a schedule)."""
        args: dict[str, Any] = {
            "ImageId": self.config.image_id,
            "InstanceType": self.config.instance_type,
            "MinCount": 1,
            "MaxCount": 1,
            "UserData": user_data,
            "InstanceInitiatedShutdownBehavior": "terminate" if self.config.terminate_when_done else "stop",
            "TagSpecifications": [
                {
                    "ResourceType": "instance",
                    "Tags": [{"Key": k, "Value": v} for k, v in {**self.config.tags, **tags}.items()],
                }
            ],
        }
        if self.config.iam_instance_profile:
            profile = self.config.iam_instance_profile
            args["IamInstanceProfile"] = {"Arn": profile} if profile.startswith("arn:") else {"Name": profile}
        if self.config.subnet_id:
            args["SubnetId"] = self.config.subnet_id
        if self.config.security_group_ids:
            args["SecurityGroupIds"] = list(self.config.security_group_ids)
        if self.config.key_name:
            args["KeyName"] = self.config.key_name
        return args

    # -- the executor interface ------------------------------------------------------------

    def check(self, pipeline: Pipeline, manager: PluginManager) -> None:
        """Resolve the pipeline here; its data must be reachable from the instance (not a local folder)."""
        from basalt.engine.resolve import resolve

        resolve(pipeline, manager)
        if pipeline.config.SOURCE.type == "local":
            raise JobError(
                "the ec2 executor runs the pipeline on a new instance, which cannot read this machine's "
                "folders: give the pipeline an s3 (or bmll) SOURCE"
            )

    @_aws_errors
    def submit(self, request: JobRequest) -> JobRecord:
        """Upload wheels and pipeline, start the instance, tag it with the job id."""
        job_id = new_job_id(request.dataset)
        prefix = self.job_prefix(job_id)
        wheels = self.upload_wheels(self.wheels())
        s3 = self.client("s3")
        pipeline_keys = self.upload_pipeline(request.pipeline, f"{prefix}/pipeline")
        script = self.user_data(request, wheels, pipeline_keys, job_id=job_id)
        tags = {JOB_TAG: job_id, "basalt:dataset": request.dataset, "Name": f"basalt {job_id}"}
        reservation = self.client("ec2").run_instances(**self.run_instances_args(script, tags))
        instance_id = reservation["Instances"][0]["InstanceId"]
        record = JobRecord(
            job_id=job_id,
            executor=self.NAME,
            request=request,
            config=self.config.model_dump(mode="json"),
            details={
                "instance_id": instance_id,
                "bucket": self.config.bucket,
                "prefix": prefix,
                "wheels": [key for key, _ in wheels],
                "pipeline_key": pipeline_keys[0],
            },
        )
        s3.put_object(
            Bucket=self.config.bucket, Key=f"{prefix}/job.json", Body=json.dumps(record.to_dict()).encode()
        )
        self.store.save(record)
        return record

    def markers(self, record: JobRecord) -> dict[str, dict[str, Any]]:
        """The job's status markers on S3, by name."""
        s3 = self.client("s3")
        bucket, prefix = record.details["bucket"], f"{record.details['prefix']}/status/"
        found = {}
        listing = s3.list_objects_v2(Bucket=bucket, Prefix=prefix)
        for item in listing.get("Contents", []):
            body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
            try:
                found[item["Key"].removeprefix(prefix)] = json.loads(body)
            except ValueError:
                found[item["Key"].removeprefix(prefix)] = {}
        return found

    def instances(self, job_id: str) -> list[dict[str, Any]]:
        """Instances tagged with ``job_id`` (any state)."""
        pages = self.client("ec2").describe_instances(
            Filters=[{"Name": f"tag:{JOB_TAG}", "Values": [job_id]}]
        )
        return [i for r in pages.get("Reservations", []) for i in r.get("Instances", [])]

    def _instances_of(self, record: JobRecord) -> list[dict[str, Any]]:
        """The job's instances by tag, else by the id ``run_instances`` returned (tags may lag)."""
        found = self.instances(record.job_id)
        instance_id = record.details.get("instance_id")
        if found or not instance_id:
            return found
        ec2 = self.client("ec2")
        try:
            pages = ec2.describe_instances(InstanceIds=[instance_id])
        except ec2.exceptions.ClientError as exc:
            if "NotFound" in str(exc.response.get("Error", {}).get("Code", "")):
                return []
            raise
        return [i for r in pages.get("Reservations", []) for i in r.get("Instances", [])]

    @_aws_errors
    def status(self, record: JobRecord) -> JobStatus:
        """The instance's state (by tag) and the S3 markers."""
        markers = self.markers(record)
        instances = self._instances_of(record)
        state = instances[0]["State"]["Name"] if instances else None
        where = f"s3://{record.details['bucket']}/{record.details['prefix']}/"
        base: dict[str, Any] = {
            "job_id": record.job_id,
            "extra": {"instance_state": state, "markers": sorted(markers)},
        }
        instance = instances[0]["InstanceId"] if instances else record.details.get("instance_id")
        if "done" in markers:
            return JobStatus(
                state="succeeded",
                detail=f"finished at {markers['done'].get('time')}; outputs and ledger in {where}",
                **base,
            )
        if "failed" in markers:
            code = markers["failed"].get("code")
            return JobStatus(
                state="failed",
                detail=f"the run failed (exit {code}); see `basalt job logs {record.job_id}`",
                **base,
            )
        if "cancelled" in markers:
            return JobStatus(
                state="cancelled",
                detail=f"cancelled at {markers['cancelled'].get('time')}; instance {instance} "
                f"{state or 'gone'}",
                **base,
            )
        if state is None and _age(record) < VISIBLE_WITHIN:
            return JobStatus(state="starting", detail=f"instance {instance} not visible yet", **base)
        if state is None or state in GONE_STATES:
            return JobStatus(
                state="terminated",
                detail=(
                    f"instance {instance} is {state or 'gone'}: terminated before finishing "
                    f"(no done or failed marker in {where}status/)"
                ),
                **base,
            )
        if "started" in markers:
            return JobStatus(
                state="running",
                detail=f"instance {instance} {state}; running since {markers['started'].get('time')}",
                **base,
            )
        return JobStatus(state="starting", detail=f"instance {instance} {state}; installing", **base)

    @_aws_errors
    def logs(self, record: JobRecord) -> str:
        """The job's log from S3 (empty until the instance first uploads it)."""
        s3 = self.client("s3")
        try:
            obj = s3.get_object(
                Bucket=record.details["bucket"], Key=f"{record.details['prefix']}/log/job.log"
            )
        except s3.exceptions.NoSuchKey:
            return ""
        return obj["Body"].read().decode(errors="replace")

    @_aws_errors
    def cancel(self, record: JobRecord) -> JobStatus:
        """Write the ``cancelled`` marker and terminate the instance."""
        current = self.status(record)
        if current.finished:
            return current
        marker = {
            "code": None,
            "time": datetime.now(UTC).isoformat(timespec="seconds"),
            "host": "basalt job cancel",
        }
        self.client("s3").put_object(
            Bucket=record.details["bucket"],
            Key=f"{record.details['prefix']}/status/cancelled",
            Body=json.dumps(marker).encode(),
        )
        ids = [i["InstanceId"] for i in self._instances_of(record)] or [record.details["instance_id"]]
        self.client("ec2").terminate_instances(InstanceIds=ids)
        return self.status(record)

    @_aws_errors
    def install_schedule(self, schedule: Schedule) -> Schedule:
        """An EventBridge Scheduler schedule starting an instance per firing (see ``ec2_schedule``)."""
        from basalt.jobs.ec2_schedule import install

        return install(self, schedule)

    @_aws_errors
    def uninstall_schedule(self, schedule: Schedule) -> None:
        """Delete the EventBridge Scheduler schedule."""
        from basalt.jobs.ec2_schedule import uninstall

        uninstall(self, schedule)

    @_aws_errors
    def schedule_state(self, schedule: Schedule) -> str:
        """The schedule's state in EventBridge Scheduler (``ENABLED``, ``DISABLED``, ``missing``)."""
        from basalt.jobs.ec2_schedule import state

        return state(self, schedule)


def _age(record: JobRecord) -> timedelta:
    """How long ago the job was created (a day when its record has no readable time)."""
    try:
        return datetime.now(UTC) - datetime.fromisoformat(record.created)
    except ValueError:
        return timedelta(days=1)


def _is_date_option(args: list[str], index: int) -> bool:
    """Whether ``args[index]`` is a date option or its value."""
    dates = ("--start-date", "--end-date", "--date")
    return args[index] in dates or (index > 0 and args[index - 1] in dates)


__all__ = ["GONE_STATES", "JOB_TAG", "SCHEDULE_TAG", "Ec2Executor", "Ec2ExecutorConfig"]
