"""Roots of refill chains: the one sequential step of iceberg detection (Numba when installed).

A refill link says "order B is the next peak of order A". Links form simple
paths (an insert has at most one parent, a full execution at most one refill),
and an iceberg is one path: its id is the path's first order. Finding each
link's first ancestor is a pointer chase that no vectorised expression does in
one pass (pointer doubling needs a self-join per step, and the number of steps
grows with the longest chain), so a tiny loop does it: links come sorted so
that a parent link precedes its children, and each link copies its parent's
root. Compiled by Numba (``bmll-basalt[fast]``) when importable; otherwise the
same function runs as plain Python, with the same result.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
import polars as pl


def _roots_python(parent: np.ndarray) -> np.ndarray:
    """``root[i]``: position of the first link of link ``i``'s chain (``parent[i] < i`` or -1)."""
    root = np.empty(parent.shape[0], dtype=np.int64)
    for i in range(parent.shape[0]):
        p = parent[i]
        root[i] = i if p < 0 else root[p]
    return root


@functools.cache
def _roots() -> Callable[[np.ndarray], np.ndarray]:
    """The compiled loop, made on first use: importing numba (~0.5 s) at plugin registration
    would slow every pipeline's start-up, icebergs or not."""
    try:
        import numba
    except ImportError:  # pragma: no cover - depends on the environment
        return _roots_python
    return numba.njit(cache=True, nogil=True)(_roots_python)  # type: ignore[no-any-return]


def chain_roots(parent_position: pl.Series) -> pl.Series:
    """Root position of every link, given each link's parent position (null: a chain's first link).

    Positions are 0-based rows of the link table; a parent must come before its child.
    """
    parent = parent_position.fill_null(-1).cast(pl.Int64).to_numpy()
    if parent.shape[0] and (parent >= np.arange(parent.shape[0])).any():
        raise ValueError("iceberg chains: a refill link precedes its parent link")
    return pl.Series(parent_position.name, _roots()(np.ascontiguousarray(parent)), dtype=pl.Int64)
