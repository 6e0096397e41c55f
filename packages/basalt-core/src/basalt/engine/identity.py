"""A run's identity on resume: what changed between the run's recorded plan and a new one.

The ledger records the plan's fingerprint and configuration when a run starts
(``run.json``); ``--resume`` compares them with the plan it would run now. Execution
settings (:data:`basalt.engine.plan.EXECUTION_KEYS`) may differ; anything else that
determines the output may not.
"""

from __future__ import annotations

import json
from typing import Any

from basalt.engine.plan import EXECUTION_KEYS, GATE_KEYS, RunPlan


def _shown(value: Any) -> str:
    return json.dumps(value, default=str)


def config_differences(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """``PASSES[0].time_bucket_seconds: 60 → 300`` for every output-relevant key that differs."""

    def flat(value: Any, prefix: str = "") -> dict[str, Any]:
        if isinstance(value, dict):
            items: dict[str, Any] = {}
            for key, child in value.items():
                gate = key in GATE_KEYS and prefix.startswith("PASSES[")  # not output-determining
                if (not prefix and key in EXECUTION_KEYS) or gate:
                    continue
                items.update(flat(child, f"{prefix}.{key}" if prefix else str(key)))
            return items
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            items = {}
            for index, child in enumerate(value):
                items.update(flat(child, f"{prefix}[{index}]"))
            return items
        return {prefix: value}

    old, new = flat(before), flat(after)
    return [
        f"{key}: {_shown(old.get(key, '(unset)'))} → {_shown(new.get(key, '(unset)'))}"
        for key in sorted(set(old) | set(new))
        if old.get(key, "(unset)") != new.get(key, "(unset)")
    ]


def resume_mismatch(recorded: dict[str, Any], plan: RunPlan) -> tuple[list[str], list[str]]:
    """The fingerprint parts that changed and one line per change (keys, plugins, universe).

    Both lists are empty when ``plan`` may continue the recorded run.
    """
    old = recorded.get("fingerprint", {})
    changed = sorted(
        part for part in set(old) | set(plan.fingerprint) if old.get(part) != plan.fingerprint.get(part)
    )
    if not changed:
        return [], []
    details = config_differences(recorded.get("config", {}), plan.config)
    if "plugins" in changed:
        details.append(f"plugins: {recorded.get('plugins')} → {plan.plugins.describe()}")
    if "universe" in changed:
        details.append("universe: the listings of some days differ")
    return changed, details


__all__ = ["config_differences", "resume_mismatch"]
