"""Hidden-size (iceberg) detection from L3 and its analytics."""

from __future__ import annotations

from basalt import AnalyticModule, PreprocessorModule

PREPROCESSORS: list[type[PreprocessorModule]] = []
ANALYTICS: list[type[AnalyticModule]] = []
