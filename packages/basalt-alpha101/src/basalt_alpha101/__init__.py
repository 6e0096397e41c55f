"""The 101 formulaic alphas (Kakushadze 2016) as a Basalt analytics plugin.

``basalt_alpha101.compute(frame, ids=None, columns=None)`` computes them on a long
panel (``evaluate`` does the same for formulas of your own);
:mod:`basalt_alpha101.operators` holds the paper's operators as Polars
expressions; the ``alpha101`` analytics module (:mod:`basalt_alpha101.module`)
runs them in a pipeline over an earlier pass's bars.

Importing this package stays light (no Polars): the plugin machinery imports it
to find the hook. Public names load on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from basalt_alpha101.__about__ import __version__

_LAZY: dict[str, str] = {
    "compute": "basalt_alpha101.api",
    "evaluate": "basalt_alpha101.api",
    "MissingInputError": "basalt_alpha101.inputs",
    "ALPHAS": "basalt_alpha101.registry",
    "Alpha101": "basalt_alpha101.module",
}

if TYPE_CHECKING:  # pragma: no cover - typing only
    from basalt_alpha101.api import compute, evaluate
    from basalt_alpha101.inputs import MissingInputError
    from basalt_alpha101.module import Alpha101
    from basalt_alpha101.registry import ALPHAS


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'basalt_alpha101' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = ["ALPHAS", "Alpha101", "MissingInputError", "__version__", "compute", "evaluate"]
