"""``basalt runs list|show|logs|watch``: real runs, read back from their ledger by the CLI.

The watch test starts ``basalt pipeline run`` in one process and ``basalt runs watch`` in
another; the run is held mid-way by a control file (the module waits for it to go), so
the order of what the watcher sees is fixed by events, not by timing.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from basalt.cli import build_app
from basalt.engine.loader import load_pipeline
from basalt.engine.runner import RunFailedError, run_pipeline
from basalt.plugins.manager import get_plugin_manager
from basalt.runs.html import render_html
from basalt.runs.live import watch
from basalt.runs.store import find, fold_run

HELD = "2026-01-06"
WAIT = 120.0
"""Longest wait for a subprocess to reach a point (never reached when the test passes; not asserted)."""


def _invoke(*args: str) -> tuple[int, str]:
    manager = get_plugin_manager()
    result = CliRunner().invoke(build_app(manager), list(args), obj=manager)
    return result.exit_code, result.output


def _wait_for(path: Path, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + WAIT
    while not path.exists():
        if process.poll() is not None:
            raise AssertionError(f"the run ended before {path.name} appeared: {process.communicate()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"{path.name} never appeared")
        time.sleep(0.05)


def test_a_run_in_another_process_is_watched_live_to_its_end(
    env: dict[str, Path], make_pipeline: Callable[..., Path]
) -> None:
    pipeline = make_pipeline()
    (env["control"] / f"hold-{HELD}").touch()
    command = [sys.executable, "-m", "basalt"]
    state = ["--state-dir", str(env["state"])]
    run = subprocess.Popen(
        [*command, "pipeline", "run", "-p", str(pipeline), *state],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(env["control"] / f"holding-{HELD}", run)  # the 5th is committed, the 6th is held
        watcher = subprocess.Popen(
            [*command, "runs", "watch", "last", "--interval", "0.1", *state],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        # Not a terminal: one line per change. The first shows the held batch in progress.
        assert watcher.stdout is not None
        first = watcher.stdout.readline()
        # A report of the run in progress: the held batch's bar is running and reaches the present.
        page = render_html(fold_run(find(env["state"], "last")))
        (env["control"] / f"hold-{HELD}").unlink()  # release the batch
        rest, errors = watcher.communicate(timeout=WAIT)
        assert run.wait(timeout=WAIT) == 0, run.communicate()
    finally:
        if run.poll() is None:
            run.kill()
    assert "[watched] running: 1/2 batches done, 1 running, 0 failed" in first
    assert f"{HELD}_{HELD}#1 (bars {HELD})" in first  # the worker, its batch and what it computes
    running = re.search(r'class="attempt running"[^>]*data-start="([\d.]+)" data-end="([\d.]+)"', page)
    assert running is not None
    assert float(running.group(2)) > float(running.group(1))
    lines = [first, *rest.splitlines()]
    assert "succeeded: 2/2 batches done, 0 running, 0 failed" in lines[-1], lines
    assert "14 rows" in lines[-1]  # 7 one-minute bars a day, from the ledger's committed rows
    assert watcher.returncode == 0, errors


def test_a_failed_run_is_listed_shown_with_its_cause_and_its_log_is_printed(
    env: dict[str, Path], make_pipeline: Callable[..., Path]
) -> None:
    (env["control"] / f"raise-{HELD}").touch()
    pipeline = load_pipeline(make_pipeline())
    with pytest.raises(RunFailedError):
        run_pipeline(pipeline, state_dir=env["state"])
    state = ["--state-dir", str(env["state"])]
    code, output = _invoke("runs", "list", "--json", *state)
    assert code == 0, output
    (listed,) = json.loads(output)
    assert (listed["status"], listed["done"], listed["failed"], listed["batches"]) == ("failed", 1, 1, 2)
    assert listed["dates"] == "2026-01-05..2026-01-06"
    assert listed["rows"] == 7
    assert "@" in listed["started_by"]
    code, output = _invoke("runs", "show", "last", *state)
    assert code == 0, output
    assert f"cause: ValueError: bad trades on {HELD}: Size column is corrupt" in output
    code, output = _invoke("runs", "show", listed["run_id"][:12], "--json", *state)
    shown = json.loads(output)
    outcomes = {(a["batch"], a["number"]): a["outcome"] for a in shown["attempts"]}
    assert outcomes == {("2026-01-05_2026-01-05", 1): "committed", (f"{HELD}_{HELD}", 1): "failed"}
    failed = next(a for a in shown["attempts"] if a["outcome"] == "failed")
    assert failed["error"]["type"] == "ValueError"
    assert [(p["batch"], p["pass_name"], p["rows"]) for p in shown["passes"]] == [
        ("2026-01-05_2026-01-05", "bars", 7)
    ]
    code, output = _invoke("runs", "logs", "last", "--batch", f"{HELD}_{HELD}", *state)
    assert code == 0, output
    assert f"==> batch-{HELD}_{HELD}-attempt1.log <==" in output
    assert "Traceback" in output
    assert "ValueError: bad trades" in output
    assert "batch-2026-01-05" not in output
    code, followed = _invoke("runs", "logs", "last", "--follow", *state)  # finished: prints all, returns
    assert code == 0
    assert "==> batch-2026-01-05_2026-01-05-attempt1.log <==" in followed
    assert "ValueError: bad trades" in followed
    # The watcher of a finished run prints its end at once and exits 1 for a failure, naming the cause.
    code, output = _invoke("runs", "watch", "last", *state)
    assert code == 1
    assert "failed: 1/2 batches done" in output
    assert "cause: ValueError: bad trades" in output
    # In a terminal: the rich view, drawn from the same ledger.
    screen = io.StringIO()
    view = watch(
        find(env["state"], "last"), console=Console(file=screen, force_terminal=True, width=150), live=True
    )
    assert view.status == "failed"
    assert "1/2 batches done" in screen.getvalue()


def test_unknown_runs_and_empty_ledgers_are_user_errors(env: dict[str, Path]) -> None:
    code, output = _invoke("runs", "show", "last", "--state-dir", str(env["state"]))
    assert code == 1
    assert "error: no runs in" in output
    assert "Traceback" not in output
    (env["state"] / "watched" / "runs" / "20260101T000000Z-aaaaaa").mkdir(parents=True)
    code, output = _invoke("runs", "show", "nope", "--state-dir", str(env["state"]))
    assert code == 1
    assert "no run 'nope'" in output
    assert "20260101T000000Z-aaaaaa" in output
    # A folder without events whose process is gone is reported as died, not running.
    view = fold_run(find(env["state"], "last"))
    assert view.status in {"starting", "died"}
