"""Built-in plugin: the local and S3 Parquet-lake sources and BMLL's data API."""

from __future__ import annotations

from typing import TYPE_CHECKING

from basalt import hookimpl

if TYPE_CHECKING:  # pragma: no cover - typing only; importing it costs Polars at start-up
    from basalt.sources.base import Source


@hookimpl
def basalt_register_sources() -> list[type[Source]]:
    """local, s3, bmll."""
    from basalt.sources.bmll_api import BMLLSource
    from basalt.sources.local import LocalSource
    from basalt.sources.s3 import S3Source

    return [LocalSource, S3Source, BMLLSource]
