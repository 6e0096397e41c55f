"""Reading runs back from the run ledger: lists, folded views, live watching, HTML reports, pruning.

Built on :mod:`basalt.engine.ledger` (no second bookkeeping): every view is folded
from a run's ``events.jsonl``, ``report.json`` and ``run.json``.
"""

from __future__ import annotations

from basalt.runs.store import Attempt, PassStats, RunLookupError, RunView, find, fold_run, list_runs

__all__ = ["Attempt", "PassStats", "RunLookupError", "RunView", "find", "fold_run", "list_runs"]
