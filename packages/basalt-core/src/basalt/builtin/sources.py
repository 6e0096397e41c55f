"""Built-in plugin: the local and S3 Parquet-lake sources and BMLL's data API."""

from __future__ import annotations

from basalt import hookimpl
from basalt.sources.base import Source


@hookimpl
def basalt_register_sources() -> list[type[Source]]:
    """local, s3, bmll."""
    from basalt.sources.bmll_api import BMLLSource
    from basalt.sources.local import LocalSource
    from basalt.sources.s3 import S3Source

    return [LocalSource, S3Source, BMLLSource]
