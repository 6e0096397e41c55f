"""The ``basalt_register_executors`` hook: built-ins and a third-party executor registered in code."""

from __future__ import annotations

import json
import types
from pathlib import Path
from typing import ClassVar

from pydantic import Field
from typer.testing import CliRunner

from basalt import hookimpl
from basalt.cli import build_app
from basalt.jobs.base import Executor, ExecutorConfig, JobRecord, JobRequest, JobStatus, new_job_id
from basalt.plugins.manager import PluginManager


class InlineConfig(ExecutorConfig):
    """Settings of the test's inline executor."""

    label: str = Field("inline", description="A label written into each job record.")


class InlineExecutor(Executor):
    """Runs the pipeline in the calling process and returns when it is done."""

    NAME = "inline"
    Config: ClassVar[type[ExecutorConfig]] = InlineConfig
    config: InlineConfig

    def submit(self, request: JobRequest) -> JobRecord:
        from basalt.engine.loader import load_pipeline
        from basalt.engine.runner import run_pipeline

        pipeline = load_pipeline(request.pipeline, overrides=request.overrides())
        report = run_pipeline(pipeline, state_dir=request.state_dir)
        record = JobRecord(
            job_id=new_job_id(request.dataset),
            executor=self.NAME,
            request=request,
            config=self.config.model_dump(mode="json"),
            details={"run_id": report.run_id, "label": self.config.label},
        )
        self.store.save(record)
        return record

    def status(self, record: JobRecord) -> JobStatus:
        from basalt.engine.ledger import RunLedger

        ledger = RunLedger(record.request.state_dir, record.request.dataset, record.details["run_id"])
        report = ledger.read_report() or {}
        state = "succeeded" if report.get("status") == "succeeded" else "failed"
        return JobStatus(
            job_id=record.job_id, state=state, detail=record.details["label"], run_id=ledger.run_id
        )

    def logs(self, record: JobRecord) -> str:
        return "inline jobs log to the caller\n"

    def cancel(self, record: JobRecord) -> JobStatus:
        return self.status(record)


class NotAnExecutor:
    NAME = "bogus"


plugin = types.ModuleType("inline_executor_plugin")
plugin.basalt_register_executors = hookimpl(lambda: [InlineExecutor])  # type: ignore[attr-defined]
broken = types.ModuleType("broken_executor_plugin")
broken.basalt_register_executors = hookimpl(lambda: [NotAnExecutor])  # type: ignore[attr-defined]


def test_builtin_executors_register_through_the_hook() -> None:
    manager = PluginManager(entry_points=False)
    executors = manager.executors()
    assert list(executors) == ["local", "ec2"]
    assert executors.owner("ec2").name == "basalt.builtin.executors"
    infos = {info.name: info for info in manager.plugins()}
    assert infos["basalt.builtin.executors"].provides == {"executors": ["local", "ec2"]}


def test_a_third_party_executor_runs_a_job_through_the_cli(jobs_env: dict[str, Path]) -> None:
    manager = PluginManager(plugins={"inline": plugin}, entry_points=False)
    assert manager.executors()["inline"] is InlineExecutor
    manager = PluginManager(plugins={"inline": plugin})  # with entry points: the test module's plugin
    runner = CliRunner()
    app = build_app(manager)
    common = ["--jobs-dir", str(jobs_env["jobs"])]
    result = runner.invoke(
        app,
        ["job", "run", "-p", str(jobs_env["pipeline"]), "--executor", "inline", "-o", "label=mine",
         "--state-dir", str(jobs_env["state"]), "--json", *common],
        obj=manager,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    assert record["executor"] == "inline"
    assert record["config"] == {"label": "mine"}
    status = runner.invoke(app, ["job", "status", record["job_id"], "--json", *common], obj=manager)
    assert json.loads(status.output)["state"] == "succeeded"
    assert json.loads(status.output)["detail"] == "mine"
    listed = runner.invoke(app, ["plugins", "list", "--json"], obj=manager)
    inline = next(p for p in json.loads(listed.output) if p["name"] == "inline")
    assert inline["provides"] == {"executors": ["inline"]}
    bad = runner.invoke(
        app, ["job", "run", "-p", str(jobs_env["pipeline"]), "-e", "inline", "-o", "nope=1"], obj=manager
    )
    assert bad.exit_code == 2
    assert "executor 'inline' settings: nope: Extra inputs are not permitted" in bad.output
    unknown = runner.invoke(app, ["job", "run", "-p", str(jobs_env["pipeline"]), "-e", "inlne"], obj=manager)
    assert unknown.exit_code == 1
    assert "inline" in unknown.output


def test_a_registration_that_is_not_an_executor_is_reported() -> None:
    manager = PluginManager(plugins={"broken": broken}, entry_points=False)
    assert "bogus" not in manager.executors(strict=False)
    info = next(i for i in manager.plugins() if i.name == "broken")
    assert "expected a subclass of basalt.Executor" in (info.error or "")
