"""Optional Numba for the one-pass L2 kernels (:mod:`basalt.analytics.l2._kernels`).

The kernels are written in the subset of Python that Numba's ``nopython`` mode
compiles (NumPy arrays, ints, floats), so without Numba the very same
functions run as plain Python: same output, far slower. This module is only
imported when a kernel is about to run, so commands that never compute an L2
pass do not pay for importing Numba (~0.5 s). Numba is the ``[fast]`` extra of
``bmll-basalt``.

Without Numba, ``l2tw`` takes the NumPy ordered path instead
(:func:`basalt.analytics.l2.ordered.path`); the interpreted kernel gives the
same sums (tested) but is far slower.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

try:
    import numba as _numba
except ImportError:  # pragma: no cover - depends on the environment
    _numba = None

JIT_ENABLED: bool = _numba is not None
"""Whether the kernels are compiled (Numba importable)."""


def njit(fn: F) -> F:
    """Compile ``fn`` with ``numba.njit(cache=True, nogil=True)``, or return it unchanged.

    ``cache=True`` keeps the machine code beside the module (or in Numba's user
    cache when the package folder is read-only): spawned workers load it
    instead of compiling again.
    """
    if _numba is None:
        return fn
    return _numba.njit(cache=True, nogil=True)(fn)  # type: ignore[no-any-return]
