"""The ``ec2`` executor against moto's server over HTTP (EC2 + S3), and its instance script run for real.

moto starts no machine and runs no user-data, so the tests play the instance: they take the
user-data moto stored for the instance (``DescribeInstanceAttribute``) and run it with bash
here, against the same S3 endpoint. The script then really downloads the wheels (SHA-256
checked), installs them into a venv, runs ``basalt pipeline run`` and uploads outputs, ledger,
log and markers. Creating a venv and installing dependencies from the package index takes
minutes, so the venv is prepared once per module (the wheels themselves are still installed,
``--no-deps``, by the script: ``BASALT_JOB_VENV``); set ``BASALT_TEST_JOB_VENV`` to a venv that
already has Basalt's dependencies to reuse it across sessions.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
import site
import subprocess
import sys
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from basalt.cli import build_app
from basalt.jobs.base import JobStore
from basalt.jobs.ec2 import JOB_TAG, Ec2Executor
from basalt.jobs.wheels import Wheel, build_wheels, find_checkout
from basalt.plugins.manager import PluginManager

pytestmark = pytest.mark.slow  # builds a wheel and a venv; the script test installs and runs for real

_names = iter(range(10**6))
AMI = "ami-12c6146b"  # one of moto's built-in images


@pytest.fixture
def aws(basalt_s3_server: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """boto3 (here and in the instance script) pointed at moto's server by the environment."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", basalt_s3_server.endpoint_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", basalt_s3_server.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", basalt_s3_server.secret_access_key)
    monkeypatch.setenv("AWS_DEFAULT_REGION", basalt_s3_server.region)
    return basalt_s3_server


@pytest.fixture(scope="module")
def instance_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv standing in for the instance's: pip, and Basalt's dependencies but not Basalt.

    The dependencies come from this interpreter's site-packages through a ``.pth`` line (the
    editable installs there are ``.pth`` files too, which Python does not process on an added
    path: Basalt itself is only importable once the script installs the wheel).
    """
    given = os.environ.get("BASALT_TEST_JOB_VENV")
    if given:
        return Path(given)
    venv = tmp_path_factory.mktemp("instance") / "venv"
    uv = shutil.which("uv")
    make = (
        [uv, "venv", "--seed", "--quiet", "--python", sys.executable]
        if uv
        else [sys.executable, "-m", "venv"]
    )
    subprocess.run([*make, str(venv)], check=True, capture_output=True)  # uv: a second instead of ten
    purelib = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    (Path(purelib) / "_basalt_test_dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    return venv


@pytest.fixture
def s3_pipeline(jobs_env: dict[str, Path], aws: Any, pipeline_writer: Any) -> dict[str, Any]:
    """The sample lake on S3, a pipeline reading it, and the bucket for jobs."""
    s3 = aws.client()
    lake_bucket, jobs_bucket = f"lake-{next(_names)}", f"jobs-{next(_names)}"
    s3.create_bucket(Bucket=lake_bucket)
    s3.create_bucket(Bucket=jobs_bucket)
    for path in jobs_env["lake"].rglob("*.parquet"):
        s3.upload_file(str(path), lake_bucket, f"lake/{path.relative_to(jobs_env['lake']).as_posix()}")
    source = {
        "type": "s3",
        "url": f"s3://{lake_bucket}/lake",
        "endpoint_url": aws.endpoint_url,
        "region": aws.region,
    }
    pipeline = pipeline_writer(jobs_env["root"] / "remote.yaml", source, "out", dataset="remotebars")
    return {"pipeline": pipeline, "bucket": jobs_bucket, "s3": s3, "env": jobs_env}


@pytest.fixture(scope="module")
def core_wheel(tmp_path_factory: pytest.TempPathFactory) -> Wheel:
    """The core's wheel, built once from this checkout (for jobs given ``wheel_dir``)."""
    (wheel,) = build_wheels(find_checkout(), ["basalt-core"], tmp_path_factory.mktemp("wheels"))
    return wheel


_manager: list[PluginManager] = []


def _cli(jobs: Path, *args: str) -> Any:
    if not _manager:  # one manager for the module: loading every plugin is the slow part of a CLI call
        _manager.append(PluginManager())
    return CliRunner().invoke(build_app(_manager[0]), [*args, "--jobs-dir", str(jobs)], obj=_manager[0])


def _start(ctx: dict[str, Any], *options: str) -> dict[str, Any]:
    result = _cli(
        ctx["env"]["jobs"], "job", "run", "-p", str(ctx["pipeline"]), "--executor", "ec2",
        "-o", f"bucket={ctx['bucket']}", "-o", f"image_id={AMI}", "-o", "instance_type=t3.micro",
        *options, "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _status(ctx: dict[str, Any], job_id: str) -> dict[str, Any]:
    result = _cli(ctx["env"]["jobs"], "job", "status", job_id, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _ec2() -> Any:
    import boto3

    return boto3.client("ec2")


def _play_the_instance(
    instance_id: str, workdir: Path, venv: Path | None
) -> subprocess.CompletedProcess[str]:
    """Run the user-data moto holds for ``instance_id`` with bash, as cloud-init would."""
    attribute = _ec2().describe_instance_attribute(InstanceId=instance_id, Attribute="userData")
    script = base64.b64decode(attribute["UserData"]["Value"]).decode()
    path = workdir / "user-data.sh"
    workdir.mkdir(parents=True, exist_ok=True)
    path.write_text(script)
    env = {**os.environ, "BASALT_JOB_WORKDIR": str(workdir), "BASALT_JOB_NO_SHUTDOWN": "1"}
    if venv is not None:
        env["BASALT_JOB_VENV"] = str(venv)
    return subprocess.run(["bash", str(path)], env=env, capture_output=True, text=True, timeout=900)


def test_wheels_are_built_from_this_checkout(tmp_path: Path) -> None:
    checkout = find_checkout()
    assert (checkout / "packages" / "basalt-core" / "src" / "basalt" / "jobs" / "ec2.py").is_file()
    (wheel,) = build_wheels(checkout, ["basalt-core"], tmp_path)
    assert wheel.distribution == "bmll-basalt"
    assert wheel.sha256 == hashlib.sha256(wheel.path.read_bytes()).hexdigest()
    import zipfile

    names = zipfile.ZipFile(wheel.path).namelist()
    assert "basalt/jobs/ec2_agent.py" in names  # the code the instance needs is in it


def test_a_job_runs_on_the_instance_and_reports_through_s3(
    s3_pipeline: dict[str, Any], instance_venv: Path
) -> None:
    ctx = s3_pipeline
    s3, bucket = ctx["s3"], ctx["bucket"]
    lock = ctx["pipeline"].with_suffix(".schema.lock.json")  # a schema lock travels with its pipeline
    lock.write_text('{"passes": {}}')
    record = _start(ctx, "-o", "packages=[basalt-core]")
    job_id, details = record["job_id"], record["details"]
    # Uploaded: the wheel (content-addressed, hash checked here) and the pipeline file.
    (wheel_key,) = details["wheels"]
    sha = wheel_key.split("/")[-2]
    body = s3.get_object(Bucket=bucket, Key=wheel_key)["Body"].read()
    assert hashlib.sha256(body).hexdigest() == sha
    assert (
        s3.get_object(Bucket=bucket, Key=details["pipeline_key"])["Body"].read()
        == ctx["pipeline"].read_bytes()
    )
    # Started: one instance, tagged with the job id, whose user-data installs exactly that wheel.
    reservations = _ec2().describe_instances(Filters=[{"Name": f"tag:{JOB_TAG}", "Values": [job_id]}])[
        "Reservations"
    ]
    (instance,) = [i for r in reservations for i in r["Instances"]]
    assert instance["InstanceId"] == details["instance_id"]
    assert {"Key": "basalt:dataset", "Value": "remotebars"} in instance["Tags"]
    assert _status(ctx, job_id)["state"] == "starting"  # no marker yet: installing
    assert _cli(ctx["env"]["jobs"], "job", "logs", job_id).output == ""

    workdir = ctx["env"]["root"] / "instance"
    played = _play_the_instance(instance["InstanceId"], workdir, instance_venv)
    log = (workdir / "job.log").read_text()
    assert played.returncode == 0, log
    assert f"{wheel_key}={sha}" in (workdir / "user-data.sh").read_text()
    assert (workdir / "pipeline" / lock.name).read_text() == lock.read_text()
    assert f"installed at {workdir.parent}" not in log  # sanity: the log names the venv's copy …
    installed = next(line for line in log.splitlines() if " installed at " in line)
    assert str(instance_venv) in installed
    assert "/work/" not in installed.split(" installed at ")[1]

    status = _status(ctx, job_id)
    assert status["state"] == "succeeded", status
    prefix = details["prefix"]
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=f"{prefix}/")["Contents"]]
    outputs = [k for k in keys if k.startswith(f"{prefix}/output/") and k.endswith(".parquet")]
    frames = [
        pl.read_parquet(io.BytesIO(s3.get_object(Bucket=bucket, Key=k)["Body"].read())) for k in outputs
    ]
    assert sum(f.height for f in frames) > 0
    assert sorted({d for f in frames for d in f["Date"].cast(pl.String).to_list()}) == [
        "2026-01-05",
        "2026-01-06",
    ]
    (report_key,) = [
        k for k in keys if k.startswith(f"{prefix}/state/remotebars/runs/") and k.endswith("/report.json")
    ]
    assert json.loads(s3.get_object(Bucket=bucket, Key=report_key)["Body"].read())["status"] == "succeeded"
    assert {f"{prefix}/status/started", f"{prefix}/status/done"} <= set(keys)
    logs = _cli(ctx["env"]["jobs"], "job", "logs", job_id).output
    assert f"basalt job {job_id}" in logs
    assert "finished with exit code 0" in logs
    # Cancelling a finished job changes nothing.
    assert (
        json.loads(_cli(ctx["env"]["jobs"], "job", "cancel", job_id, "--json").output)["state"] == "succeeded"
    )


def test_cancel_terminates_the_instance(s3_pipeline: dict[str, Any], core_wheel: Wheel) -> None:
    ctx = s3_pipeline
    record = _start(ctx, "-o", f"wheel_dir={core_wheel.path.parent}")
    result = _cli(ctx["env"]["jobs"], "job", "cancel", record["job_id"], "--wait", "0", "--json")
    status = json.loads(result.output)
    assert status["state"] == "cancelled", status
    described = _ec2().describe_instances(InstanceIds=[record["details"]["instance_id"]])
    assert described["Reservations"][0]["Instances"][0]["State"]["Name"] in ("shutting-down", "terminated")


def test_an_instance_terminated_early_is_reported(s3_pipeline: dict[str, Any], core_wheel: Wheel) -> None:
    ctx = s3_pipeline
    record = _start(ctx, "-o", f"wheel_dir={core_wheel.path.parent}")
    job_id, prefix = record["job_id"], record["details"]["prefix"]
    # The instance got as far as starting the run, then went away (spot reclaim, a person, a crash).
    ctx["s3"].put_object(Bucket=ctx["bucket"], Key=f"{prefix}/status/started", Body=b'{"time": "t"}')
    assert _status(ctx, job_id)["state"] == "running"
    _ec2().terminate_instances(InstanceIds=[record["details"]["instance_id"]])
    status = _status(ctx, job_id)
    assert status["state"] == "terminated"
    assert "terminated before finishing" in status["detail"]
    text = _cli(ctx["env"]["jobs"], "job", "status", job_id).output
    assert "terminated before finishing" in text


def test_a_tampered_wheel_fails_the_job_with_its_exit_code(
    s3_pipeline: dict[str, Any], tmp_path: Path, instance_venv: Path, core_wheel: Wheel
) -> None:
    ctx = s3_pipeline
    wheel = core_wheel
    record = _start(ctx, "-o", f"wheel_dir={wheel.path.parent}")
    (wheel_key,) = record["details"]["wheels"]
    ctx["s3"].put_object(Bucket=ctx["bucket"], Key=wheel_key, Body=b"not the wheel that was built")
    played = _play_the_instance(record["details"]["instance_id"], tmp_path / "instance", instance_venv)
    assert played.returncode == 13
    status = _status(ctx, record["job_id"])
    assert status["state"] == "failed"
    assert "exit 13" in status["detail"]
    logs = _cli(ctx["env"]["jobs"], "job", "logs", record["job_id"]).output
    assert "is not the" in logs
    assert wheel.sha256 in logs


def test_a_local_source_is_refused_for_ec2(jobs_env: dict[str, Path], aws: Any) -> None:
    result = _cli(
        jobs_env["jobs"], "job", "run", "-p", str(jobs_env["pipeline"]), "-e", "ec2",
        "-o", "bucket=b", "-o", f"image_id={AMI}",
    )  # fmt: skip
    assert result.exit_code == 1
    assert "give the pipeline an s3 (or bmll) SOURCE" in result.output
    assert not JobStore(jobs_env["jobs"]).ids()
    missing = _cli(jobs_env["jobs"], "job", "run", "-p", str(jobs_env["pipeline"]), "-e", "ec2")
    assert missing.exit_code == 2
    assert "executor 'ec2' settings: bucket: Field required; image_id: Field required" in missing.output
    assert Ec2Executor.NAME == "ec2"


@pytest.mark.skipif(
    not os.environ.get("BASALT_TEST_EC2_FULL_INSTALL"),
    reason="creates a venv and installs Basalt's dependencies from the package index (minutes, network): "
    "set BASALT_TEST_EC2_FULL_INSTALL=1",
)
def test_the_instance_script_installs_everything_from_scratch(s3_pipeline: dict[str, Any]) -> None:
    """The script exactly as an instance runs it: python3 -m venv, pip install boto3, the wheels with deps."""
    ctx = s3_pipeline
    record = _start(ctx, "-o", "packages=[basalt-core]", "-o", f"python={sys.executable}")
    workdir = ctx["env"]["root"] / "instance"
    played = _play_the_instance(record["details"]["instance_id"], workdir, None)
    log = (workdir / "job.log").read_text()
    assert played.returncode == 0, log
    installed = next(line for line in log.splitlines() if " installed at " in line)
    assert str(workdir / "venv") in installed
    assert _status(ctx, record["job_id"])["state"] == "succeeded"


def test_aws_errors_are_reported_as_job_errors(s3_pipeline: dict[str, Any], core_wheel: Wheel) -> None:
    ctx = s3_pipeline
    result = _cli(
        ctx["env"]["jobs"], "job", "run", "-p", str(ctx["pipeline"]), "-e", "ec2",
        "-o", "bucket=no-such-bucket", "-o", f"image_id={AMI}", "-o", f"wheel_dir={core_wheel.path.parent}",
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.output.startswith("error: ec2 executor, submit: ")
    assert "no-such-bucket" in result.output
    assert "This is a bug" not in result.output
