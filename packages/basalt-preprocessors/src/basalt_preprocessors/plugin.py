"""Basalt plugin of bmll-basalt-preprocessors: derived tables and the analytics over them.

Only hook implementations live here; the modules are imported inside the hooks, so
listing plugins never pays for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from basalt import hookimpl

if TYPE_CHECKING:  # pragma: no cover - typing only: importing them at start-up costs Polars
    from basalt import AnalyticModule, PreprocessorModule


@hookimpl
def basalt_register_preprocessors() -> list[type[PreprocessorModule]]:
    """Preprocessors: books replayed from L3, consolidated books, aggressive orders, icebergs."""
    from basalt_preprocessors.catalog_books import PREPROCESSORS as BOOKS
    from basalt_preprocessors.catalog_cbbo import PREPROCESSORS as CBBO
    from basalt_preprocessors.catalog_icebergs import PREPROCESSORS as ICEBERGS

    return [*BOOKS, *CBBO, *ICEBERGS]


@hookimpl
def basalt_register_analytics() -> list[type[AnalyticModule]]:
    """Analytics over the derived tables (consolidated-book shares, aggressive orders, icebergs)."""
    # Not catalog_books: it has no analytics, and importing it loads the replay kernel (numba),
    # which every pipeline would then pay for at resolve time.
    from basalt_preprocessors.catalog_cbbo import ANALYTICS as CBBO
    from basalt_preprocessors.catalog_icebergs import ANALYTICS as ICEBERGS

    return [*CBBO, *ICEBERGS]
