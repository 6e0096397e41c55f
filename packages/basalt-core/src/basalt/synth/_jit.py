"""Optional Numba: compile the simulation kernels when Numba is installed.

The kernels are written in the subset of Python that Numba's ``nopython`` mode
compiles (NumPy arrays, ints, floats, no objects), so without Numba the very
same functions run as plain Python: slower, same output. Numba is the
``[fast]`` extra of ``bmll-basalt``.

Set ``BASALT_SYNTH_JIT=0`` to force the pure-Python path (tests compare the
two; the benchmark measures both).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def _jit_requested() -> bool:
    return os.environ.get("BASALT_SYNTH_JIT", "1").strip().lower() not in {"0", "false", "no", "off"}


try:
    if not _jit_requested():
        raise ImportError("BASALT_SYNTH_JIT=0")
    import numba as _numba
except ImportError:  # pragma: no cover - depends on the environment
    _numba = None

JIT_ENABLED: bool = _numba is not None
"""Whether the kernels are compiled (Numba importable and not disabled)."""


def njit(fn: F) -> F:
    """Compile ``fn`` with ``numba.njit(cache=True)``, or return it unchanged.

    ``cache=True`` writes the machine code next to the module (or to Numba's
    user cache when the package folder is read-only), so spawned worker
    processes load it instead of compiling again.
    """
    if _numba is None:
        return fn
    return _numba.njit(cache=True, nogil=True)(fn)  # type: ignore[no-any-return]
