"""Preprocessors for Basalt: CBBO build, CBBO from L3, aggressive-trade reconstruction, iceberg detection."""

from basalt_preprocessors.__about__ import __version__

__all__ = ["__version__"]
