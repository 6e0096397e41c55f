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

from basalt.jit import OptionalJit

njit = OptionalJit()
"""Compile a one-pass L2 kernel (see :class:`basalt.jit.OptionalJit`)."""

JIT_ENABLED: bool = njit.enabled
"""Whether the kernels are compiled (Numba importable)."""
