"""Built-in plugin: the output writers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from basalt import hookimpl

if TYPE_CHECKING:  # pragma: no cover - typing only; importing it costs Polars at start-up
    from basalt.writers.base import OutputWriter


@hookimpl
def basalt_register_output_writers() -> list[type[OutputWriter]]:
    """parquet, delta and sql (deltalake / SQLAlchemy are imported only when they write)."""
    from basalt.writers.delta import DeltaWriter
    from basalt.writers.parquet import ParquetWriter
    from basalt.writers.sql import SqlWriter

    return [ParquetWriter, DeltaWriter, SqlWriter]
