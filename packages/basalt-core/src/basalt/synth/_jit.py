"""Optional Numba: compile the simulation kernels when Numba is installed.

The kernels are written in the subset of Python that Numba's ``nopython`` mode
compiles (NumPy arrays, ints, floats, no objects), so without Numba the very
same functions run as plain Python: slower, same output. Numba is the
``[fast]`` extra of ``bmll-basalt``.

Set ``BASALT_SYNTH_JIT=0`` to force the pure-Python path (tests compare the
two; the benchmark measures both).
"""

from __future__ import annotations

from basalt.jit import OptionalJit

njit = OptionalJit("BASALT_SYNTH_JIT")
"""Compile a simulation kernel (see :class:`basalt.jit.OptionalJit`)."""

JIT_ENABLED: bool = njit.enabled
"""Whether the kernels are compiled (Numba importable and not disabled)."""
