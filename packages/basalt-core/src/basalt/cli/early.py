"""Start a run's workers as ``basalt pipeline run`` starts, before the CLI is even imported.

A worker takes ~0.5 s to start (interpreter, Polars, the engine). Started here, its start-up
overlaps this process's own imports, command-line parsing and planning instead of following
them, and the run's pool adopts it (:func:`basalt.engine.pool.start_early`); one no run adopts
(the command failed first, or fewer are needed) is stopped when this process exits.

How many: the run will want ``min(NUM_WORKERS, trading days)`` workers, which only the
pipeline knows. Here it is guessed from the command line (``--workers``, ``--date``,
``--start-date``/``--end-date`` as ISO dates) and, for a YAML pipeline, its top-level
``NUM_WORKERS``, ``START_DATE``, ``END_DATE`` and ``EXCLUDE_WEEKENDS``. Anything unclear
(``--set``, relative dates, a Python pipeline, a file that does not parse) counts as one
worker: a wrong guess costs a worker started early or late, never a wrong run. A worker
started late was the rule before: on a 5-day run with two workers the second one started
when planning ended and joined ~0.6 s after the first.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

_SKIP = {"--dry-run", "--help", "-h"}


def start_run_workers_early(args: list[str]) -> None:
    """``basalt pipeline run`` (not ``--dry-run``/``--help``): start the workers it will want now."""
    words = [arg for arg in args if arg != "--debug"]
    if words[:2] != ["pipeline", "run"] or _SKIP & set(words):
        return
    from basalt.engine.pool import start_early

    start_early(expected_workers(words[2:]))


def expected_workers(options: list[str]) -> int:
    """The run's worker count, guessed from its options and YAML pipeline file (1 when unsure)."""
    try:
        return _guess(options)
    except Exception:  # a guess only: the run itself reports what is wrong with its input
        return 1


def _guess(options: list[str]) -> int:
    given = _values(options)
    settings: dict[str, Any] = {}
    path = given.get("--pipeline") or given.get("-p")
    if path and Path(path).suffix in {".yaml", ".yml"}:
        import yaml  # the run reads the file with it next anyway

        loaded = yaml.safe_load(Path(path).read_text())
        settings = loaded if isinstance(loaded, dict) else {}
    workers = int(given.get("--workers") or settings.get("NUM_WORKERS") or 1)
    if workers <= 1 or any(word == "--set" or word.startswith("--set=") for word in options):
        return 1
    if "--date" in given:
        return 1
    start = _as_date(given.get("--start-date") or settings.get("START_DATE"))
    end = _as_date(given.get("--end-date") or settings.get("END_DATE"))
    if start is None or end is None or end < start:
        return 1
    from basalt.engine.calendar import trading_days  # the run's own calendar (imports nothing heavy)

    days = trading_days(start, end, exclude_weekends=settings.get("EXCLUDE_WEEKENDS", True) is not False)
    return max(1, min(workers, len(days), os.cpu_count() or 1))


def _values(options: list[str]) -> dict[str, str]:
    """``--name value`` and ``--name=value`` pairs of the command line (last one wins)."""
    found: dict[str, str] = {}
    for index, word in enumerate(options):
        if "=" in word and word.startswith("--"):
            name, _, value = word.partition("=")
            found[name] = value
        elif word.startswith("-") and index + 1 < len(options):
            found[word] = options[index + 1]
    return found


def _as_date(value: object) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None  # 'today', 'yesterday-3' …: resolved by the run, one worker guessed
    return None


__all__ = ["expected_workers", "start_run_workers_early"]
