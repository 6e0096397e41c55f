"""``basalt runs prune``: ledger retention. Deletes run folders of the ledger, never outputs.

Only ``{state_dir}/{dataset}/runs/{run_id}`` folders are removed (events, report,
plan, logs, result files). Outputs live where the pipeline's writers put them and
are not looked at. A run still going is never pruned.
"""

from __future__ import annotations

import re
import shutil
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from basalt.engine.ledger import RunLedger
from basalt.runs.store import datasets, fold_run, list_runs

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 7 * 86_400}
LIVE = frozenset({"running", "starting", "unfinished"})
"""Statuses of runs that may still write to their folder: never pruned."""


class PruneArgumentError(ValueError):
    """``--keep`` / ``--older-than`` missing or malformed."""


def parse_age(text: str) -> timedelta:
    """``30d``, ``12h``, ``2w``, ``90m``, ``45s`` → a duration.

    Raises:
        PruneArgumentError: Anything else.
    """
    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*", text)
    if not found:
        raise PruneArgumentError(f"--older-than {text!r}: expected a number and a unit s, m, h, d or w (30d)")
    return timedelta(seconds=float(found.group(1)) * UNITS[found.group(2)])


@dataclass(frozen=True)
class Pruned:
    """A run selected for deletion, and why."""

    ledger: RunLedger
    status: str
    age_days: float


def last_activity(ledger: RunLedger) -> float:
    """When the run last wrote to its ledger (epoch seconds): its events file, else its folder."""
    for path in (ledger.events_path, ledger.report_path, ledger.run_dir):
        try:
            return path.stat().st_mtime
        except OSError:
            continue
    return 0.0


def select(
    state_dir: Path,
    *,
    keep: int | None = None,
    older_than: timedelta | None = None,
    dataset: str | None = None,
    now: float | None = None,
) -> list[Pruned]:
    """Runs to delete: per dataset, those past the newest ``keep`` and/or idle for ``older_than``.

    With both, a run must be past the newest ``keep`` *and* older than ``older_than``.
    Runs that are still going are always kept.

    Raises:
        PruneArgumentError: Neither ``keep`` nor ``older_than`` given, or ``keep`` < 0.
    """
    if keep is None and older_than is None:
        raise PruneArgumentError("say what to delete: --keep N (per dataset) and/or --older-than 30d")
    if keep is not None and keep < 0:
        raise PruneArgumentError(f"--keep {keep}: must be 0 or more")
    now = time.time() if now is None else now
    chosen: list[Pruned] = []
    for name in [dataset] if dataset else datasets(state_dir):
        runs = list_runs(state_dir, name)  # newest first
        for ledger in runs[keep:] if keep is not None else runs:
            age = now - last_activity(ledger)
            if older_than is not None and age < older_than.total_seconds():
                continue
            status = fold_run(ledger).status
            if status in LIVE:
                continue
            chosen.append(Pruned(ledger, status, age / 86_400))
    return chosen


def delete(pruned: list[Pruned]) -> int:
    """Delete the selected run folders (only folders inside their ledger's ``runs`` folder)."""
    removed = 0
    for item in pruned:
        folder = item.ledger.run_dir.resolve()
        runs_root = (item.ledger.dataset_dir / "runs").resolve()
        if folder.parent != runs_root or not folder.is_dir():
            continue  # never anything outside the ledger
        shutil.rmtree(folder)
        removed += 1
    return removed


__all__ = ["PruneArgumentError", "Pruned", "delete", "last_activity", "parse_age", "select"]
