"""Consolidated books across venues, their analytics, and aggressive orders."""

from __future__ import annotations

from basalt import AnalyticModule, PreprocessorModule
from basalt_preprocessors.cbbo.consolidate import ConsolidatedBook

PREPROCESSORS: list[type[PreprocessorModule]] = [ConsolidatedBook]
ANALYTICS: list[type[AnalyticModule]] = []
