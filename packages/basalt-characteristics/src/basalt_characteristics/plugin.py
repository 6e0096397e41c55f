"""Basalt plugin of bmll-basalt-characteristics: microstructure analytics.

Only hook implementations live here; the modules are imported inside the hook, so
listing plugins never pays for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from basalt import hookimpl

if TYPE_CHECKING:  # pragma: no cover - typing only: importing them at start-up costs Polars
    from basalt import AnalyticModule


@hookimpl
def basalt_register_analytics() -> list[type[AnalyticModule]]:
    """Characteristics modules: book-based estimators, trade- and order-flow ones, then bars."""
    from basalt_characteristics.bars import BarsModule
    from basalt_characteristics.catalog_book import MODULES as BOOK
    from basalt_characteristics.catalog_flow import MODULES as FLOW

    return [*BOOK, *FLOW, BarsModule]
