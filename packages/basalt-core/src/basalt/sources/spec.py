"""Build a source from a one-word CLI spec: a folder, an ``s3://`` URL or ``bmll:MIC,MIC``."""

from __future__ import annotations

import os
from pathlib import Path

from basalt.plugins.manager import PluginManager
from basalt.sources.base import Source


def source_from_spec(spec: str, manager: PluginManager) -> Source:
    """The source a CLI ``--source`` names.

    * ``s3://bucket/prefix`` — the ``s3`` source (endpoint from ``AWS_ENDPOINT_URL``, if set);
    * ``bmll:XLON,BATE`` — BMLL's data API for those MICs;
    * ``NAME:VALUE`` for any other registered source taking a ``root``;
    * anything else — a folder, read by the ``local`` source.
    """
    sources = manager.sources()
    if spec.startswith("s3://"):
        endpoint = os.environ.get("AWS_ENDPOINT_URL")
        return sources["s3"]({"url": spec, **({"endpoint_url": endpoint} if endpoint else {})})
    name, sep, value = spec.partition(":")
    if sep and name in sources and name != "local":
        if name == "bmll":
            return sources[name]({"mics": [m for m in value.split(",") if m]})
        return sources[name]({"root": value})
    return sources["local"]({"root": Path(spec.removeprefix("local:"))})
