"""Consolidated books across venues: the ``cbbo`` preprocessor and the ``cbbo_venue`` analytics."""

from __future__ import annotations

from basalt_preprocessors.cbbo.config import CBBOConfig, CBBOVenueConfig
from basalt_preprocessors.cbbo.consolidate import ConsolidatedBook
from basalt_preprocessors.cbbo.venue import CBBOVenue

__all__ = ["CBBOConfig", "CBBOVenue", "CBBOVenueConfig", "ConsolidatedBook"]
