"""Hidden-size (iceberg) detection from L3 and its analytics."""

from __future__ import annotations

from basalt import AnalyticModule, PreprocessorModule
from basalt_preprocessors.icebergs.metrics import IcebergMetrics
from basalt_preprocessors.icebergs.module import Icebergs

PREPROCESSORS: list[type[PreprocessorModule]] = [Icebergs]
ANALYTICS: list[type[AnalyticModule]] = [IcebergMetrics]
