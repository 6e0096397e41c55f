"""``basalt runs report --html`` and ``basalt runs prune`` on a real run with a crash and a retry.

The page is checked twice: parsed (one SVG bar per batch attempt the ledger records, on
its worker's lane, in time order, nothing fetched from the network) and, where a headless
Chromium is installed, rendered by it: the screenshot shows the bars' colours.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import shutil
import subprocess
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from basalt.cli import build_app
from basalt.engine.ledger import RunLedger
from basalt.engine.loader import load_pipeline
from basalt.engine.runner import run_pipeline
from basalt.plugins.manager import get_plugin_manager
from basalt.runs.html import COLOURS

BROWSERS = ("chromium-headless-shell", "chromium", "chromium-browser", "google-chrome")


def _invoke(*args: str) -> tuple[int, str]:
    manager = get_plugin_manager()
    result = CliRunner().invoke(build_app(manager), list(args), obj=manager)
    return result.exit_code, result.output


class _Page(HTMLParser):
    """Collects the timeline's bars and every attribute that could fetch something."""

    def __init__(self) -> None:
        super().__init__()
        self.bars: list[dict[str, str]] = []
        self.fetches: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        self.tags.add(tag)
        if tag == "rect" and "attempt" in found.get("class", "").split():
            self.bars.append(found)
        self.fetches += [v for k, v in found.items() if k in ("src", "href") and v]


def _crashed_and_retried_run(env: dict[str, Path], make_pipeline: Callable[..., Path]) -> RunLedger:
    """Two daily batches on one worker at a time; the 6th's worker is killed, its retry (on a new
    worker process: a second lane) commits."""
    (env["control"] / "kill-2026-01-06").touch()
    report = run_pipeline(load_pipeline(make_pipeline(NUM_WORKERS=1, MAX_RETRIES=1)), state_dir=env["state"])
    assert report.status == "succeeded"
    return RunLedger(env["state"], "watched", report.run_id)


def test_the_html_report_has_one_bar_per_attempt_on_its_worker_lane(
    env: dict[str, Path], make_pipeline: Callable[..., Path], tmp_path: Path
) -> None:
    ledger = _crashed_and_retried_run(env, make_pipeline)
    page = tmp_path / "report" / "run.html"
    code, output = _invoke("runs", "report", "last", "--html", str(page), "--state-dir", str(env["state"]))
    assert code == 0, output
    text = page.read_text()
    parsed = _Page()
    parsed.feed(text)
    assert parsed.fetches == []  # self-contained: no CDN, no external stylesheet or script
    assert "script" not in parsed.tags
    assert "svg" in parsed.tags
    started = [e for e in ledger.events() if e["event"] == "batch_started"]
    expected = {(e["batch"], str(e["attempt"]), str(e["worker"])) for e in started}
    assert len(expected) == 3  # the 5th, the 6th's crashed attempt, its retry
    assert len({worker for _, _, worker in expected}) == 2
    assert {(b["data-batch"], b["data-attempt"], b["data-worker"]) for b in parsed.bars} == expected
    outcomes = {(b["data-batch"], b["data-attempt"]): b["data-outcome"] for b in parsed.bars}
    assert outcomes == {
        ("2026-01-05_2026-01-05", "1"): "committed",
        ("2026-01-06_2026-01-06", "1"): "failed",
        ("2026-01-06_2026-01-06", "2"): "committed",
    }
    # One lane per worker process, in the order workers first started a batch.
    first_seen: dict[str, int] = {}
    for event in started:
        first_seen.setdefault(str(event["worker"]), len(first_seen))
    assert {b["data-worker"]: int(b["data-lane"]) for b in parsed.bars} == first_seen
    # Bars are placed in the order the ledger started them, and never overlap on one lane.
    by_start = sorted(parsed.bars, key=lambda b: float(b["data-start"]))
    assert [(b["data-batch"], b["data-attempt"]) for b in by_start][-1] == ("2026-01-06_2026-01-06", "2")
    for lane in set(first_seen.values()):
        bars = sorted(
            (b for b in parsed.bars if int(b["data-lane"]) == lane), key=lambda b: float(b["data-start"])
        )
        for before, after in itertools.pairwise(bars):
            assert float(before["data-end"]) <= float(after["data-start"])
    assert "crashed (exit code -9" in text  # the failed attempt's cause, in its tooltip and the table
    _check_in_a_headless_browser(page, tmp_path)


def _check_in_a_headless_browser(page: Path, tmp_path: Path) -> None:
    browser = next((found for name in BROWSERS if (found := shutil.which(name))), None)
    if browser is None:
        pytest.skip("no headless browser installed (apt-get install chromium-headless-shell); parsed only")
    from PIL import Image

    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1200,1000",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    image = Image.open(shot).convert("RGB")
    pixels = image.get_flattened_data() if hasattr(image, "get_flattened_data") else image.getdata()
    counts = {outcome: 0 for outcome in ("committed", "failed")}
    wanted = {tuple(int(COLOURS[o][i : i + 2], 16) for i in (1, 3, 5)): o for o in counts}
    for pixel in pixels:
        outcome = wanted.get(pixel)
        if outcome:
            counts[outcome] += 1
    # Bars are at least 2 px wide and 22 px high; the legend's swatches alone are < 200 px each.
    assert counts["committed"] > 400, counts
    assert counts["failed"] > 200, counts


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _fake_run(state: Path, run_id: str, *, alive: bool) -> RunLedger:
    """A ledger entry: finished long ago, or still running (its pid is this test's, alive)."""
    ledger = RunLedger(state, "watched", run_id)
    ledger.create()
    fields: dict[str, Any] = {"batches": 1, "skipped": [], "user": "u", "host": "h", "pid": None}
    if alive:
        from basalt.engine.ledger import started_by

        fields.update(started_by())
    ledger.emit("run_started", **fields)
    if not alive:
        ledger.emit("run_finished", status="succeeded", rows={}, seconds=1.0)
    return ledger


def test_prune_deletes_ledger_runs_only_never_outputs_or_a_running_run(
    env: dict[str, Path], make_pipeline: Callable[..., Path]
) -> None:
    run_pipeline(load_pipeline(make_pipeline()), state_dir=env["state"])
    outputs = _digests(env["out"])
    assert outputs  # the real run wrote Parquet files
    old = [_fake_run(env["state"], f"20250101T00000{i}Z-old00{i}", alive=False) for i in range(3)]
    running = _fake_run(env["state"], "20240101T000000Z-live00", alive=True)
    state = ["--state-dir", str(env["state"])]
    code, output = _invoke("runs", "prune", "--keep", "1", "--dry-run", *state)
    assert code == 0, output
    assert "would delete 3 run(s)" in output
    assert all(o.run_dir.exists() for o in old)
    code, output = _invoke("runs", "prune", "--keep", "1", *state)
    assert code == 0, output
    assert "deleted 3 run(s); outputs untouched" in output
    assert not any(o.run_dir.exists() for o in old)
    assert running.run_dir.exists()  # older than the kept one, but still running: never pruned
    code, output = _invoke("runs", "list", "--json", *state)
    assert len(json.loads(output)) == 2
    code, output = _invoke("runs", "prune", "--older-than", "0s", *state)
    assert code == 0, output
    assert "deleted 1 run(s)" in output  # the real run's ledger; the running one stays
    assert running.run_dir.exists()
    assert _digests(env["out"]) == outputs
    code, output = _invoke("runs", "prune", *state)
    assert code == 2
    assert "--keep N" in output
    code, output = _invoke("runs", "prune", "--older-than", "30 days", *state)
    assert code == 2
    assert "expected a number and a unit" in output
