"""Folding a ledger by hand-written events: a run whose process died, then was resumed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from basalt.engine.ledger import RunLedger
from basalt.runs.live import Progress, plain_line, progress_of
from basalt.runs.store import RunLookupError, find, fold_run

T0 = datetime(2026, 1, 7, 22, 0, tzinfo=UTC)
B5, B6, B7 = "2026-01-05_2026-01-05", "2026-01-06_2026-01-06", "2026-01-07_2026-01-07"


def _write(ledger: RunLedger, events: list[tuple[float, str, dict[str, Any]]]) -> None:
    ledger.create()
    lines = [
        json.dumps({"ts": (T0 + timedelta(seconds=s)).isoformat(), "run_id": ledger.run_id, "event": e, **f})
        for s, e, f in events
    ]
    ledger.events_path.write_text("\n".join(lines) + "\n")


def test_a_died_then_resumed_run(tmp_path: Path) -> None:
    ledger = RunLedger(tmp_path, "nightly", "20260107T220000Z-abcdef")
    gone = {"user": "ana", "host": "elsewhere", "pid": 11}
    _write(
        ledger,
        [
            (0, "run_started", {"batches": 3, "skipped": [], **gone}),
            (1, "batch_started", {"batch": B5, "attempt": 1, "worker": 101}),
            (2, "pass_finished", {"batch": B5, "pid": 101, "pass": "bars", "rows": 10, "seconds": 0.5}),
            (3, "batch_committed", {"batch": B5, "attempt": 1, "rows": {"bars": 10}, "seconds": 2.0}),
            (3, "batch_started", {"batch": B6, "attempt": 1, "worker": 101}),
            (4, "pass_started", {"batch": B6, "pid": 101, "pass": "bars", "day": "2026-01-06"}),
            # the runner is killed here: no run_finished; resumed 100 s later by another process
            (104, "run_started", {"batches": 3, "skipped": [B5], **gone}),
            (105, "batch_started", {"batch": B6, "attempt": 1, "worker": 202}),
            (106, "pass_finished", {"batch": B6, "pid": 202, "pass": "bars", "rows": 7, "seconds": 0.4}),
            (107, "batch_committed", {"batch": B6, "attempt": 1, "rows": {"bars": 7}, "seconds": 1.5}),
            (107, "batch_started", {"batch": B7, "attempt": 1, "worker": 202}),
            (108, "batch_error", {"batch": B7, "pid": 202, "type": "KeyError", "message": "'Price'"}),
            (
                109,
                "batch_failed",
                {"batch": B7, "attempt": 1, "reason": "KeyError: 'Price'", "retryable": False},
            ),
            (110, "run_finished", {"status": "failed", "rows": {"bars": 7}, "seconds": 6.0}),
        ],
    )
    view = fold_run(ledger)
    assert view.status == "failed"
    assert view.started_by == "ana@elsewhere"
    outcomes = [(a.batch, a.number, a.worker, a.outcome) for a in view.attempts]
    assert outcomes == [
        (B5, 1, 101, "committed"),
        (B6, 1, 101, "stopped"),  # its process died: stopped at the last event it wrote
        (B6, 1, 202, "committed"),
        (B7, 1, 202, "failed"),
    ]
    assert view.attempts[1].ended == T0 + timedelta(seconds=4)
    assert view.committed == [B5, B6]
    assert view.failed == [B7]
    assert view.retried == [B6]
    assert view.rows == {"bars": 17}
    assert view.summary()["done"] == 2  # the resume skipped the 5th: counted once
    # Seconds the processes ran: 0→4 (the dead one's last event), then 104→110.
    assert view.seconds == pytest.approx(4 + 6)
    assert view.cause == {"type": "KeyError", "message": "'Price'", "culprit": None, "retryable": None}
    assert [(p.batch, p.rows) for p in view.passes] == [(B5, 10), (B6, 7)]
    progress = progress_of(view)
    assert (progress.done, progress.total, progress.failed, progress.eta_seconds) == (2, 3, 1, None)
    assert "failed: 2/3 batches done, 0 running, 1 failed, 1 retried; 17 rows" in plain_line(view, progress)


def test_eta_and_lookup() -> None:
    running = Progress("running", total=10, done=2, failed=0, retried=0, rows=100, seconds=30.0)
    assert running.eta_seconds == pytest.approx(120.0)  # 15 s a batch so far, 8 left
    assert running.rows_per_second == pytest.approx(100 / 30)
    assert Progress("running", 10, 0, 0, 0, 0, 5.0).eta_seconds is None


def test_find_by_prefix_and_ambiguity(tmp_path: Path) -> None:
    for dataset, run_id in (("a", "20260101T000000Z-aaaaaa"), ("b", "20260102T000000Z-bbbbbb")):
        RunLedger(tmp_path, dataset, run_id).create()
    assert find(tmp_path, "last").run_id == "20260102T000000Z-bbbbbb"
    assert find(tmp_path, "20260101").dataset == "a"
    assert find(tmp_path, "last", dataset="a").run_id == "20260101T000000Z-aaaaaa"
    with pytest.raises(RunLookupError, match="matches several runs"):
        find(tmp_path, "2026")
