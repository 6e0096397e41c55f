"""Built-in plugin: the local and S3 Parquet-lake sources and BMLL's data API."""

from __future__ import annotations

from basalt import hookimpl
from basalt.plugins.deferred import Deferred


@hookimpl
def basalt_register_sources() -> list[Deferred]:
    """local, s3, bmll (each imported when a pipeline reads from it)."""
    return [
        Deferred("local", "basalt.sources.local:LocalSource"),
        Deferred("s3", "basalt.sources.s3:S3Source"),
        Deferred("bmll", "basalt.sources.bmll_api:BMLLSource"),
    ]
