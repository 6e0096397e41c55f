"""Optional Numba for sequential kernels: compiled when Numba is installed, plain Python otherwise.

Some computations are inherently sequential (a simulated order book, a replay, a
bar that closes on the trade that crosses its threshold) and are written as
loops in the subset of Python that Numba's ``nopython`` mode compiles (NumPy
arrays, ints, floats, no objects). Without Numba the very same functions run as
plain Python: slower, same output. Numba is the ``[fast]`` extra of
``bmll-basalt``. Plugins may use this too::

    from basalt.jit import OptionalJit

    njit = OptionalJit("MY_PLUGIN_JIT")  # MY_PLUGIN_JIT=0 forces plain Python


    @njit
    def kernel(values): ...

Import the module holding such kernels where they run, not at plugin
registration: importing Numba costs ~0.3–0.5 s.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from types import ModuleType
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_OFF = {"0", "false", "no", "off"}


def load_numba(switch: str | None = None) -> ModuleType | None:
    """Numba, or None when it is not installed or the environment variable ``switch`` is off."""
    if switch and os.environ.get(switch, "1").strip().lower() in _OFF:
        return None
    try:
        import numba
    except ImportError:  # pragma: no cover - depends on the environment
        return None
    return numba


class OptionalJit:
    """A decorator compiling a kernel with ``numba.njit(cache=True, nogil=True)``, if it can.

    ``cache=True`` keeps the machine code beside the kernel's module (or in Numba's
    user cache when that folder is read-only), so spawned workers load it instead
    of compiling again.

    Args:
        switch: Environment variable that turns compilation off when ``0``/``false``/
            ``no``/``off`` (tests compare both paths; benchmarks measure both).
    """

    def __init__(self, switch: str | None = None) -> None:
        self._numba = load_numba(switch)

    @property
    def enabled(self) -> bool:
        """Whether kernels are compiled (Numba importable and not switched off)."""
        return self._numba is not None

    def __call__(self, fn: F) -> F:
        if self._numba is None:
            return fn
        return self._numba.njit(cache=True, nogil=True)(fn)  # type: ignore[no-any-return]


__all__ = ["OptionalJit", "load_numba"]
