"""Start a run's first worker as ``basalt pipeline run`` starts, before the CLI is even imported.

A worker takes ~0.5 s to start (interpreter, Polars, the engine). Started here, its start-up
runs on another core while this process imports the CLI, parses the command line and plans
the run, instead of after; the run's pool adopts it (:func:`basalt.engine.pool.start_early`).
One no run adopts (the command failed first) is stopped when this process exits.

Only one: how many more the run is worth depends on its input rows, which only its plan
knows (:mod:`basalt.engine.sizing`). On 2 cores a second worker started here competed with
the planning and slowed small runs by ~0.3 s (trade bars, 100 listings × 5 days); the plan
starts it when the work pays for it, and on a run that long its later start costs nothing
measurable (issue #12).
"""

from __future__ import annotations

_SKIP = {"--dry-run", "--help", "-h"}


def start_run_workers_early(args: list[str]) -> None:
    """``basalt pipeline run`` (not ``--dry-run``/``--help``): start its first worker now."""
    words = [arg for arg in args if arg != "--debug"]
    if words[:2] != ["pipeline", "run"] or _SKIP & set(words):
        return
    from basalt.engine.pool import start_early

    start_early(1)


__all__ = ["start_run_workers_early"]
