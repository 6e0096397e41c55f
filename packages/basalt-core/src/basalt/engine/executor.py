"""The pass executor, shared by day and panel scopes: modules → join on keys → dated, ordered output.

    inputs (load_input per InputRef) ─► each module's compute(inputs, effective buckets)
    ─► full join on the pass's keys ─► timeline (scope-specific: a dense grid and the
    day's Date, or each row's Date from its inputs) ─► keys, Date, columns ─► sort ─► collect

Every pass builds one lazy query and collects it once, so Polars can share the
scans its modules have in common. What differs between scopes is only where
inputs come from and how rows get their ``Date``; both are given by the caller.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import reduce
from typing import Protocol

import polars as pl

from basalt.engine.resolve import InputRef, ResolvedPass
from basalt.writers.base import DATE_COLUMN


class LoadInput(Protocol):
    """Gives a module input by reference: a table (loaded for the scope's listings and days) or an
    earlier pass's output; ``ordered=False``: the module needs no time-ordered rows."""

    def __call__(self, ref: InputRef, *, ordered: bool = True) -> pl.LazyFrame: ...


Timeline = Callable[[pl.LazyFrame, list[str], list[str]], pl.LazyFrame]
"""``(joined, keys, additive columns) → frame with a Date column``: the scope's timeline."""


def join_on_keys(frames: list[pl.LazyFrame], keys: list[str]) -> pl.LazyFrame:
    """Full outer join on ``keys`` with coalesced keys: no duplicate or leaked key columns."""
    return reduce(lambda left, right: left.join(right, on=keys, how="full", coalesce=True), frames)


def pass_keys(resolved: ResolvedPass) -> list[str]:
    """The keys every module of the pass shares (``ListingId``, ``TimeBucket`` by default)."""
    keys = [list(m.module.KEYS) for m in resolved.modules]
    common = [key for key in keys[0] if all(key in other for other in keys[1:])]
    if not common:
        raise ValueError(f"pass {resolved.name!r}: its modules share no key columns ({keys})")
    return common


def execute_pass(
    resolved: ResolvedPass,
    load_input: LoadInput,
    timeline: Timeline,
    *,
    states: Mapping[str, pl.LazyFrame] | None = None,
    new_states: dict[str, pl.DataFrame] | None = None,
) -> pl.DataFrame:
    """Compute one pass: its output holds the keys, ``Date`` and every module column, sorted by the keys.

    A stateful module (its ``state_schema()`` is not None) computes with ``states[its
    name]`` (its previous state; an empty one when absent) and its new state is
    collected with the output, in the same query, into ``new_states[its name]``.
    """
    buckets = resolved.effective_buckets
    frames: list[pl.LazyFrame] = []
    additive: list[str] = []
    state_frames: dict[str, pl.LazyFrame] = {}
    for module in resolved.modules:
        ordered = module.module.TIME_ORDERED_INPUTS
        inputs = {name: load_input(ref, ordered=ordered) for name, ref in module.inputs.items()}
        if module.module.state_schema() is not None:
            previous = (states or {}).get(module.name)
            output, state = module.module.compute_with_state(
                inputs, buckets, previous if previous is not None else module.module.empty_state()
            )
            frames.append(output)
            state_frames[module.name] = state
        elif module.module.streaming_safe():
            # No float sums whose order could vary: collected on the (faster) streaming engine.
            frames.append(module.module.compute(inputs, buckets).collect(engine="streaming").lazy())
        else:
            frames.append(module.module.compute(inputs, buckets))
        additive.extend(doc.name for doc in module.module.columns() if doc.additive)
    keys = pass_keys(resolved)
    output = timeline(join_on_keys(frames, keys), keys, additive)
    ordered = [*keys[:1], DATE_COLUMN, *keys[1:]]
    rest = [c for c in output.collect_schema().names() if c not in ordered]
    # The in-memory engine, not the streaming default: the streaming engine merges partial
    # float aggregates in whatever order its threads finish, so two runs of the same inputs
    # differed in the last bits (85207.16177999998 vs 85207.16178). One pass of one day and
    # symbol batch is bounded in size anyway; the cost is measured in docs/performance.md.
    final = output.select([*ordered, *rest]).sort(keys)
    if not state_frames:
        return final.collect(engine="in-memory")
    collected = pl.collect_all([final, *state_frames.values()], engine="in-memory")
    if new_states is not None:
        new_states.update(zip(state_frames, collected[1:], strict=True))
    return collected[0]


__all__ = ["LoadInput", "Timeline", "execute_pass", "join_on_keys", "pass_keys"]
