"""Built-in plugin: BMLL's market-data tables."""

from __future__ import annotations

from typing import TYPE_CHECKING

from basalt import hookimpl

if TYPE_CHECKING:  # pragma: no cover - typing only; importing it costs Polars at start-up
    from basalt.tables.base import Table


@hookimpl
def basalt_register_tables() -> list[type[Table]]:
    """trades, l2, l3, marketstate, reference, cbbo, imbalance."""
    from basalt.tables.bmll import BMLL_TABLES

    return list(BMLL_TABLES)
