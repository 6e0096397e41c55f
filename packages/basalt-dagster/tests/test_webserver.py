"""A real ``dagster dev`` on 127.0.0.1, driven through its GraphQL API: a two-partition backfill.

``basalt dagster defs`` writes the definitions file; ``dagster dev`` (webserver and
daemon, which runs backfills) serves it; the test launches an asset backfill of
both dates with the ``launchPartitionBackfill`` mutation, polls the backfill's
status, and compares what was written with Basalt's own run. The server is
stopped by its PID (its process group); every wait is bounded.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from basalt.cli import build_app
from basalt.engine import load_pipeline, run_pipeline
from basalt.testing import make_plugin_manager
from basalt_dagster import plugin

pytestmark = pytest.mark.slow

LAUNCH = """
mutation($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message }
    ... on InvalidStepError { invalidStepKey }
    ... on UnauthorizedError { message }
  }
}
"""

STATUS = """
query($id: String!) {
  partitionBackfillOrError(backfillId: $id) {
    __typename
    ... on PartitionBackfill { status numPartitions }
    ... on PythonError { message }
  }
}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def graphql(port: int, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        answer = json.loads(response.read())
    assert "errors" not in answer, answer
    return answer["data"]


def wait_for(predicate: Callable[[], Any], seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(1)
    raise TimeoutError(f"{what} within {seconds} s")


def test_a_two_partition_backfill_through_graphql(
    tmp_path: Path, lake: Path, demo_writer: Callable[..., Path]
) -> None:
    reference = demo_writer(tmp_path / "reference", lake)
    report = run_pipeline(
        load_pipeline(reference), state_dir=tmp_path / "state", manager=make_plugin_manager()
    )
    assert report.status == "succeeded"
    pipeline = demo_writer(tmp_path / "served", lake)
    manager = make_plugin_manager(dagster=plugin)
    written = CliRunner().invoke(build_app(manager), ["dagster", "defs", "-p", str(pipeline)], obj=manager)
    assert written.exit_code == 0, written.output

    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    port = free_port()
    log = tmp_path / "dagster-dev.log"
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("dagster")),
            "dev",
            "-f",
            "definitions.py",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        cwd=pipeline.parent,
        env={**os.environ, "DAGSTER_HOME": str(home)},
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:

        def up() -> bool:
            if server.poll() is not None:
                raise RuntimeError(f"dagster dev exited with {server.returncode}:\n{log.read_text()[-3000:]}")
            try:
                return bool(graphql(port, "{ version }")["version"])
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                return False

        wait_for(up, 180, "the Dagster webserver did not answer")
        params = {
            "assetSelection": [{"path": ["basalt", "demo", "bars"]}, {"path": ["basalt", "demo", "bars15"]}],
            "partitionNames": ["2026-01-05|all", "2026-01-06|all"],
        }

        def launched() -> str | None:  # the code location may still be loading
            answer = graphql(port, LAUNCH, {"params": params})["launchPartitionBackfill"]
            if answer["__typename"] == "LaunchBackfillSuccess":
                return answer["backfillId"]
            assert "not found" in json.dumps(answer).lower() or "location" in json.dumps(answer).lower(), (
                answer
            )
            return None

        backfill = wait_for(launched, 120, "the backfill was not accepted")

        def finished() -> dict[str, Any] | None:
            state = graphql(port, STATUS, {"id": backfill})["partitionBackfillOrError"]
            return (
                state
                if state.get("status")
                in {"COMPLETED", "COMPLETED_SUCCESS", "FAILED", "CANCELED", "COMPLETED_FAILED"}
                else None
            )

        state = wait_for(finished, 400, "the backfill did not finish")
        assert state["status"] in {"COMPLETED", "COMPLETED_SUCCESS"}, (state, log.read_text()[-3000:])
        assert state["numPartitions"] == 2
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(timeout=10)

    def bars(path: Path) -> pl.DataFrame:
        return pl.read_parquet(path.parent / "output" / "demo" / "bars", hive_partitioning=False).sort(
            "ListingId", "TimeBucket"
        )

    expected = bars(reference)
    assert expected["Date"].n_unique() == 2
    assert_frame_equal(bars(pipeline), expected)
