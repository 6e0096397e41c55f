"""Books rebuilt from L3 by replay (l2_from_l3)."""

from __future__ import annotations

from basalt import AnalyticModule, PreprocessorModule
from basalt_preprocessors.replay.module import L2FromL3

PREPROCESSORS: list[type[PreprocessorModule]] = [L2FromL3]
ANALYTICS: list[type[AnalyticModule]] = []
