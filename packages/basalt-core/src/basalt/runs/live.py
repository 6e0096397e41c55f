"""``basalt runs watch``: follow a run's event log from any process and show its progress.

The watcher only reads ``events.jsonl`` (appended line by line by the runner and its
workers), so it works for a run started in another terminal or by a scheduler. In a
terminal it redraws a rich table in place (:class:`rich.live.Live`); otherwise, or
with ``--once``, it prints one plain line per change::

    EventTail.poll() ─► new events ─► fold_run ─► Progress ─► table (TTY) | line (pipe)
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from basalt.engine.ledger import RunLedger
from basalt.runs.store import RunView, fold_run

FINAL = frozenset({"succeeded", "failed", "interrupted", "died"})
"""Statuses after which nothing more will be written to the log."""


class EventTail:
    """Reads the events appended to a JSON-lines file since the last :meth:`poll`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.partial = b""
        self.events: list[dict[str, Any]] = []

    def poll(self) -> list[dict[str, Any]]:
        """New complete events (a line still being written waits for the next poll)."""
        try:
            with self.path.open("rb") as handle:
                handle.seek(self.offset)
                chunk = handle.read()
        except FileNotFoundError:
            return []
        self.offset += len(chunk)
        lines = (self.partial + chunk).split(b"\n")
        self.partial = lines.pop()
        fresh = []
        for line in lines:
            try:
                fresh.append(json.loads(line))
            except ValueError:
                continue  # a torn line left by a crash
        self.events.extend(fresh)
        return fresh


@dataclass
class Progress:
    """The numbers a watcher shows."""

    status: str
    total: int
    done: int
    failed: int
    retried: int
    rows: int
    seconds: float
    running: list[tuple[int | None, str, str]] = field(default_factory=list)
    """(worker pid, batch, what it is computing) per attempt in progress."""

    @property
    def rows_per_second(self) -> float:
        """Committed rows per second of wall time so far."""
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    @property
    def eta_seconds(self) -> float | None:
        """Time left at the pace so far (None before the first batch is done, or when finished)."""
        left = self.total - self.done
        if self.status in FINAL or left <= 0 or self.done == 0:
            return None
        return self.seconds / self.done * left


def progress_of(view: RunView) -> Progress:
    """The watcher's numbers for ``view``."""
    skipped = [b for b in view.skipped if b not in view.committed]
    return Progress(
        status=view.status,
        total=view.batches,
        done=len(view.committed) + len(skipped),
        failed=len(view.failed),
        retried=len(view.retried),
        rows=view.total_rows,
        seconds=view.seconds,
        running=[(a.worker, f"{a.batch}#{a.number}", a.current) for a in view.running],
    )


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m{secs:02d}s" if hours else f"{minutes}m{secs:02d}s"


def plain_line(view: RunView, progress: Progress) -> str:
    """One line describing the run now (the non-TTY watcher prints it on every change)."""
    working = "; ".join(
        f"worker {pid}: {batch}" + (f" ({doing})" if doing else "") for pid, batch, doing in progress.running
    )
    return (
        f"run {view.run_id} [{view.dataset}] {progress.status}: {progress.done}/{progress.total} batches "
        f"done, {len(progress.running)} running, {progress.failed} failed, {progress.retried} retried; "
        f"{progress.rows:,} rows, {progress.rows_per_second:,.0f} rows/s, "
        f"elapsed {_duration(progress.seconds)}, ETA {_duration(progress.eta_seconds)}"
        + (f" | {working}" if working else "")
    )


def live_table(view: RunView, progress: Progress) -> Group:
    """The TTY view: a header line and one row per worker with its batch in progress."""
    colour = {"succeeded": "green", "failed": "red", "died": "red", "interrupted": "yellow"}.get(
        progress.status, "cyan"
    )
    header = Text.assemble(
        (f"run {view.run_id} ", "bold"),
        (f"[{view.dataset}] ", "dim"),
        (progress.status, f"bold {colour}"),
        f"\n{progress.done}/{progress.total} batches done · {progress.failed} failed · "
        f"{progress.retried} retried · {progress.rows:,} rows · {progress.rows_per_second:,.0f} rows/s · "
        f"elapsed {_duration(progress.seconds)} · ETA {_duration(progress.eta_seconds)}",
    )
    table = Table(expand=False, show_edge=False)
    for column in ("worker", "batch", "computing", "for"):
        table.add_column(column)
    for attempt in view.running:
        table.add_row(
            str(attempt.worker or "?"),
            f"{attempt.batch} (attempt {attempt.number})",
            attempt.current or "starting",
            _duration(
                view.seconds - (attempt.started - view.started).total_seconds() if view.started else None
            ),
        )
    if not view.running:
        table.add_row("-", "-", "idle" if progress.status not in FINAL else progress.status, "-")
    return Group(header, table)


def watch(
    ledger: RunLedger,
    *,
    console: Console,
    live: bool,
    once: bool = False,
    interval: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
) -> RunView:
    """Follow ``ledger``'s run until it finishes (or one snapshot with ``once``); return the last view.

    Args:
        ledger: The run to follow.
        console: Where to draw.
        live: Redraw a table in place (a terminal); else print a line whenever the run changes.
        once: Show the run as it is now and return.
        interval: Seconds between looks at the event log.
        sleep: The pause between looks (tests pass their own).
    """
    tail = EventTail(ledger.events_path)
    tail.poll()
    view = fold_run(ledger, tail.events)
    if once:
        progress = progress_of(view)
        if live:
            console.print(live_table(view, progress))
        else:
            console.print(plain_line(view, progress), markup=False, highlight=False, soft_wrap=True)
        return view
    if live:
        with Live(live_table(view, progress_of(view)), console=console, refresh_per_second=4) as screen:
            while view.status not in FINAL:
                sleep(interval)
                tail.poll()
                view = fold_run(ledger, tail.events)
                screen.update(live_table(view, progress_of(view)))
        return view
    shown = ""
    while True:
        progress = progress_of(view)
        line = plain_line(view, progress)
        # Elapsed time and rates change every look: print when the state itself changes.
        state = (progress.status, progress.done, progress.failed, tuple(progress.running), progress.rows)
        if repr(state) != shown:
            console.print(line, markup=False, highlight=False, soft_wrap=True)
            shown = repr(state)
        if view.status in FINAL:
            return view
        sleep(interval)
        tail.poll()
        view = fold_run(ledger, tail.events)


__all__ = ["EventTail", "Progress", "live_table", "plain_line", "progress_of", "watch"]
