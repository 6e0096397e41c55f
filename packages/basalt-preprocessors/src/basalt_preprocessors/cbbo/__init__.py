"""Consolidated books across venues: the ``cbbo`` preprocessor and the ``cbbo_venue`` analytics."""

from __future__ import annotations

from basalt_preprocessors.cbbo.config import CBBOConfig, CBBOVenueConfig
from basalt_preprocessors.cbbo.consolidate import ConsolidatedBook

__all__ = ["CBBOConfig", "CBBOVenueConfig", "ConsolidatedBook"]
