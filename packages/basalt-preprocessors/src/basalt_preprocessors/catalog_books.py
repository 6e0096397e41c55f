"""Books rebuilt from L3 by replay (l2_from_l3)."""

from __future__ import annotations

from basalt import AnalyticModule, PreprocessorModule

PREPROCESSORS: list[type[PreprocessorModule]] = []
ANALYTICS: list[type[AnalyticModule]] = []
