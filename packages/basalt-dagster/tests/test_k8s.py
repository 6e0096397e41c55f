"""The Kubernetes set-up of docs/dagster.md, validated against dagster-k8s's own schemas (no cluster here)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from basalt.testing import make_plugin_manager
from basalt_dagster import build_definitions

dagster_k8s = pytest.importorskip("dagster_k8s")
from dagster_k8s.job import get_user_defined_k8s_config  # noqa: E402

EXECUTOR = {"max_concurrent": 8, "job_namespace": "dagster"}
RESOURCES = {
    "dagster-k8s/config": {
        "container_config": {
            "resources": {"requests": {"cpu": "2", "memory": "8Gi"}, "limits": {"memory": "12Gi"}}
        }
    }
}


@pytest.fixture(scope="module")
def job(tmp_path_factory: pytest.TempPathFactory, lake: Path, demo_writer: Callable[..., Path]) -> Any:
    pipeline = demo_writer(tmp_path_factory.mktemp("k8s"), lake)
    defs = build_definitions(
        pipeline,
        plugins=make_plugin_manager(),
        executor=dagster_k8s.k8s_job_executor,
        op_tags=RESOURCES,
    )
    return defs.resolve_job_def("basalt__demo__job")


def test_the_documented_executor_config_is_valid(job: Any) -> None:
    assert dg.validate_run_config(job, {"execution": {"config": EXECUTOR}})
    with pytest.raises(dg.DagsterInvalidConfigError, match="max_concurent"):
        dg.validate_run_config(job, {"execution": {"config": {"max_concurent": 8}}})


def test_the_steps_carry_the_pod_resources(job: Any) -> None:
    steps = [node.definition for node in job.graph.nodes]
    assert [step.name for step in steps] == ["basalt__demo__day_passes"]
    config = get_user_defined_k8s_config(steps[0].tags)
    assert config.container_config["resources"]["limits"] == {"memory": "12Gi"}
