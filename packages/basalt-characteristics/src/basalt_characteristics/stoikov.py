"""Stoikov's (2018) micro-price: the Markov estimator, fitted on one listing-day's transitions.

The state of the book is ``x = (I, S)``: the level-1 imbalance ``I = Qb/(Qb+Qa)``
discretised into ``n`` equal bins (bin ``min(⌊I·n⌋, n−1)``) and the spread ``S``
in ticks (1 … ``max_spread_ticks``). Each pair of consecutive snapshots gives a
transition ``x → y`` with a mid change ``dM`` (in ticks, a multiple of ½). With
``K`` the allowed non-zero moves (``0 < |dM| ≤ max_move_ticks``) the paper's
estimator is

* ``Q[x, y] = P(dM = 0, next state y | x)``, ``R1[x, k] = P(dM = k | x)``,
  ``R2[x, y] = P(dM ≠ 0, next state y | x)`` — transition frequencies;
* ``G¹ = (1 − Q)⁻¹·R1·K`` (expected mid change at the next mid move),
  ``B = (1 − Q)⁻¹·R2`` (state just after that move);
* ``g = Σ_{i=0}^{terms−1} Bⁱ·G¹`` and the micro-price ``P = M + tick·g(x)``.

With ``symmetrize`` every transition also enters mirrored (imbalance bin
``b → n−1−b``, ``dM → −dM``), as in the paper, so the estimate is symmetric.

The fit is a small dense linear solve per listing-day (``n·max_spread_ticks``
states). It is not a row loop: the transitions are counted by Polars; this
module only turns one listing-day's counts into the adjustment table, once per
listing-day.

Reference:
    S. Stoikov, "The micro-price: a high-frequency estimator of future prices",
    Quantitative Finance 18(12):1959-1966, 2018.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def fit_adjustments(
    states: Sequence[int],
    nexts: Sequence[int],
    moves: Sequence[int],
    counts: Sequence[int],
    *,
    bins: int,
    spreads: int,
    max_half_ticks: int,
    terms: int,
    symmetrize: bool,
) -> list[float] | None:
    """The micro-price adjustment ``g(x)`` in ticks for every state ``x``, or None if ``1 − Q`` is singular.

    Args:
        states: State index ``(S − 1)·bins + b`` of each distinct transition.
        nexts: State index after it.
        moves: Mid change in half ticks (``2·dM``), ``|move| ≤ max_half_ticks``.
        counts: How many times each distinct transition occurred.
        bins: Number ``n`` of imbalance bins.
        spreads: Number of spread states (1 … ``spreads`` ticks).
        max_half_ticks: Largest ``|2·dM|`` allowed.
        terms: Number of terms ``Bⁱ·G¹`` summed.
        symmetrize: Add every transition mirrored.
    """
    size = bins * spreads
    width = 2 * max_half_ticks + 1  # moves -max..max in half ticks; index max is "no move"
    stay = np.zeros((size, size))
    jump = np.zeros((size, size))
    move = np.zeros((size, width))

    def add(x: int, y: int, half: int, count: float) -> None:
        if half == 0:
            stay[x, y] += count
        else:
            jump[x, y] += count
            move[x, half + max_half_ticks] += count

    def mirror(state: int) -> int:
        spread, b = divmod(state, bins)
        return spread * bins + (bins - 1 - b)

    for x, y, half, count in zip(states, nexts, moves, counts, strict=True):
        add(x, y, half, count)
        if symmetrize:
            add(mirror(x), mirror(y), -half, count)
    total = stay.sum(axis=1) + jump.sum(axis=1)
    scale = np.divide(1.0, total, out=np.zeros(size), where=total > 0)[:, None]
    q, r2, r1 = stay * scale, jump * scale, move * scale
    k = np.arange(-max_half_ticks, max_half_ticks + 1) / 2.0
    try:
        inverse = np.linalg.inv(np.eye(size) - q)
    except np.linalg.LinAlgError:
        return None
    g1 = inverse @ (r1 @ k)
    b = inverse @ r2
    total_g = np.zeros(size)
    term = g1
    for _ in range(terms):
        total_g += term
        term = b @ term
    if not np.all(np.isfinite(total_g)):
        return None
    return [float(v) for v in total_g]


__all__ = ["fit_adjustments"]
