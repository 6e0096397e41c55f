"""Optional Numba for the replay kernel, as ``basalt.synth._jit`` does for the generator.

The kernel is written in the subset of Python that Numba's ``nopython`` mode
compiles (flat NumPy arrays, ints, no objects), so without Numba the very same
function runs as plain Python on lists: slower, identical output. Numba comes
with the core's ``[fast]`` extra.

Set ``BASALT_REPLAY_JIT=0`` to force the pure-Python path (the tests compare the
two; the benchmark measures both).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def _jit_requested() -> bool:
    return os.environ.get("BASALT_REPLAY_JIT", "1").strip().lower() not in {"0", "false", "no", "off"}


try:
    if not _jit_requested():
        raise ImportError("BASALT_REPLAY_JIT=0")
    import numba as _numba
except ImportError:  # pragma: no cover - depends on the environment
    _numba = None

JIT_ENABLED: bool = _numba is not None
"""Whether the kernel is compiled (Numba importable and not disabled)."""


def njit(fn: F) -> F:
    """Compile ``fn`` with ``numba.njit(cache=True, nogil=True)``, or return it unchanged."""
    if _numba is None:
        return fn
    return _numba.njit(cache=True, nogil=True)(fn)  # type: ignore[no-any-return]
