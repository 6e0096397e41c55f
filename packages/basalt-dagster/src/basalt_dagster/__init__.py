"""Dagster integration for Basalt: assets, universe x date partitions, IO manager, schedules."""

from basalt_dagster.__about__ import __version__

__all__ = ["__version__"]
