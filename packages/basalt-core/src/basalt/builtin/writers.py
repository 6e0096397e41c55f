"""Built-in plugin: the output writers."""

from __future__ import annotations

from basalt import hookimpl
from basalt.writers.base import OutputWriter


@hookimpl
def basalt_register_output_writers() -> list[type[OutputWriter]]:
    """parquet, delta and sql (deltalake / SQLAlchemy are imported only when they write)."""
    from basalt.writers.delta import DeltaWriter
    from basalt.writers.parquet import ParquetWriter
    from basalt.writers.sql import SqlWriter

    return [ParquetWriter, DeltaWriter, SqlWriter]
