"""The refill-chain kernel: compiled or not, each link's root is found by following parents to the end."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from basalt_preprocessors.icebergs import chains


def _follow(parent: list[int]) -> list[int]:
    roots = []
    for i in range(len(parent)):
        j = i
        while parent[j] >= 0:
            j = parent[j]
        roots.append(j)
    return roots


def test_roots_of_random_chains_compiled_and_pure_python() -> None:
    rng = np.random.default_rng(0)
    parent = [-1 if i == 0 or rng.random() < 0.3 else int(rng.integers(0, i)) for i in range(500)]
    series = pl.Series("p", [None if p < 0 else p for p in parent], dtype=pl.Int64)
    expected = _follow(parent)
    assert chains.chain_roots(series).to_list() == expected
    plain = chains._roots_python  # the same loop, uncompiled
    assert plain(np.asarray(parent, dtype=np.int64)).tolist() == expected
    assert chains.chain_roots(pl.Series("p", [], dtype=pl.Int64)).to_list() == []


def test_a_parent_after_its_child_is_an_error() -> None:
    with pytest.raises(ValueError, match="precedes its parent"):
        chains.chain_roots(pl.Series("p", [None, 2, None], dtype=pl.Int64))
