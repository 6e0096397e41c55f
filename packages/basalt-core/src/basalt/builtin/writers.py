"""Built-in plugin: the output writers."""

from __future__ import annotations

from basalt import hookimpl
from basalt.writers.base import OutputWriter


@hookimpl
def basalt_register_output_writers() -> list[type[OutputWriter]]:
    """parquet."""
    from basalt.writers.parquet import ParquetWriter

    return [ParquetWriter]
