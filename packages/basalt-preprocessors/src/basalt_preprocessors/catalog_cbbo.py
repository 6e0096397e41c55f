"""Consolidated books across venues, their analytics, and aggressive orders."""

from __future__ import annotations

from basalt import AnalyticModule, PreprocessorModule
from basalt_preprocessors.aggressive.module import AggressiveOrderStats
from basalt_preprocessors.aggressive.orders import AggressiveOrders
from basalt_preprocessors.cbbo.consolidate import ConsolidatedBook
from basalt_preprocessors.cbbo.venue import CBBOVenue

PREPROCESSORS: list[type[PreprocessorModule]] = [ConsolidatedBook, AggressiveOrders]
ANALYTICS: list[type[AnalyticModule]] = [CBBOVenue, AggressiveOrderStats]
