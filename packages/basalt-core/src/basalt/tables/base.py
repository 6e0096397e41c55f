"""Base class of market-data tables (registered by ``basalt_register_tables``)."""

from __future__ import annotations

from typing import ClassVar

import polars as pl

from basalt._registrable import Registrable


class Table(Registrable):
    """A market-data table in BMLL's schema.

    Subclasses declare the table's registered ``NAME``, its column schema (the
    contract files on disk must meet), its timestamp column and its keys.
    Loading and validation build on these declarations.
    """

    SCHEMA: ClassVar[dict[str, pl.DataType]] = {}
    """Column name → Polars dtype, exactly as BMLL publishes them."""

    TIMESTAMP_COLUMN: ClassVar[str | None] = None
    """The event-time column buckets are computed from (None for static tables)."""

    KEYS: ClassVar[tuple[str, ...]] = ("ListingId",)
    """Columns identifying the listing (and event) a row belongs to."""
