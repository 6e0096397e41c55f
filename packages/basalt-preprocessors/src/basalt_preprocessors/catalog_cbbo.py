"""Consolidated books across venues, their analytics, and aggressive orders."""

from __future__ import annotations

from basalt import AnalyticModule, PreprocessorModule

PREPROCESSORS: list[type[PreprocessorModule]] = []
ANALYTICS: list[type[AnalyticModule]] = []
