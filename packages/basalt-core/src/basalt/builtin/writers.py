"""Built-in plugin: the output writers."""

from __future__ import annotations

from basalt import hookimpl
from basalt.plugins.deferred import Deferred


@hookimpl
def basalt_register_output_writers() -> list[Deferred]:
    """parquet, delta and sql (each imported when a pipeline writes with it)."""
    return [
        Deferred("parquet", "basalt.writers.parquet:ParquetWriter"),
        Deferred("delta", "basalt.writers.delta:DeltaWriter"),
        Deferred("sql", "basalt.writers.sql:SqlWriter"),
    ]
