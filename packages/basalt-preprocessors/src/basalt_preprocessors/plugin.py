"""Basalt plugin of bmll-basalt-preprocessors: derived tables.

Only hook implementations live here; the modules are imported inside the hook.
"""

from __future__ import annotations

from basalt import PreprocessorModule, hookimpl


@hookimpl
def basalt_register_preprocessors() -> list[type[PreprocessorModule]]:
    """Preprocessors (CBBO build, aggressive-trade reconstruction, … as they are built)."""
    return []
