"""Optional Numba for the replay kernel, as ``basalt.synth._jit`` does for the generator.

The kernel is written in the subset of Python that Numba's ``nopython`` mode
compiles (flat NumPy arrays, ints, no objects), so without Numba the very same
function runs as plain Python on lists: slower, identical output. Numba comes
with the core's ``[fast]`` extra.

Set ``BASALT_REPLAY_JIT=0`` to force the pure-Python path (the tests compare the
two; the benchmark measures both).
"""

from __future__ import annotations

from basalt.jit import OptionalJit

njit = OptionalJit("BASALT_REPLAY_JIT")
"""Compile the replay kernel (see :class:`basalt.jit.OptionalJit`)."""

JIT_ENABLED: bool = njit.enabled
"""Whether the kernel is compiled (Numba importable and not disabled)."""
