"""Scale-out with Dagster's celery executor: a real Redis on 127.0.0.1 and two celery workers.

Four partitions (two days × two universes, XLON and BATE) are launched at once
as four runs of the pipeline's job with ``dagster_celery.celery_executor``; each
worker runs one step at a time, so both take work. The union of what they wrote
equals Basalt's own run over the same days and listings. Redis and the workers
are started here and stopped by PID (their process groups); every wait is bounded.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from basalt.engine import load_pipeline, run_pipeline
from basalt.testing import make_plugin_manager

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("redis-server") is None,
        reason="redis-server is not on PATH (apt-get install redis-server)",
    ),
]

ONLY_BARS = "\n".join(  # the demo's first pass: Parquet (several writers at once, disjoint listings)
    ["PASSES:", "  - name: bars", "    modules: [trade, l2]", "    time_bucket_seconds: 60"]
)

CODE = """
from dagster_celery import celery_executor

from basalt.testing import make_plugin_manager
from basalt_dagster import build_definitions

defs = build_definitions(
    {pipeline!r},
    universes={{"xlon": "mic=XLON", "bate": "mic=BATE"}},
    plugins=make_plugin_manager(),
    executor=celery_executor.configured({{"broker": {broker!r}, "backend": {backend!r}}}),
)


def basalt_job():
    return defs.resolve_job_def("basalt__demo__job")
"""

LAUNCH = """
import sys

import dagster as dg

import celery_defs

day, universe = sys.argv[1:3]
key = dg.MultiPartitionKey({"date": day, "universe": universe})
result = dg.execute_job(
    dg.reconstructable(celery_defs.basalt_job),
    instance=dg.DagsterInstance.get(),
    tags={"dagster/partition": str(key)},
    raise_on_error=False,
)
engine = " ".join(e.message or "" for e in result.all_events if e.event_type_value == "ENGINE_EVENT")
print(("success" if result.success else "failure"), ("celery" if "celery" in engine.lower() else "local"))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise TimeoutError(f"{what} within {seconds} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a process we started (and its children: it leads its own session) by its PID."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import redis

    port = free_port()
    folder = tmp_path_factory.mktemp("redis")
    server = subprocess.Popen(
        [
            "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
        ],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    client = redis.Redis(host="127.0.0.1", port=port)

    def answers() -> bool:
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False

    try:
        wait_for(answers, 20, "redis-server did not answer PING")
        yield f"redis://127.0.0.1:{port}"
    finally:
        stop(server)


def test_a_backfill_runs_on_two_celery_workers(
    tmp_path: Path,
    lake: Path,
    demo_writer: Callable[..., Path],
    redis_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reference = demo_writer(tmp_path / "reference", lake)
    reference.write_text(reference.read_text().split("PASSES:")[0] + ONLY_BARS + "\n")
    assert (
        run_pipeline(
            load_pipeline(reference), state_dir=tmp_path / "state", manager=make_plugin_manager()
        ).status
        == "succeeded"
    )
    pipeline = demo_writer(tmp_path / "celery", lake)
    pipeline.write_text(reference.read_text())

    home, code = tmp_path / "dagster_home", tmp_path / "code"
    home.mkdir()
    code.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    broker, backend = f"{redis_url}/0", f"{redis_url}/1"
    (code / "celery_defs.py").write_text(CODE.format(pipeline=str(pipeline), broker=broker, backend=backend))
    (code / "launch.py").write_text(LAUNCH)
    (code / "dagster_celery_config.py").write_text(f"broker_url = {broker!r}\nresult_backend = {backend!r}\n")
    env = {**os.environ, "DAGSTER_HOME": str(home), "PYTHONPATH": os.pathsep.join([str(code), *sys.path])}
    celery = str(Path(sys.executable).with_name("celery"))
    logs = [tmp_path / f"worker{i}.log" for i in (1, 2)]
    workers = [
        subprocess.Popen(
            [
                celery,
                "-A",
                "dagster_celery.app",
                "worker",
                "-Q",
                "dagster",
                "-c",
                "1",
                "-O",
                "fair",
                "--prefetch-multiplier=1",
                "-n",
                f"basalt{i}@%h",
                "--loglevel",
                "INFO",
            ],
            env=env,
            cwd=code,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for i, log in enumerate(logs, start=1)
    ]
    try:

        def ready() -> bool:
            for worker, log in zip(workers, logs, strict=True):
                if worker.poll() is not None:
                    raise RuntimeError(f"celery worker exited with {worker.returncode}:\n{log.read_text()}")
            return all("ready." in log.read_text() for log in logs)

        wait_for(ready, 180, "celery workers were not ready")
        # The instance's SQLite storage is created once, before four processes open it at once.
        init = "import dagster as dg; dg.DagsterInstance.get().get_runs(limit=1)"
        subprocess.run([sys.executable, "-c", init], env=env, check=True, timeout=120)
        # Four runs at once, each in its own process (as a run launcher would start them).
        launches = [
            subprocess.Popen(
                [sys.executable, str(code / "launch.py"), day, universe],
                env=env,
                cwd=code,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                start_new_session=True,
            )
            for day in ("2026-01-05", "2026-01-06")
            for universe in ("xlon", "bate")
        ]
        outputs = []
        for launch in launches:
            try:
                outputs.append(launch.communicate(timeout=300)[0])
            finally:
                stop(launch)
        assert [o.strip().splitlines()[-1] for o in outputs] == ["success celery"] * 4, outputs
    finally:
        for worker in workers:
            stop(worker)
    done = [log.read_text().count("succeeded in") for log in logs]
    assert sum(done) == 4
    assert min(done) >= 1, f"steps per worker: {done}"

    def bars(path: Path) -> pl.DataFrame:
        frame = pl.read_parquet(path.parent / "output" / "demo" / "bars", hive_partitioning=False)
        return frame.sort("ListingId", "TimeBucket")

    expected = bars(reference)
    assert set(expected["Date"].to_list()) == {date(2026, 1, 5), date(2026, 1, 6)}
    assert_frame_equal(bars(pipeline), expected)
